from typing import Tuple

import torch.nn.functional as F
from torch import Tensor


def mask_at(masks: Tensor, size: Tuple[int, int]) -> Tensor:
    """Binary ``(B, 1, h, w)`` masks at a feature map's size: a cell is
    anomalous when at least half of its pixels are (area downsampling, so
    thin anomalies are not skipped over as bilinear sampling would)."""
    return (F.interpolate(masks.float(), size=size, mode='area')
            >= 0.5).float()
