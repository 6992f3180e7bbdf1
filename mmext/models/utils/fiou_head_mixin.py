import contextlib
from typing import Iterator, List, Optional, Sequence

from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import ConfigType
from mmengine.structures import InstanceData
from torch import Tensor

from mmext.registry import MODELS


class FocalIoUWeightedHeadMixin:
    """What the FIoU heads (:class:`FIoURetinaHead`, :class:`FIoURoIHead`)
    add to their mmdet head: a :class:`FocalIoUWeight` built from
    ``focal_iou_weight``, and each image's annotated boxes kept in
    ``batch_gt_bboxes`` while the loss runs, for the inner loss functions
    that mmdet calls without them. Put it before the mmdet head in the
    bases."""

    def __init__(self,
                 *args,
                 focal_iou_weight: ConfigType = dict(
                     type='mmext.FocalIoUWeight'),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.focal_iou_weight = MODELS.build(focal_iou_weight)
        self.batch_gt_bboxes: Optional[List[Tensor]] = None

    @contextlib.contextmanager
    def gt_bboxes_kept(
            self,
            batch_gt_instances: Sequence[InstanceData]) -> Iterator[None]:
        """``batch_gt_bboxes`` holds the boxes of ``batch_gt_instances``
        inside the ``with`` block, and ``None`` after it."""
        self.batch_gt_bboxes = [
            get_box_tensor(gt.bboxes) for gt in batch_gt_instances
        ]
        try:
            yield
        finally:
            self.batch_gt_bboxes = None
