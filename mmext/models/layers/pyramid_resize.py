from typing import Tuple

import torch.nn.functional as F
from torch import Tensor


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
    return F.adaptive_max_pool2d(x, size)
