"""TOOD's task-aligned head (T-Head, Sec. 3.1) and its loss under Task
Alignment Learning (TAL, Sec. 3.2).

Paper: TOOD: Task-aligned One-stage Object Detection (Feng et al., ICCV 2021),
https://arxiv.org/abs/2108.07755.
Compared with mmdet's port of the authors' code: docs/fidelity.md#tood.
"""
import torch
from mmcv.ops import deform_conv2d
from mmdet.models.dense_heads import TOODHead as MMDetTOODHead
from torch import Tensor

from mmext.ops import (dcn_cpu_available, deformable_bilinear_sample,
                       modulated_deform_conv2d_cpu)
from mmext.registry import MODELS


@MODELS.register_module()
class TOODHead(MMDetTOODHead):
    """TOOD's task-aligned head (T-Head, Sec. 3.1), mmdet's with a faster CPU
    path.

    A subclass of mmdet's ``TOODHead``: same modules, state dict, outputs,
    losses and predictions (tests compare them), so mmdet's TOOD checkpoints
    load unchanged. What differs is the localisation alignment's sampling
    (Eq. 6: each side of the box read at its own learned offset): on CUDA
    it stays mmcv's compiled deformable-conv kernel, on CPU it is mmext's
    blocked DCN kernel (:func:`mmext.ops.modulated_deform_conv2d_cpu`, one
    deformable group a channel, identity weights, unit mask: the same
    bilinear sums as mmcv's), or :func:`mmext.ops.deformable_bilinear_sample`
    (``grid_sample``) without ``mmext._ext``. Pair it with
    ``mmext.TaskAlignedAssigner`` (same assignment, far less memory).
    """

    def deform_sampling(self, feat: Tensor, offset: Tensor) -> Tensor:
        """Sample each channel of ``feat`` ``(N, C, H, W)`` at its own offset
        ``(N, 2C, H, W)`` (``(dy, dx)`` per channel)."""
        c = feat.size(1)
        if feat.is_cuda:
            weight = feat.new_ones(c, 1, 1, 1)
            return deform_conv2d(feat, offset, weight, 1, 0, 1, c, c)
        if dcn_cpu_available(feat):
            identity = torch.eye(c, dtype=feat.dtype).view(c, c, 1, 1)
            unit_mask = feat.new_ones(feat.size(0), c, *feat.shape[-2:])
            return modulated_deform_conv2d_cpu(feat, offset, unit_mask,
                                               identity, None, 1, 0, 1, c)
        return deformable_bilinear_sample(
            feat, offset, (1, 1), (1, 1), (0, 0), (1, 1),
            deform_groups=c).view_as(feat)
