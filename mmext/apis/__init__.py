from .anomaly_inferencer import AnomalyInferencer

__all__ = ['AnomalyInferencer']
