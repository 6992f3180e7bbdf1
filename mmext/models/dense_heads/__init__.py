from .fiou_retina_head import FIoURetinaHead
from .tood_head import TOODHead

__all__ = ['FIoURetinaHead', 'TOODHead']
