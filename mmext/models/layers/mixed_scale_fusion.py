"""MixTeacher's mixed scale feature fusion (Sec. 3.2).

Paper: MixTeacher: Mining Promising Labels with Mixed Scale Teacher for Semi-
Supervised Object Detection (Liu et al., CVPR 2023),
https://arxiv.org/abs/2303.09061.
Compared with the authors' code: docs/fidelity.md#mixteacher.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmext.registry import MODELS


@MODELS.register_module()
class MixedScaleFusion(BaseModule):
    """Fuse a feature pyramid with the pyramid of the image's 0.5x copy.

    MixTeacher (Liu et al., CVPR 2023), Sec. 3.2 "mixed scale feature
    pyramid": level ``l`` of the regular pyramid (stride ``s``) and level
    ``l - 1`` of the down-scaled pyramid (stride ``s / 2`` on an image half
    the size, so the same resolution) are mixed as ``a * P_l + b * P'_{l-1}``
    with per-image weights ``(a, b)`` from a squeeze-and-excitation block:
    global average pool of the concatenated ``2C`` channels, FC(2C -> 2C/r),
    ReLU, FC(-> 2), softmax. The finest regular level has no partner and is
    kept as is, the coarsest down-scaled level is unused, so the mixed pyramid
    has as many levels as the regular one.

    Readings of the paper taken from the authors' code: one weight block is
    shared by all levels, its linear layers have no bias and are initialised
    with Kaiming-uniform (``a=1``), and a down-scaled map larger than its
    regular partner (padding of the 0.5x image) is cropped to it.

    Args:
        in_channels (int): Channels ``C`` of every pyramid level.
        reduction (int): Squeeze ratio ``r`` of the weight block.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(
        self,
        in_channels: int = 256,
        reduction: int = 16,
        init_cfg=dict(
            type='Kaiming',
            layer='Linear',
            a=1,
            distribution='uniform',
            mode='fan_in',
            nonlinearity='leaky_relu')
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden = max(2 * in_channels // reduction, 1)
        self.scale_weights = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(2 * in_channels, hidden, bias=False),
            nn.ReLU(inplace=True), nn.Linear(hidden, 2, bias=False),
            nn.Softmax(dim=1))

    def forward(self, regular: Sequence[Tensor],
                downscaled: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Mix two pyramids.

        Args:
            regular (Sequence[Tensor]): Levels of the full-size image,
                finest first, each ``(N, C, H_l, W_l)``.
            downscaled (Sequence[Tensor]): Levels of the 0.5x image, as many
                as ``regular``; level ``l - 1`` must be at least as large as
                regular level ``l``.

        Returns:
            tuple[Tensor]: The mixed pyramid, shaped like ``regular``.
        """
        if len(regular) != len(downscaled) or len(regular) < 2:
            raise ValueError('MixedScaleFusion needs two pyramids with the '
                             'same number (>= 2) of levels, got '
                             f'{len(regular)} and {len(downscaled)}')
        mixed = [regular[0]]
        for high, low in zip(regular[1:], downscaled[:-1]):
            h, w = high.shape[-2:]
            if low.shape[-2] < h or low.shape[-1] < w:
                raise ValueError(
                    f'down-scaled level of size {tuple(low.shape[-2:])} is '
                    f'smaller than its regular partner {(h, w)}: pad the '
                    '0.5x image to the largest stride')
            low = low[..., :h, :w]
            weights = self.scale_weights(torch.cat([high, low], dim=1))
            mixed.append(weights[:, 0, None, None, None] * high +
                         weights[:, 1, None, None, None] * low)
        return tuple(mixed)
