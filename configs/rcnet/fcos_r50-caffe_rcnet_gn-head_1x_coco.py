# FCOS R-50 (caffe) 1x with RCNet in place of FPN.
_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',
    '../_base_/guarantees.py'
]
default_scope = 'mmext'

model = dict(
    neck=dict(
        type='mmext.RCNet', norm_cfg=dict(type='BN', requires_grad=True)))
train_dataloader = dict(batch_size=4, num_workers=2)
auto_scale_lr = dict(base_batch_size=16)

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
