"""TOOD's task-aligned head (T-Head, Sec. 3.1) and its loss under Task
Alignment Learning (TAL, Sec. 3.2).

Paper: TOOD: Task-aligned One-stage Object Detection (Feng et al., ICCV 2021),
https://arxiv.org/abs/2108.07755.
Compared with mmdet's port of the authors' code: docs/fidelity.md#tood.
"""
from mmcv.ops import deform_conv2d
from mmdet.models.dense_heads import TOODHead as MMDetTOODHead
from torch import Tensor

from mmext.ops import deformable_bilinear_sample
from mmext.registry import MODELS


@MODELS.register_module()
class TOODHead(MMDetTOODHead):
    """TOOD's task-aligned head (T-Head, Sec. 3.1), mmdet's with a faster CPU
    path.

    A subclass of mmdet's ``TOODHead``: same modules, state dict, outputs,
    losses and predictions (tests compare them), so mmdet's TOOD checkpoints
    load unchanged. What differs is the localisation alignment's sampling
    (Eq. 6: each side of the box read at its own learned offset): on CUDA
    it stays mmcv's compiled deformable-conv kernel, on CPU it is
    :func:`mmext.ops.deformable_bilinear_sample` (``grid_sample``), the same
    bilinear sampling without mmcv's slow CPU kernel. Pair it with
    ``mmext.TaskAlignedAssigner`` (same assignment, far less memory).
    """

    def deform_sampling(self, feat: Tensor, offset: Tensor) -> Tensor:
        """Sample each channel of ``feat`` ``(N, C, H, W)`` at its own offset
        ``(N, 2C, H, W)`` (``(dy, dx)`` per channel)."""
        c = feat.size(1)
        if feat.is_cuda:
            weight = feat.new_ones(c, 1, 1, 1)
            return deform_conv2d(feat, offset, weight, 1, 0, 1, c, c)
        return deformable_bilinear_sample(
            feat, offset, (1, 1), (1, 1), (0, 0), (1, 1),
            deform_groups=c).view_as(feat)
