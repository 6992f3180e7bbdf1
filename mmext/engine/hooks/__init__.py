from .anomaly_visualization_hook import (AnomalyVisualizationHook,
                                         anomaly_panel)

__all__ = ['AnomalyVisualizationHook', 'anomaly_panel']
