from .cross_scale_shift import CrossScaleShift
from .mixed_scale_fusion import MixedScaleFusion
from .pyramid_resize import resize_to_level
from .reverse_feature_pyramid import FusionNode, ReverseFeaturePyramid

__all__ = [
    'CrossScaleShift', 'FusionNode', 'MixedScaleFusion',
    'ReverseFeaturePyramid', 'resize_to_level'
]
