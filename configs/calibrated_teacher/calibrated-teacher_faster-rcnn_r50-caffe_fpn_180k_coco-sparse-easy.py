# Calibrated Teacher + Focal IoU weight on a two-stage detector: Faster R-CNN
# R-50-caffe FPN with FIoU on the background RoIs, COCO "easy" sparse
# annotations; data, schedule and thresholds as the RetinaNet configs.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/datasets/sparse_coco_detection.py',
    '../_base_/schedules/calibrated_teacher_180k.py'
]

detector = _base_.model
detector.data_preprocessor = dict(
    type='DetDataPreprocessor',
    mean=[103.530, 116.280, 123.675],
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_size_divisor=32)
detector.backbone.norm_cfg = dict(type='BN', requires_grad=False)
detector.backbone.style = 'caffe'
detector.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='open-mmlab://detectron2/resnet50_caffe')
detector.roi_head.type = 'mmext.FIoURoIHead'
detector.roi_head.focal_iou_weight = _base_.focal_iou_weight
model = dict(
    _delete_=True,
    type='mmext.CalibratedTeacher',
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=detector.data_preprocessor),
    semi_train_cfg=_base_.semi_train_cfg,
    semi_test_cfg=dict(predict_on='student'))
