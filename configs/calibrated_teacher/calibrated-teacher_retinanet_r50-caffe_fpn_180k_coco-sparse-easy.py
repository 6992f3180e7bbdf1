# Calibrated Teacher + Focal IoU weight, RetinaNet R-50-caffe FPN, COCO
# train2017 "easy" sparse annotations (tools/dataset_converters/
# make_sparse_coco.py, see README.md), the authors' schedule and thresholds.
# mmext's variant: the authors' released RetinaNet runs use a ResNet-101
# (the r101-caffe configs); R-50 is the backbone of the Faster R-CNN configs
# and about 1.4x cheaper a step.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/models/r50-caffe_settings.py',
    '../_base_/datasets/sparse_coco_detection.py',
    '../_base_/schedules/calibrated_teacher_180k.py'
]

detector = _base_.model
detector.data_preprocessor = _base_.r50_caffe_preprocessor
detector.backbone.update(_base_.r50_caffe_backbone)
detector.bbox_head.type = 'mmext.FIoURetinaHead'
detector.bbox_head.focal_iou_weight = _base_.focal_iou_weight
model = dict(
    _delete_=True,
    type='mmext.CalibratedTeacher',
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=detector.data_preprocessor),
    # The authors evaluate the student.
    semi_test_cfg=dict(predict_on='student'))
