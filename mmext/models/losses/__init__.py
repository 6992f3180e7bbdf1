from .dual_modeling_distillation_loss import (DualModelingDistillationLoss,
                                              cosine_similarity_map, mask_at)
from .focal_iou_weight import FocalIoUWeight
from .mil_loss import MILLoss, instance_weights

__all__ = [
    'DualModelingDistillationLoss', 'cosine_similarity_map', 'mask_at',
    'FocalIoUWeight', 'MILLoss', 'instance_weights'
]
