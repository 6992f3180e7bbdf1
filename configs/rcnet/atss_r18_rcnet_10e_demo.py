# The demo detector (configs/demo/atss_r18_fpn_10e_demo.py) with RCNet in
# place of FPN, same schedule: compare the two on the embedded demo set.
_base_ = '../demo/atss_r18_fpn_10e_demo.py'

model = dict(
    neck=dict(
        type='mmext.RCNet', norm_cfg=dict(type='BN', requires_grad=True)))
