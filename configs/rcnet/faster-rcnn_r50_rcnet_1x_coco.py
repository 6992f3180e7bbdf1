# Faster R-CNN R-50 1x with RCNet in place of FPN (levels P2-P6; the extra
# level is a plain max-pool, as FPN's add_extra_convs=False).
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
    '../_base_/guarantees.py'
]
default_scope = 'mmext'

model = dict(
    neck=dict(
        type='mmext.RCNet', norm_cfg=dict(type='BN', requires_grad=True)),
    # mmcv's RoIAlign results on every CPU thread (mmcv's kernel on CUDA)
    roi_head=dict(
        bbox_roi_extractor=dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(type='mmext.RoIAlign'))))
train_dataloader = dict(batch_size=4, num_workers=2)
auto_scale_lr = dict(base_batch_size=16)

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
