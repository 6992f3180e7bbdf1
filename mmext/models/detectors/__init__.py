from .calibrated_teacher import CalibratedTeacher
from .mix_teacher import MixTeacher
from .mixed_scale_faster_rcnn import MixedScaleFasterRCNN
from .ssd_det import SSDDet

__all__ = ['CalibratedTeacher', 'MixTeacher', 'MixedScaleFasterRCNN', 'SSDDet']
