# Ablation of the Calibrated Teacher demo: the plain-training baseline with the
# Focal IoU weight on its negative anchors, no teacher.
_base_ = './retinanet_r18_fpn_400it_demo-sparse-extreme.py'

model = dict(
    bbox_head=dict(
        type='mmext.FIoURetinaHead',
        focal_iou_weight=dict(type='mmext.FocalIoUWeight')))
