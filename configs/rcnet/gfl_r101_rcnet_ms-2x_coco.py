# GFL R-101 2x, multi-scale training, with RCNet in place of FPN (the
# authors report 47.1 AP val, 47.4 test-dev): TempleX98/RCNet@2bff595
# configs/rcnet/gfl_r101_rcfpn_mstrain_2x_coco.py: GN (32 groups) in the
# neck, 2 images a GPU on 8 GPUs at lr 0.01, short sides 480-960 (mmdet's
# GFL 2x: 480-800), 24 epochs with steps at 16 and 22.
_base_ = ['mmdet::gfl/gfl_r101_fpn_ms-2x_coco.py', '../_base_/guarantees.py']
default_scope = 'mmext'

model = dict(
    neck=dict(
        type='mmext.RCNet',
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomResize', scale=[(1333, 480), (1333, 960)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# mmext's guarantees (_base_/guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
