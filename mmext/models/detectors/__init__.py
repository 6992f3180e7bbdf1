from .mix_teacher import MixTeacher
from .mixed_scale_faster_rcnn import MixedScaleFasterRCNN

__all__ = ['MixTeacher', 'MixedScaleFasterRCNN']
