from .anomaly_local_visualizer import AnomalyLocalVisualizer, anomaly_panel
from .det_local_visualizer import DetLocalVisualizer

__all__ = ['AnomalyLocalVisualizer', 'DetLocalVisualizer', 'anomaly_panel']
