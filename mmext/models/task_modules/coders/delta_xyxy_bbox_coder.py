from typing import Optional, Sequence, Union

import torch
from mmdet.models.task_modules.coders import BaseBBoxCoder
from mmdet.structures.bbox import BaseBoxes, HorizontalBoxes, get_box_tensor
from torch import Tensor

from mmext.registry import TASK_UTILS


@TASK_UTILS.register_module()
class DeltaXYXYBBoxCoder(BaseBBoxCoder):
    """Box coder that regresses each corner of the box, in units of the
    base box's width and height.

    The coder of SSD-Det's Faster R-CNN (ucas-vg/PointTinyBenchmark@9ffa750,
    branch SSD-Det: TOV_mmdetection/mmdet/core/bbox/coder/
    delta_xyxy_bbox_coder.py, used by TOV_mmdetection/configs/VOC/detection/
    faster_rcnn_r50_fpn_1x_VOC.py). For a base box ``(px1, py1, px2, py2)``
    of width ``pw`` and height ``ph`` and a target ``(gx1, gy1, gx2, gy2)``:

        delta = ((gx1 - px1) / pw, (gy1 - py1) / ph,
                 (gx2 - px2) / pw, (gy2 - py2) / ph)

    normalised as ``(delta - means) / stds``. Decoding is the inverse and
    linear (no exponential, so there is no width/height ratio to clip);
    with ``clip_border`` the boxes are clipped to ``max_shape``, as the
    authors'. Deltas of several classes, ``(..., 4 * k)``, decode at once.

    Args:
        target_means (Sequence[float]): Means of the deltas.
        target_stds (Sequence[float]): Standard deviations of the deltas.
        clip_border (bool): Clip decoded boxes to the image. Defaults to
            True.
    """

    def __init__(self,
                 target_means: Sequence[float] = (0., 0., 0., 0.),
                 target_stds: Sequence[float] = (1., 1., 1., 1.),
                 clip_border: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.means = target_means
        self.stds = target_stds
        self.clip_border = clip_border

    @staticmethod
    def _sizes(bboxes: Tensor) -> Tensor:
        """``(pw, ph, pw, ph)`` of boxes ``(..., 4)``."""
        wh = bboxes[..., 2:] - bboxes[..., :2]
        return torch.cat([wh, wh], dim=-1)

    def encode(self, bboxes: Union[Tensor, BaseBoxes],
               gt_bboxes: Union[Tensor, BaseBoxes]) -> Tensor:
        """Deltas ``(n, 4)`` that move ``bboxes`` onto ``gt_bboxes``."""
        bboxes = get_box_tensor(bboxes).float()
        gt_bboxes = get_box_tensor(gt_bboxes).float()
        if bboxes.shape != gt_bboxes.shape or bboxes.size(-1) != 4:
            raise ValueError('DeltaXYXYBBoxCoder.encode needs boxes and '
                             'targets of the same shape (..., 4), got '
                             f'{tuple(bboxes.shape)} and '
                             f'{tuple(gt_bboxes.shape)}')
        deltas = (gt_bboxes - bboxes) / self._sizes(bboxes)
        return (deltas - deltas.new_tensor(self.means)) / deltas.new_tensor(
            self.stds)

    def decode(
            self,
            bboxes: Union[Tensor, BaseBoxes],
            pred_bboxes: Tensor,
            max_shape: Optional[Union[Sequence[int], Tensor]] = None,
            wh_ratio_clip: Optional[float] = None) -> Union[Tensor, BaseBoxes]:
        """Boxes ``(..., 4 * k)`` from ``bboxes`` ``(..., 4)`` and deltas
        ``pred_bboxes`` ``(..., 4 * k)``, clipped to ``max_shape`` (``(h,
        w)``, or ``(b, 2)`` for batched boxes). ``wh_ratio_clip`` is
        accepted for mmdet's callers and has no effect."""
        bboxes = get_box_tensor(bboxes)
        deltas = pred_bboxes.reshape(*pred_bboxes.shape[:-1], -1, 4)
        deltas = deltas * deltas.new_tensor(self.stds) + deltas.new_tensor(
            self.means)
        base = bboxes.unsqueeze(-2)
        decoded = base + self._sizes(base) * deltas
        if self.clip_border and max_shape is not None:
            max_shape = torch.as_tensor(
                max_shape, dtype=decoded.dtype, device=decoded.device)
            # (h, w) -> (w, h, w, h), one row per image when batched
            wh = max_shape[..., :2].flip(-1)
            limits = torch.cat([wh, wh], dim=-1)
            limits = limits.reshape(*limits.shape[:-1],
                                    *([1] * (decoded.dim() - limits.dim())), 4)
            decoded = torch.minimum(decoded.clamp(min=0), limits)
        decoded = decoded.reshape(pred_bboxes.shape)
        if self.use_box_type:
            decoded = HorizontalBoxes(decoded)
        return decoded
