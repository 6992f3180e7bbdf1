from .focal_iou_weight import FocalIoUWeight
from .mil_loss import MILLoss, instance_weights

__all__ = ['FocalIoUWeight', 'MILLoss', 'instance_weights']
