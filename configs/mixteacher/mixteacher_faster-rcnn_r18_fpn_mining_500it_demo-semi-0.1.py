# The MixTeacher demo with promoted pseudo-label mining on (mmext's
# thresholds; the authors' released configs leave mining off).
_base_ = './mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py'

model = dict(
    semi_train_cfg=dict(
        miner=dict(
            type='mmext.PromotedPseudoLabelMiner',
            low_thr=0.7,
            promotion_thr=0.1)))
