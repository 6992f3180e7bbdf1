from .annotation_overlap import covers_annotation, matches_annotation
from .confidence_calibrator import ConfidenceCalibrator, fit_logistic

__all__ = [
    'ConfidenceCalibrator', 'covers_annotation', 'fit_logistic',
    'matches_annotation'
]
