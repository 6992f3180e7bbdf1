from .calibration_error import expected_calibration_error, reliability_bins
from .matched_box_iou import matched_box_ious, object_boxes, xywh_to_xyxy

__all__ = [
    'expected_calibration_error', 'reliability_bins', 'matched_box_ious',
    'object_boxes', 'xywh_to_xyxy'
]
