from .box_refinement_metric import BoxRefinementMetric

__all__ = ['BoxRefinementMetric']
