"""Heads with float32 outputs under autocast: low-precision tensors cast,
everything else (float32, integers, containers' types) as it was."""
from collections import namedtuple

import torch
from torch import nn

from mmext.models.utils import heads_in_float32, to_float32

Pair = namedtuple('Pair', 'a b')


def test_to_float32_casts_only_low_precision():
    full, index = torch.ones(2), torch.arange(3)
    out = to_float32(
        dict(
            x=(torch.ones(2, dtype=torch.bfloat16), full),
            y=[torch.ones(1, dtype=torch.float16), index],
            z=Pair(torch.ones(1, dtype=torch.bfloat16), 'text')))
    assert out['x'][0].dtype == torch.float32 and out['x'][1] is full
    assert isinstance(out['x'], tuple) and isinstance(out['y'], list)
    assert out['y'][0].dtype == torch.float32 and out['y'][1] is index
    assert isinstance(out['z'], Pair) and out['z'].b == 'text'
    assert out['z'].a.dtype == torch.float32


def test_heads_give_float32_under_autocast():
    detector = nn.Module()
    detector.bbox_head = nn.Conv2d(3, 4, 1)
    detector.neck = nn.Conv2d(3, 3, 1)
    heads_in_float32(detector)
    x = torch.rand(1, 3, 4, 4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert detector.neck(x).dtype == torch.bfloat16
        assert detector.bbox_head(x).dtype == torch.float32
    assert torch.equal(
        detector.bbox_head(x),
        nn.functional.conv2d(x, detector.bbox_head.weight,
                             detector.bbox_head.bias))
