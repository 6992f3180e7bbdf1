from .fiou_roi_head import FIoURoIHead

__all__ = ['FIoURoIHead']
