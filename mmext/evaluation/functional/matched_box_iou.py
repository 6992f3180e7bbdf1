from typing import Dict, List, Sequence

import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps


def xywh_to_xyxy(boxes: Sequence[Sequence[float]]) -> torch.Tensor:
    """COCO ``x, y, w, h`` boxes as an ``(N, 4)`` float64 ``x1, y1, x2, y2``
    tensor."""
    boxes = torch.as_tensor(boxes, dtype=torch.float64).reshape(-1, 4)
    return torch.cat([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], dim=1)


def object_boxes(coco: dict) -> Dict[int, List[float]]:
    """``{annotation id: bbox}`` of the non-crowd annotations of a COCO
    dict."""
    return {
        ann['id']: ann['bbox']
        for ann in coco.get('annotations', []) if not ann.get('iscrowd', 0)
    }


def matched_box_ious(clean: dict, other: dict) -> np.ndarray:
    """IoU of each non-crowd box of COCO dict ``other`` with the box of the
    same annotation id in ``clean`` (``other``'s order); an id missing from
    ``clean`` raises a ``KeyError`` naming it."""
    clean_boxes = object_boxes(clean)
    pairs = []
    for ann_id, bbox in object_boxes(other).items():
        if ann_id not in clean_boxes:
            raise KeyError(f'annotation id {ann_id} is not in the clean json')
        pairs.append((clean_boxes[ann_id], bbox))
    if not pairs:
        return np.zeros(0)
    clean_xyxy, other_xyxy = zip(*pairs)
    return bbox_overlaps(
        xywh_to_xyxy(clean_xyxy), xywh_to_xyxy(other_xyxy),
        is_aligned=True).numpy()
