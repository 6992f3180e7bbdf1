from torch import Tensor

from mmext.ops import box_iou


def covers_annotation(det_bboxes: Tensor,
                      det_labels: Tensor,
                      gt_bboxes: Tensor,
                      gt_labels: Tensor,
                      same_class_iou_thr: float = 0.6,
                      any_class_iou_thr: float = 0.75,
                      iof_thr: float = 0.9) -> Tensor:
    """Which detections duplicate an annotated box of a sparse label set.

    Calibrated Teacher's rule (the authors' ``merge_boxes``): a detection
    belongs to an annotated object when, with some annotated box, its IoU
    exceeds ``any_class_iou_thr``, or the classes agree and the IoU exceeds
    ``same_class_iou_thr`` or one box lies inside the other (intersection
    over either box's area > ``iof_thr``). Such detections are never added as
    pseudo labels, and they are the ones whose correctness the sparse labels
    can tell (the calibration observations).

    Args:
        det_bboxes (Tensor): Detections ``(n, 4)``, xyxy.
        det_labels (Tensor): Their classes ``(n, )``.
        gt_bboxes (Tensor): Annotated boxes ``(m, 4)``, xyxy.
        gt_labels (Tensor): Their classes ``(m, )``.

    Returns:
        Tensor: Boolean mask ``(n, )``.
    """
    if len(det_bboxes) == 0 or len(gt_bboxes) == 0:
        return det_bboxes.new_zeros(len(det_bboxes), dtype=bool)
    same_class = det_labels[:, None] == gt_labels[None, :]
    ious = box_iou(det_bboxes, gt_bboxes)
    inside_gt = box_iou(det_bboxes, gt_bboxes, mode='iof') > iof_thr
    contains_gt = box_iou(gt_bboxes, det_bboxes, mode='iof').T > iof_thr
    duplicate = (ious > any_class_iou_thr) | (
        same_class & ((ious > same_class_iou_thr) | inside_gt | contains_gt))
    return duplicate.any(dim=1)


def matches_annotation(det_bboxes: Tensor, det_labels: Tensor,
                       gt_bboxes: Tensor, gt_labels: Tensor,
                       iou_thr: float) -> Tensor:
    """Which detections overlap an annotated box of their class by IoU
    > ``iou_thr`` (a correct detection); boolean mask ``(n, )``."""
    if len(det_bboxes) == 0 or len(gt_bboxes) == 0:
        return det_bboxes.new_zeros(len(det_bboxes), dtype=bool)
    same_class = det_labels[:, None] == gt_labels[None, :]
    ious = box_iou(det_bboxes, gt_bboxes)
    return ((ious > iou_thr) & same_class).any(dim=1)
