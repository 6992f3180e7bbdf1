"""Mixed precision (autocast gives half or bfloat16 tensors): every mmext op
takes them and computes in their precision, or in float32 and rounds its
output, with the float32 result's values to the precision's round-off."""
import pytest
import torch

from mmext.ops import (FastModulatedDeformConv2dPack, RoIAlign, box_iou,
                       cross_scale_shift, single_channel_conv3x3,
                       task_aligned_topk)

LOW = [torch.bfloat16, torch.float16]
# One ulp of each precision near 1.
ULP = {torch.bfloat16: 2**-7, torch.float16: 2**-10}


def features(dtype, *shape):
    return torch.rand(
        *shape, generator=torch.Generator().manual_seed(0)).to(dtype)


@pytest.mark.parametrize('dtype', LOW)
def test_roi_align_in_low_precision(dtype):
    x = features(dtype, 2, 8, 16, 16).requires_grad_()
    rois = torch.tensor([[0, 1.5, 1, 9, 9.5], [1, 0, 0, 15, 15]]).to(dtype)
    layer = RoIAlign(3, 1.0, 0)
    out = layer(x, rois)
    assert out.dtype == dtype
    reference = layer(x.detach().float(), rois.float())
    if dtype == torch.bfloat16:  # no kernel: float32, then rounded
        assert torch.equal(out, reference.to(dtype))
    else:  # mmcv's half kernel (test_roi_align.py: equal to mmcv's)
        torch.testing.assert_close(
            out.float(), reference, rtol=0, atol=8 * ULP[dtype])
    out.float().sum().backward()
    assert x.grad.dtype == dtype and x.grad.abs().sum() > 0


@pytest.mark.parametrize('dtype', LOW)
def test_the_other_ops_compute_in_the_inputs_precision(dtype):
    x = features(dtype, 3, 1, 8, 4, 4)
    out = cross_scale_shift(x, 2, [1, -1])
    assert out.dtype == dtype
    assert torch.equal(out.float(), cross_scale_shift(x.float(), 2, [1, -1]))

    maps = [features(dtype, 1, 4, 6, 6), features(dtype, 1, 4, 6, 6) * 2]
    weight, bias = features(dtype, 1, 8, 3, 3), features(dtype, 1)
    out = single_channel_conv3x3(maps, weight, bias)
    reference = single_channel_conv3x3([m.float() for m in maps],
                                       weight.float(), bias.float())
    assert out.dtype == dtype
    torch.testing.assert_close(
        out.float(), reference, rtol=8 * ULP[dtype], atol=8 * ULP[dtype])

    boxes1 = torch.tensor([[0, 0, 4, 4], [2, 2, 9, 7.]]).to(dtype)
    boxes2 = torch.tensor([[1, 1, 5, 5.]]).to(dtype)
    out = box_iou(boxes1, boxes2)
    assert out.dtype == dtype
    torch.testing.assert_close(
        out.float(),
        box_iou(boxes1.float(), boxes2.float()),
        rtol=4 * ULP[dtype],
        atol=4 * ULP[dtype])

    torch.manual_seed(0)
    dcn = FastModulatedDeformConv2dPack(8, 8, 3, padding=1, deform_groups=2)
    x = features(torch.float32, 1, 8, 10, 10)
    reference = dcn(x)
    out = dcn.to(dtype)(x.to(dtype))
    assert out.dtype == dtype
    torch.testing.assert_close(
        out.float(), reference, rtol=0, atol=64 * ULP[dtype])


@pytest.mark.parametrize('dtype', LOW)
def test_task_aligned_topk_assigns_in_float32(dtype):
    gen = torch.Generator().manual_seed(0)
    priors = torch.rand(40, 2, generator=gen) * 60
    priors = torch.cat([priors, torch.full((40, 2), 8.)], 1)
    decoded = torch.cat([priors[:, :2] - 4, priors[:, :2] + 4], 1)
    scores = torch.rand(40, 3, generator=gen)
    gt_boxes = torch.tensor([[10, 10, 30, 30], [35, 5, 55, 40.]])
    gt_labels = torch.tensor([0, 2])
    low = task_aligned_topk(
        decoded.to(dtype), scores.to(dtype), priors, gt_boxes, gt_labels, 5)
    full = task_aligned_topk(
        decoded.to(dtype).float(),
        scores.to(dtype).float(), priors, gt_boxes, gt_labels, 5)
    for a, b in zip(low, full):
        assert torch.equal(a, b)
