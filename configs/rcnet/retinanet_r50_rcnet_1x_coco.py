# RetinaNet R-50 1x with RCNet in place of FPN (paper: 40.2 AP, FPN 36.5).
# Only the neck changes; BN in the neck and 4 images per GPU, as the authors.
_base_ = [
    'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py',
    '../_base_/guarantees.py'
]
default_scope = 'mmext'

# Dicts inherited from mmdet's config carry _scope_='mmdet', so the neck's
# type names its scope.
model = dict(
    neck=dict(
        type='mmext.RCNet', norm_cfg=dict(type='BN', requires_grad=True)))
train_dataloader = dict(batch_size=4, num_workers=2)
# The authors kept lr 0.01 with 4 images per GPU, i.e. 16 images on 4 GPUs.
auto_scale_lr = dict(base_batch_size=16)

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
