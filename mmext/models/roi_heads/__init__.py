from .fiou_roi_head import FIoURoIHead
from .ssd_refine_head import SSDRefineHead

__all__ = ['FIoURoIHead', 'SSDRefineHead']
