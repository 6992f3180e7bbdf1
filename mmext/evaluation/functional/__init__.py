from .calibration_error import expected_calibration_error, reliability_bins

__all__ = ['expected_calibration_error', 'reliability_bins']
