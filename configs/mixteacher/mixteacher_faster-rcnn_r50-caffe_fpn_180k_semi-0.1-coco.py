# MixTeacher, Faster R-CNN R-50-caffe FPN, COCO 10% labeled (fold 1), 180k
# iterations: mmdet's Soft Teacher recipe (the authors' base) with the mixed
# scale detector, the authors' thresholds and ramp, and promoted mining
# (its 0.7 / 0.1 are ours: the authors' released configs set none).
# Splits: tools/dataset_converters/split_coco_semi.py (see README.md).
_base_ = ('mmdet::soft_teacher/'
          'soft-teacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-coco.py')
default_scope = 'mmext'

# Dicts inherited from mmdet's config carry _scope_='mmdet', so the types name
# their scope.
model = dict(
    type='mmext.MixTeacher',
    detector=dict(
        type='mmext.MixedScaleFasterRCNN',
        # The authors keep predictions down to 1e-3 (pseudo labels are
        # filtered by semi_train_cfg).
        test_cfg=dict(rcnn=dict(score_thr=1e-3)),
        # mmcv's RoIAlign results on every CPU thread (mmcv's kernel on CUDA)
        roi_head=dict(
            bbox_roi_extractor=dict(
                type='mmext.SingleRoIExtractor',
                roi_layer=dict(type='mmext.RoIAlign')))),
    semi_train_cfg=dict(
        miner=dict(
            type='mmext.PromotedPseudoLabelMiner',
            low_thr=0.7,
            promotion_thr=0.1),
        unsup_start_iter=5000,
        unsup_warmup_iters=2000))

# mmdet's sampler with a stream that --resume continues exactly.
train_dataloader = dict(
    sampler=dict(type='mmext.ResumableGroupMultiSourceSampler', seed=0))
