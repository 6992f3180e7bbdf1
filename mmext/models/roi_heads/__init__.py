from .fiou_roi_head import FIoURoIHead
from .roi_extractors import SingleRoIExtractor
from .ssd_refine_head import SSDRefineHead

__all__ = ['FIoURoIHead', 'SingleRoIExtractor', 'SSDRefineHead']
