# Baseline: mmdet's Faster R-CNN R-50 FPN 1x trained directly on COCO
# train2017 with 40% box noise (make_noisy_coco.py), evaluated on the clean
# val2017. For another level, pass the level's json with
# --cfg-options train_dataloader.dataset.ann_file=...
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    '../_base_/guarantees.py'
]

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'

# mmcv's RoIAlign results on every CPU thread (mmcv's kernel on CUDA)
model = dict(
    roi_head=dict(
        bbox_roi_extractor=dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(type='mmext.RoIAlign'))))

train_dataloader = dict(
    dataset=dict(ann_file='noisy_anns/instances_train2017_noise40.json'))

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
