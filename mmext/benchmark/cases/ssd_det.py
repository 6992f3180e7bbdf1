"""SSD-Det: the refinement step against mmdet's Faster R-CNN."""
from ..harness import Case, Side, register_cases
from .common import demo_detector

register_cases({
    'ssd-det':
    Case(
        'SSD-Det refinement (demo R-18, 2 images)',
        Side('SSDDet', demo_detector('ssd_det')),
        Side('mmdet Faster R-CNN', demo_detector('faster_rcnn')),
        size=(256, 256),
        gts=5),
})
