from .anomaly_data_preprocessor import AnomalyDataPreProcessor
from .decoupled_student import DecoupledStudent
from .dmdd import DMDD
from .multi_perception_seg_head import MultiPerceptionSegHead

__all__ = [
    'AnomalyDataPreProcessor', 'DecoupledStudent', 'DMDD',
    'MultiPerceptionSegHead'
]
