"""The Cross-scale Shift Network (CSN) of RCNet: channels shifted along the
scale axis to adjacent and non-adjacent levels, then global context (Sec.
3.2, Fig. 4).

Paper: RCNet: Reverse Feature Pyramid and Cross-scale Shift Network for Object
Detection (Zong et al., ACM MM 2021), https://arxiv.org/abs/2110.12130.
Compared with the authors' code: docs/fidelity.md#rcnet.
"""
from typing import List, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.utils import OptConfigType
from mmengine.model import BaseModule, xavier_init
from torch import Tensor

from mmext.ops import cross_scale_shift
from mmext.registry import MODELS
from .pyramid_resize import resize_to_level


class AttentionPooledContext(nn.Module):
    """Global context by attention pooling (the context branches of CSN).

    ``context = conv1x1(sum_i softmax_i(conv1x1(x)_i) * x_i)`` over all
    positions ``i`` of ``x`` ``(N, C, H, W)``; returns ``(N, C, 1, 1)``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.score = nn.Conv2d(channels, 1, kernel_size=1)
        self.transform = nn.Conv2d(channels, channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        weights = self.score(x).flatten(1).softmax(dim=1)  # (N, P)
        pooled = torch.einsum('ncp,np->nc', x.flatten(2), weights)
        return self.transform(pooled[..., None, None])


@MODELS.register_module()
class CrossScaleShift(BaseModule):
    """Cross-scale Shift Network (CSN) of RCNet (Sec. 3.2, Fig. 4).

    Propagates features to adjacent and non-adjacent levels at once:

    1. every level is resized to the second level's size (adaptive max-pool
       from larger levels, bilinear from smaller ones) and stacked on a scale
       axis, ``(L, N, C, H, W)`` (levels first, so that every level's slice
       is contiguous);
    2. channel shift along the scale axis: ``len(shifts)`` groups of
       ``C // shift_divisor`` channels are rolled cyclically by ``shifts``
       levels (``(-1, 1, -2, 2)``: the levels above and below, and two
       away), concatenated with the unshifted features, and mixed per level by
       a 1x1 conv (+ norm, ReLU) and a 1x1 conv, added residually;
    3. a spatial-context and a scale-context vector (attention pooling over
       positions of the scale-averaged map, and over levels of the spatially
       averaged features) are added to every level;
    4. each level is resized back and added to its input.

    Args:
        channels (int): Channels ``C`` of every level.
        num_levels (int): Number of levels ``L`` (>= 2).
        shift_divisor (int): ``C // shift_divisor`` channels per shifted
            group (the paper's 1/16).
        shifts (Sequence[int]): Levels each group is rolled by.
        norm_cfg (dict, optional): Norm of the first per-level 1x1 conv.
    """

    def __init__(self,
                 channels: int,
                 num_levels: int,
                 shift_divisor: int = 16,
                 shifts: Sequence[int] = (-1, 1, -2, 2),
                 norm_cfg: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_levels < 2:
            raise ValueError('CrossScaleShift needs at least 2 levels, got '
                             f'num_levels={num_levels}')
        self.group_channels = channels // shift_divisor
        if self.group_channels * len(shifts) > channels:
            raise ValueError(f'{len(shifts)} shifted groups of '
                             f'{self.group_channels} channels exceed the '
                             f'{channels} channels')
        self.num_levels = num_levels
        self.shifts = tuple(shifts)
        shifted_channels = self.group_channels * len(self.shifts)
        self.level_mixers = nn.ModuleList(
            nn.Sequential(
                ConvModule(
                    channels + shifted_channels,
                    channels,
                    kernel_size=1,
                    norm_cfg=norm_cfg),
                nn.Conv2d(channels, channels, kernel_size=1))
            for _ in range(num_levels))
        self.spatial_context = AttentionPooledContext(channels)
        self.scale_context = AttentionPooledContext(channels)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            # The authors' initialisation: Xavier (uniform) for every conv.
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    xavier_init(m, distribution='uniform')

    def shift(self, x: Tensor) -> Tensor:
        """Roll channel groups of ``x`` ``(L, N, C, H, W)`` along the scale
        axis; returns ``(L, N, C + len(shifts) * C // divisor, H, W)``, the
        shifted groups first (:func:`mmext.ops.cross_scale_shift`)."""
        return cross_scale_shift(x, self.group_channels, self.shifts)

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Refine ``L`` maps ``(N, C, H_l, W_l)``; returns maps of the same
        shapes."""
        if len(feats) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} levels, got '
                             f'{len(feats)}')
        size = feats[1].shape[-2:]
        # Levels first: every level's slice is contiguous for its convs.
        stacked = torch.stack(
            [resize_to_level(f, size, adaptive_pool=True) for f in feats])
        shifted = self.shift(stacked)  # Sec. 3.2: channels along the scales
        mixed = torch.stack([
            stacked[level] + mixer(shifted[level])
            for level, mixer in enumerate(self.level_mixers)
        ])  # (L, N, C, H, W)
        # Sec. 3.2, global context: over positions of the scale-averaged map,
        # and over levels of the spatially averaged features (an (N, C, L, 1)
        # map)
        spatial = self.spatial_context(mixed.mean(0))
        scale = self.scale_context(
            mixed.mean((3, 4)).permute(1, 2, 0)[..., None])
        refined = mixed + (spatial + scale)
        return [
            feat + resize_to_level(
                refined[level], feat.shape[-2:], adaptive_pool=True)
            for level, feat in enumerate(feats)
        ]
