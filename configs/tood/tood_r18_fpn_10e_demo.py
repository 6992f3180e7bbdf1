# The demo detector (configs/demo/atss_r18_fpn_10e_demo.py) with TOOD's head
# and Task Alignment Learning instead of ATSS, same schedule and head size
# (two stacked convs of 128 channels): compare the two on the embedded demo
# set.
# As the paper's 4 of 12 epochs, the first 3 of 10 use ATSS assignment and
# focal loss.
_base_ = '../demo/atss_r18_fpn_10e_demo.py'

model = dict(
    type='TOOD',
    bbox_head=dict(
        type='mmext.TOODHead',
        anchor_type='anchor_free',
        initial_loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            activated=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_cls=dict(
            _delete_=True,
            type='QualityFocalLoss',
            use_sigmoid=True,
            activated=True,
            beta=2.0,
            loss_weight=1.0)),
    train_cfg=dict(
        initial_epoch=3,
        initial_assigner=dict(type='ATSSAssigner', topk=9),
        assigner=dict(type='mmext.TaskAlignedAssigner', topk=13),
        alpha=1,
        beta=6))
