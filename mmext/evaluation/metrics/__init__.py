from .anomaly_metric import AnomalyMetric
from .box_refinement_metric import BoxRefinementMetric

__all__ = ['AnomalyMetric', 'BoxRefinementMetric']
