from .focal_iou_weight import FocalIoUWeight

__all__ = ['FocalIoUWeight']
