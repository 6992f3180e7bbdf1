# Calibrated Teacher + Focal IoU weight on a two-stage detector: Faster R-CNN
# R-50-caffe FPN with FIoU on the background RoIs, COCO "easy" sparse
# annotations; data, schedule and thresholds as the RetinaNet configs.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    '../_base_/models/r50-caffe_settings.py',
    '../_base_/datasets/sparse_coco_detection.py',
    '../_base_/schedules/calibrated_teacher_180k.py'
]

detector = _base_.model
detector.data_preprocessor = _base_.r50_caffe_preprocessor
detector.backbone.update(_base_.r50_caffe_backbone)
detector.roi_head.type = 'mmext.FIoURoIHead'
# mmcv's RoIAlign results on every CPU thread (mmcv's kernel on CUDA)
detector.roi_head.bbox_roi_extractor.update(
    type='mmext.SingleRoIExtractor', roi_layer=dict(type='mmext.RoIAlign'))
detector.roi_head.focal_iou_weight = _base_.focal_iou_weight
model = dict(
    _delete_=True,
    type='mmext.CalibratedTeacher',
    detector=detector,
    data_preprocessor=dict(
        type='MultiBranchDataPreprocessor',
        data_preprocessor=detector.data_preprocessor),
    semi_test_cfg=dict(predict_on='student'))
