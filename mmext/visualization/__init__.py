from .anomaly_local_visualizer import (AnomalyLocalVisualizer, anomaly_panel,
                                       check_anomaly_visualizer)
from .det_local_visualizer import DetLocalVisualizer

__all__ = [
    'AnomalyLocalVisualizer', 'DetLocalVisualizer', 'anomaly_panel',
    'check_anomaly_visualizer'
]
