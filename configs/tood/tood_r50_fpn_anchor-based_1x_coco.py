# The paper's anchor-based TOOD variant (mmdet's model zoo: 42.4 box AP).
_base_ = './tood_r50_fpn_1x_coco.py'

model = dict(bbox_head=dict(anchor_type='anchor_based'))
