from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def adaptive_max_pool2d_by_windows(x: Tensor, size: Tuple[int, int]) -> Tensor:
    """``F.adaptive_max_pool2d(x, size)`` spelt out for ONNX export, where
    adaptive pooling exists only for sizes that divide the input: output
    row ``i`` is the max over rows ``floor(i * H / h)`` to ``ceil((i + 1) *
    H / h)`` (PyTorch's windows), one axis after the other (a rectangle's
    max is the max of its rows' maxima). Same values. The bounds are
    computed on Python ints with non-negative operands only: traced sizes
    are tensors, whose ``//`` exports as ONNX's ``Div``, which truncates, so
    the ``-(-a // b)`` spelling of a ceiling would come out one short."""
    for dim, out in ((2, size[0]), (3, size[1])):
        length = int(x.shape[dim])
        windows = [(i * length // out, ((i + 1) * length + out - 1) // out)
                   for i in range(out)]
        x = torch.cat([
            x[(slice(None), ) * dim +
              (slice(start, end), )].amax(dim, keepdim=True)
            for start, end in windows
        ], dim)
    return x


def resize_to_level(x: Tensor,
                    size: Tuple[int, int],
                    adaptive_pool: bool = False) -> Tensor:
    """Resize a pyramid feature map ``(N, C, H, W)`` to another level's size.

    Up: bilinear interpolation. Down: max pooling. A 2x step (target
    ``ceil(H / 2)``) pools 2x2 windows with the last odd row/column kept, which
    equals what RCNet's authors get by replicate-padding to even sizes before
    a 2x2 max-pool, because nothing stands between the padding and the
    pooling here. (Their extra levels put a 1x1 conv + BN between the two,
    which in training mode is not the same; :class:`mmext.RCNet` pads there
    as they do.) With ``adaptive_pool=True``, or for any other ratio, it is
    ``adaptive_max_pool2d`` (the authors' choice inside CSN). Either way any
    input size works: unlike the authors' code, the direction is decided per
    axis, not by comparing shape tuples.
    """
    size = (int(size[0]), int(size[1]))
    h, w = x.shape[-2:]
    if (h, w) == size:
        return x
    if h < size[0] or w < size[1]:
        if h > size[0] or w > size[1]:
            raise ValueError(f'cannot resize a {h}x{w} feature map to '
                             f'{size[0]}x{size[1]}: one axis grows while the '
                             'other shrinks')
        return F.interpolate(
            x, size=size, mode='bilinear', align_corners=False)
    if h % size[0] == 0 and w % size[1] == 0 and h // size[0] == w // size[1]:
        # Exact integer ratio: adaptive pooling reduces to plain pooling.
        return F.max_pool2d(x, kernel_size=h // size[0])
    if not adaptive_pool and ((h + 1) // 2, (w + 1) // 2) == size:
        return F.max_pool2d(x, kernel_size=2, stride=2, ceil_mode=True)
    if torch.onnx.is_in_onnx_export():
        return adaptive_max_pool2d_by_windows(x, size)
    return F.adaptive_max_pool2d(x, size)
