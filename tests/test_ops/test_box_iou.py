import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from mmext.ops import box_iou


def boxes(n, seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 50
    return torch.cat([xy, xy + torch.rand(n, 2, generator=g) * 30], 1)


@pytest.mark.parametrize('mode', ['iou', 'iof'])
def test_values_of_mmdet(mode):
    a, b = boxes(40, 0), boxes(7, 1)
    torch.testing.assert_close(box_iou(a, b, mode), bbox_overlaps(a, b, mode))
    stack = boxes(24, 2).view(2, 3, 4, 4)
    other = boxes(24, 3).view(2, 3, 4, 4)
    out = box_iou(stack, other, mode, aligned=True)
    assert out.shape == (2, 3, 4)
    torch.testing.assert_close(
        out, bbox_overlaps(stack, other, mode, is_aligned=True))
    assert box_iou(a[:0], b).shape == (0, 7)


def test_hand_checked_and_differentiable():
    a = torch.tensor([[0., 0., 10., 10.]], requires_grad=True)
    b = torch.tensor([[5., 0., 15., 10.], [20., 20., 30., 30.]])
    iou = box_iou(a, b)
    torch.testing.assert_close(iou, torch.tensor([[50 / 150, 0.]]))
    iou.sum().backward()
    assert a.grad.abs().sum() > 0


@pytest.mark.parametrize('aligned', [False, True])
def test_cuda_kernel_matches_cpu(aligned):
    if not torch.cuda.is_available():
        pytest.skip('no CUDA device')
    a, b = boxes(300, 4), boxes(300 if aligned else 20, 5)
    torch.testing.assert_close(
        box_iou(a.cuda(), b.cuda(), aligned=aligned).cpu(),
        box_iou(a, b, aligned=aligned))
