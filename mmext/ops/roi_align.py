from typing import Tuple, Union

import torch
from mmcv.ops import RoIAlign as MMCVRoIAlign
from torch import Tensor
from torch.autograd import Function
from torch.autograd.function import once_differentiable
from torch.nn.modules.utils import _pair

from mmext.registry import MODELS
from .ext_loader import compiled_ops_available, ext_module


class RoIAlignFunction(Function):
    """Autograd of mmext's CPU RoIAlign (average pooling, ``mmext._ext``):
    RoIs over threads forward, channels over threads backward."""

    @staticmethod
    def forward(ctx, input: Tensor, rois: Tensor, output_size: Tuple[int, int],
                spatial_scale: float, sampling_ratio: int,
                aligned: bool) -> Tensor:
        rois = rois.to(input.dtype).contiguous()
        ctx.args = (spatial_scale, sampling_ratio, aligned)
        ctx.input_shape = input.shape
        ctx.save_for_backward(rois)
        output = input.new_empty(
            (rois.size(0), input.size(1), *_pair(output_size)))
        ext_module.roi_align_forward(input.contiguous(), rois, output,
                                     *ctx.args)
        return output

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output: Tensor) -> tuple:
        rois, = ctx.saved_tensors
        grad_input = grad_output.new_zeros(ctx.input_shape)
        ext_module.roi_align_backward(grad_output.contiguous(), rois,
                                      grad_input, *ctx.args)
        return grad_input, None, None, None, None, None


def roi_align_cpu_available(input: Tensor, pool_mode: str = 'avg') -> bool:
    """Whether :func:`roi_align` serves ``input``: a float32 / float64 CPU
    tensor, average pooling, ``mmext._ext`` built and enabled."""
    return (pool_mode == 'avg' and input.device.type == 'cpu'
            and input.dtype in (torch.float32, torch.float64)
            and compiled_ops_available(input.device))


def roi_align(input: Tensor,
              rois: Tensor,
              output_size: Union[int, Tuple[int, int]],
              spatial_scale: float = 1.0,
              sampling_ratio: int = 0,
              aligned: bool = True) -> Tensor:
    """RoIAlign with average pooling (mmcv's ``roi_align`` semantics) by
    mmext's multi-threaded CPU kernels; equal to mmcv's CPU kernel bit for
    bit, forward and backward (same sampling points, weights and summation
    order), deterministic.

    Args:
        input (Tensor): ``(N, C, H, W)`` features, float32 or float64, CPU.
        rois (Tensor): ``(K, 5)``: batch index, x1, y1, x2, y2.
        output_size (int or tuple): ``(PH, PW)``.
        spatial_scale (float): Scale from RoI to feature coordinates.
        sampling_ratio (int): Samples per bin side; 0: ``ceil(size / PH)``.
        aligned (bool): Shift by half a pixel (Detectron2's alignment).

    Returns:
        Tensor: ``(K, C, PH, PW)``.
    """
    if not roi_align_cpu_available(input):
        raise ValueError('mmext roi_align runs float32 / float64 CPU tensors '
                         'with mmext._ext built; use mmcv.ops.roi_align for '
                         f'{input.dtype} on {input.device}')
    if rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError('RoIs must be (K, 5): batch index, x1, y1, x2, y2; '
                         f'got {tuple(rois.shape)}')
    return RoIAlignFunction.apply(input, rois, _pair(output_size),
                                  float(spatial_scale), int(sampling_ratio),
                                  bool(aligned))


@MODELS.register_module()
class RoIAlign(MMCVRoIAlign):
    """mmcv's ``RoIAlign`` layer whose CPU path, for average pooling in
    float32 / float64, runs :func:`roi_align` on all threads (mmcv's CPU
    kernel is single-threaded); CUDA, max pooling, half precision and
    torchvision's version stay mmcv's. Same arguments and results.
    bfloat16 (CPU autocast's), which mmcv has no kernel for, is sampled in
    float32 and the output rounded to bfloat16.

    Used through :class:`mmext.SingleRoIExtractor`:
    ``roi_layer=dict(type='mmext.RoIAlign', output_size=7,
    sampling_ratio=0)``.
    """

    def forward(self, input: Tensor, rois: Tensor) -> Tensor:
        if input.dtype == torch.bfloat16:
            # Mixed precision on CPU (autocast's bfloat16): mmcv's kernels
            # have none; sampled in float32, the output rounded.
            return self.forward(input.float(), rois.float()).to(input.dtype)
        if self.use_torchvision or not roi_align_cpu_available(
                input, self.pool_mode):
            return super().forward(input, rois)
        return roi_align(input, rois, self.output_size, self.spatial_scale,
                         self.sampling_ratio, self.aligned)
