from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import (ModulatedDeformConv2d, ModulatedDeformConv2dPack,
                      modulated_deform_conv2d)
from torch import Tensor
from torch.autograd import Function
from torch.autograd.function import once_differentiable
from torch.nn.modules.utils import _pair

from mmext.registry import MODELS
from .ext_loader import compiled_ops_available, ext_module

#: Bytes of im2col columns a block of output positions fills: small enough
#: to stay in a core's L2 cache between the sampling and the GEMM.
COLUMN_BLOCK_BYTES = 2**20


def deformable_bilinear_sample(x: Tensor, offset: Tensor,
                               kernel_size: Tuple[int,
                                                  int], stride: Tuple[int,
                                                                      int],
                               padding: Tuple[int, int], dilation: Tuple[int,
                                                                         int],
                               deform_groups: int) -> Tensor:
    """The samples a deformable convolution reads (its im2col columns).

    Each tap of the kernel at each output position reads the input at its
    regular position plus a learned offset, bilinearly, zero outside the
    image, exactly as mmcv's deformable im2col; offsets are laid out as in
    mmcv: per deformable group, ``(dy, dx)`` pairs of the taps in row-major
    order.

    Args:
        x (Tensor): Input ``(N, C, H, W)``.
        offset (Tensor): ``(N, 2 * G * kh * kw, Ho, Wo)``.
        kernel_size, stride, padding, dilation: ``(h, w)`` pairs.
        deform_groups (int): ``G``; must divide ``C``.

    Returns:
        Tensor: ``(N, G, C // G, kh * kw, Ho, Wo)``.
    """
    n, c, h, w = x.shape
    kh, kw = kernel_size
    taps = kh * kw
    ho, wo = offset.shape[-2:]

    def arange(size: int) -> Tensor:
        return torch.arange(size, device=x.device, dtype=x.dtype)

    # Sampling positions of every tap before the learned offsets.
    base_y = (arange(ho) * stride[0] - padding[0]).view(1, ho, 1) + (
        arange(kh) * dilation[0]).repeat_interleave(kw).view(taps, 1, 1)
    base_x = (arange(wo) * stride[1] - padding[1]).view(
        1, 1, wo) + (arange(kw) * dilation[1]).repeat(kh).view(taps, 1, 1)
    offset = offset.view(n, deform_groups, taps, 2, ho, wo)
    y = base_y + offset[:, :, :, 0]
    x_pos = base_x + offset[:, :, :, 1]
    # Pixel index -> grid_sample's [-1, 1] (align_corners=False).
    grid = torch.stack([(2 * x_pos + 1) / w - 1, (2 * y + 1) / h - 1], -1)
    sampled = F.grid_sample(
        x.reshape(n * deform_groups, c // deform_groups, h, w),
        grid.view(n * deform_groups, taps * ho, wo, 2),
        mode='bilinear',
        padding_mode='zeros',
        align_corners=False)
    return sampled.view(n, deform_groups, c // deform_groups, taps, ho, wo)


def modulated_deform_conv2d_sampled(x: Tensor, offset: Tensor, mask: Tensor,
                                    weight: Tensor, bias: Optional[Tensor],
                                    stride: Tuple[int, int],
                                    padding: Tuple[int,
                                                   int], dilation: Tuple[int,
                                                                         int],
                                    deform_groups: int) -> Tensor:
    """Modulated deformable convolution (DCNv2) as sampling + one GEMM.

    The same function as mmcv's ``modulated_deform_conv2d`` with
    ``groups=1`` (offset and mask layouts included), written with
    :func:`deformable_bilinear_sample` and one matrix product (a 1x1
    convolution over the sampled columns), so that PyTorch's vectorised CPU
    kernels and autograd do the work.

    Args:
        x (Tensor): Input ``(N, C, H, W)``.
        offset (Tensor): ``(N, 2 * G * kh * kw, Ho, Wo)``.
        mask (Tensor): ``(N, G * kh * kw, Ho, Wo)``, already in [0, 1].
        weight (Tensor): ``(C_out, C, kh, kw)``.
        bias (Tensor, optional): ``(C_out, )``.
        stride, padding, dilation: ``(h, w)`` pairs.
        deform_groups (int): ``G``; must divide ``C``.

    Returns:
        Tensor: ``(N, C_out, Ho, Wo)``.
    """
    n, c = x.shape[:2]
    c_out, _, kh, kw = weight.shape
    taps = kh * kw
    ho, wo = offset.shape[-2:]
    sampled = deformable_bilinear_sample(x, offset, (kh, kw), stride, padding,
                                         dilation, deform_groups)
    mask = mask.view(n, deform_groups, 1, taps, ho, wo)
    # In place when nothing needs the unmasked samples for a gradient: the
    # sampled columns are the largest tensor here (C * kh * kw * Ho * Wo).
    if torch.is_grad_enabled() and (sampled.requires_grad
                                    or mask.requires_grad):
        sampled = sampled * mask
    else:
        sampled.mul_(mask)
    # The GEMM as a 1x1 convolution over the sampled columns: on CPU this
    # runs through oneDNN, about twice as fast as torch.bmm here.
    columns = sampled.view(n, c * taps, ho, wo)
    return F.conv2d(columns, weight.flatten(1)[:, :, None, None], bias)


def column_block(rows: int, element_size: int) -> int:
    """Output positions a block of :func:`modulated_deform_conv2d_cpu`
    holds: ``COLUMN_BLOCK_BYTES`` of columns, 16 to 256 positions."""
    return max(16, min(256, COLUMN_BLOCK_BYTES // (rows * element_size)))


class ModulatedDeformConv2dCPUFunction(Function):
    """Autograd of mmext's CPU DCNv2 kernel (``mmext._ext``): sampling and
    GEMM in blocks of output positions, deterministic backward."""

    @staticmethod
    def forward(ctx, x: Tensor, offset: Tensor, mask: Tensor, weight: Tensor,
                bias: Optional[Tensor], stride: Tuple[int, int],
                padding: Tuple[int, int], dilation: Tuple[int, int],
                deform_groups: int) -> Tensor:
        x, offset, mask, weight = (
            t.contiguous() for t in (x, offset, mask, weight))
        bias = x.new_empty(0) if bias is None else bias.contiguous()
        rows = weight[0].numel()
        ctx.args = (*stride, *padding, *dilation, deform_groups,
                    column_block(rows, x.element_size()))
        ctx.has_bias = bias.numel() > 0
        ctx.save_for_backward(x, offset, mask, weight)
        output = x.new_empty((x.size(0), weight.size(0), *offset.shape[-2:]))
        ext_module.modulated_deform_conv_forward(x, offset, mask, weight, bias,
                                                 output, *ctx.args)
        return output

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output: Tensor) -> tuple:
        x, offset, mask, weight = ctx.saved_tensors
        grads = [torch.zeros_like(t) for t in (x, offset, mask, weight)]
        grad_bias = (
            x.new_zeros(weight.size(0)) if ctx.has_bias else x.new_empty(0))
        ext_module.modulated_deform_conv_backward(x, offset, mask, weight,
                                                  grad_output.contiguous(),
                                                  *grads, grad_bias, *ctx.args)
        return (*grads, grad_bias if ctx.has_bias else None, None, None, None,
                None)


def dcn_cpu_available(x: Tensor) -> bool:
    """Whether :func:`modulated_deform_conv2d_cpu` serves ``x``: a float32
    / float64 CPU tensor with ``mmext._ext`` built and enabled."""
    return (x.device.type == 'cpu'
            and x.dtype in (torch.float32, torch.float64)
            and compiled_ops_available(x.device))


def modulated_deform_conv2d_cpu(x: Tensor, offset: Tensor, mask: Tensor,
                                weight: Tensor, bias: Optional[Tensor],
                                stride: Tuple[int, int],
                                padding: Tuple[int, int], dilation: Tuple[int,
                                                                          int],
                                deform_groups: int) -> Tensor:
    """mmcv's ``modulated_deform_conv2d`` (``groups=1``) by mmext's
    multi-threaded CPU kernel: mmcv's sampling positions, bilinear weights
    and gradient expressions, with the sampling done for a block of output
    positions at a time, in cache, just before the GEMM that consumes it
    (no image-sized im2col buffer); the same bits on any number of threads.
    Arguments as :func:`modulated_deform_conv2d_sampled`."""
    if not dcn_cpu_available(x):
        raise RuntimeError(
            'modulated_deform_conv2d_cpu needs a float32 or float64 CPU '
            'tensor and mmext._ext built; use mmcv.ops.'
            'modulated_deform_conv2d or modulated_deform_conv2d_sampled')
    return ModulatedDeformConv2dCPUFunction.apply(x, offset, mask, weight,
                                                  bias, _pair(stride),
                                                  _pair(padding),
                                                  _pair(dilation),
                                                  deform_groups)


@MODELS.register_module('FastDCNv2')
class FastModulatedDeformConv2dPack(ModulatedDeformConv2dPack):
    """mmcv's DCNv2 layer (``ModulatedDeformConv2dPack``), faster on CPU.

    Same parameters, state dict and results as mmcv's layer. On CUDA it runs
    mmcv's compiled kernel; on CPU mmext's blocked kernel
    (:func:`modulated_deform_conv2d_cpu`), or, without ``mmext._ext``,
    :func:`modulated_deform_conv2d_sampled` (docs/benchmarks.md compares
    the three). Grouped convolutions (``groups > 1``) always use mmcv's
    kernel.

    Build it with ``conv_cfg=dict(type='mmext.FastDCNv2', deform_groups=G)``.
    """

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, *args) -> None:
        """mmcv's method renames the keys of version-1 state dicts, and
        logs "upgraded to version 2" for every current one too (it tests
        ``version > 1``): current state dicts load as any module's."""
        if local_metadata.get('version', 0) >= 2:
            ModulatedDeformConv2d._load_from_state_dict(
                self, state_dict, prefix, local_metadata, *args)
        else:
            super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                          *args)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv_offset(x)
        o1, o2, mask = torch.chunk(out, 3, dim=1)
        offset = torch.cat((o1, o2), dim=1)
        mask = torch.sigmoid(mask)
        if x.is_cuda or self.groups != 1:
            return modulated_deform_conv2d(x, offset, mask, self.weight,
                                           self.bias, self.stride,
                                           self.padding, self.dilation,
                                           self.groups, self.deform_groups)
        if dcn_cpu_available(x):
            return modulated_deform_conv2d_cpu(x, offset, mask, self.weight,
                                               self.bias, self.stride,
                                               self.padding, self.dilation,
                                               self.deform_groups)
        return modulated_deform_conv2d_sampled(x, offset, mask, self.weight,
                                               self.bias, self.stride,
                                               self.padding, self.dilation,
                                               self.deform_groups)
