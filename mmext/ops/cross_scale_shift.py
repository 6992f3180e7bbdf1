"""CSN's channel shift along the scale axis (Sec. 3.2) as one op, compiled
with a PyTorch fallback.

Paper: RCNet: Reverse Feature Pyramid and Cross-scale Shift Network for Object
Detection (Zong et al., ACM MM 2021), https://arxiv.org/abs/2110.12130.
Compared with the authors' code: docs/fidelity.md#rcnet.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from .ext_loader import compiled_ops_available, ext_module


class CrossScaleShiftFunction(Function):
    """Autograd of the compiled cross-scale shift (``mmext._ext``)."""

    @staticmethod
    def forward(ctx, x: Tensor, group_channels: int,
                shifts: Tuple[int, ...]) -> Tensor:
        ctx.group_channels, ctx.shifts = group_channels, shifts
        levels, batch, channels, h, w = x.shape
        out = x.new_empty(
            (levels, batch, channels + group_channels * len(shifts), h, w))
        ext_module.cross_scale_shift_forward(x.contiguous(), out,
                                             group_channels, list(shifts))
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> Tuple[Tensor, None, None]:
        levels, batch, channels, h, w = grad_out.shape
        channels -= ctx.group_channels * len(ctx.shifts)
        grad_x = grad_out.new_empty((levels, batch, channels, h, w))
        ext_module.cross_scale_shift_backward(grad_out.contiguous(), grad_x,
                                              ctx.group_channels,
                                              list(ctx.shifts))
        return grad_x, None, None


def cross_scale_shift(x: Tensor, group_channels: int,
                      shifts: Sequence[int]) -> Tensor:
    """RCNet's channel shift along the scale axis (CSN, Sec. 3.2).

    ``x`` is ``(L, N, C, H, W)``, levels first, so that each level's slice
    of the result is contiguous for its 1x1 convolutions. Group ``s``
    (channels ``s*g .. (s+1)*g - 1``) is rolled by ``shifts[s]`` levels
    (``torch.roll`` semantics); the result is the rolled groups followed by
    the unshifted ``x``: ``(L, N, C + len(shifts) * g, H, W)``.

    One copy per output plane in ``mmext._ext`` (CPU or CUDA) when built,
    else :func:`cross_scale_shift_pytorch`; the same values either way.
    """
    shifts = tuple(int(s) for s in shifts)
    if x.dim() != 5:
        raise ValueError('cross_scale_shift expects (L, N, C, H, W), got '
                         f'{tuple(x.shape)}')
    if group_channels * len(shifts) > x.size(2):
        raise ValueError(f'{len(shifts)} shifted groups of {group_channels} '
                         f'channels exceed the {x.size(2)} channels')
    if compiled_ops_available(x.device) and len(shifts) <= 16:
        return CrossScaleShiftFunction.apply(x, group_channels, shifts)
    return cross_scale_shift_pytorch(x, group_channels, shifts)


def cross_scale_shift_pytorch(x: Tensor, group_channels: int,
                              shifts: Sequence[int]) -> Tensor:
    """Pure-PyTorch :func:`cross_scale_shift` (slices, rolls, one cat)."""
    g = group_channels
    rolled = [
        x[:, :, i * g:(i + 1) * g].roll(shift, dims=0)
        for i, shift in enumerate(shifts)
    ]
    return torch.cat(rolled + [x], dim=2)
