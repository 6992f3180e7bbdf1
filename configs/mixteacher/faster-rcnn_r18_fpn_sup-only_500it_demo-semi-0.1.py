# Supervised-only baseline of the MixTeacher demo: Faster R-CNN R-18 FPN from
# scratch on the 10% labeled split of mmext's demo set (32 of 320 images,
# written by tools/dataset_converters/split_coco_semi.py, see README.md), for
# the same iterations and labeled batch as the MixTeacher demo.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/datasets/demo_det.py',
    '../_base_/schedules/demo_adamw_500it.py'
]

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    # Group norm: the demo trains from scratch with 2 labeled images a batch.
    backbone=dict(
        depth=18,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512], out_channels=128, num_outs=5,
              start_level=0, add_extra_convs='on_output'),
    rpn_head=dict(
        in_channels=128,
        feat_channels=128,
        # Demo objects are 10-200 px in 256 px images.
        anchor_generator=dict(scales=[4], strides=[8, 16, 32, 64, 128])),
    roi_head=dict(
        # mmext's RoIAlign: mmcv's results on every CPU thread (mmcv's kernel
        # on CUDA); two samples a bin side (adaptive sampling is slow on CPU).
        bbox_roi_extractor=dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(type='mmext.RoIAlign', sampling_ratio=2),
            out_channels=128,
            featmap_strides=[8, 16, 32, 64]),
        bbox_head=dict(in_channels=128, fc_out_channels=256, num_classes=6)),
    # Few objects per image: fewer proposals and sampled RoIs than on COCO.
    train_cfg=dict(
        rpn_proposal=dict(max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(max_per_img=300), rcnn=dict(score_thr=0.05)))

semi_ann_file = 'semi_anns/instances_train.1@10.json'
labeled_batch_size = 2
train_dataloader = dict(
    batch_size=labeled_batch_size,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(ann_file=semi_ann_file))
