from .dual_modeling_distillation_loss import (DualModelingDistillationLoss,
                                              cosine_similarity_map)
from .focal_iou_weight import FocalIoUWeight
from .mil_loss import MILLoss

__all__ = [
    'DualModelingDistillationLoss', 'cosine_similarity_map', 'FocalIoUWeight',
    'MILLoss'
]
