# Plain-training baseline of the Calibrated Teacher demo: RetinaNet R-18 FPN
# from scratch on mmext's demo set with the "extreme" sparse annotations (one
# box per class and image, written by make_sparse_coco.py; `make data`),
# evaluated on the fully annotated val set. Same detector, images a batch and
# iterations as the Calibrated Teacher demo, so the two mAPs compare.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/demo_det.py',
    '../_base_/schedules/demo_adamw_500it.py'
]

model = dict(
    # Group norm: BN statistics of a from-scratch EMA teacher are unreliable.
    backbone=dict(
        depth=18,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(
        in_channels=[128, 256, 512],
        out_channels=128,
        start_level=0,
        add_extra_convs='on_output'),
    bbox_head=dict(
        num_classes=6,
        in_channels=128,
        stacked_convs=2,
        feat_channels=128,
        # Demo objects are 10-200 px in 256 px images.
        anchor_generator=dict(octave_base_scale=4, scales_per_octave=1)))

sparse_ann_file = 'sparse_anns/instances_train_extreme.json'
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(ann_file=sparse_ann_file))

# The demo schedule, 400 iterations at twice the learning rate.
max_iters = 400
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=40),
    dict(
        type='CosineAnnealingLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        eta_min_ratio=0.05)
]
