from .anomaly_curves import (area_under_curve_up_to, auroc,
                             pixel_auroc_and_aupro, region_labels)
from .calibration_error import expected_calibration_error, reliability_bins
from .matched_box_iou import matched_box_ious, object_boxes, xywh_to_xyxy

__all__ = [
    'area_under_curve_up_to', 'auroc', 'pixel_auroc_and_aupro',
    'region_labels', 'expected_calibration_error', 'reliability_bins',
    'matched_box_ious', 'object_boxes', 'xywh_to_xyxy'
]
