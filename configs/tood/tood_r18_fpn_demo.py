# The demo detector (configs/demo/atss_r18_fpn_demo.py) with TOOD's head and
# Task Alignment Learning instead of ATSS, same schedule and head size (two
# stacked convs of 128 channels): compare the two on the embedded demo set.
# As the paper's 4 of 12 epochs, the first 3 of 10 use ATSS assignment and
# focal loss.
_base_ = '../demo/atss_r18_fpn_demo.py'

model = dict(
    type='TOOD',
    bbox_head=dict(
        _delete_=True,
        type='TOODHead',
        num_classes=6,
        in_channels=128,
        stacked_convs=2,
        feat_channels=128,
        anchor_type='anchor_free',
        anchor_generator=dict(
            type='AnchorGenerator',
            ratios=[1.0],
            octave_base_scale=4,
            scales_per_octave=1,
            strides=[8, 16, 32, 64, 128]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[0.1, 0.1, 0.2, 0.2]),
        initial_loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            activated=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_cls=dict(
            type='QualityFocalLoss',
            use_sigmoid=True,
            activated=True,
            beta=2.0,
            loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        _delete_=True,
        initial_epoch=3,
        initial_assigner=dict(type='ATSSAssigner', topk=9),
        assigner=dict(type='TaskAlignedAssigner', topk=13),
        alpha=1,
        beta=6,
        allowed_border=-1,
        pos_weight=-1,
        debug=False))
