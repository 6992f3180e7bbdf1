"""FocalIoUWeight on hand-computed IoU cases."""
import math

import pytest
import torch
from mmengine.logging import MessageHub

from mmext.models.losses import FocalIoUWeight


def expected(u, a=0.25, gamma=2., b=0.5, k=3.):
    return b + k * (1 - b) * (-a * u**gamma * math.log(1 - u + 1e-5))


def test_weight_curve_matches_the_formula():
    fiou = FocalIoUWeight()
    ious = torch.tensor([0., 0.5, 0.9])
    weights = fiou(ious)
    assert weights.tolist() == pytest.approx(
        [expected(u) for u in (0., 0.5, 0.9)], rel=1e-5)
    assert weights.tolist() == pytest.approx([0.5, 0.565, 1.199], abs=1e-3)


def test_reweight_touches_valid_negatives_only():
    fiou = FocalIoUWeight()
    gt = torch.tensor([[0., 0., 10., 10.]])
    pred = torch.tensor([
        [0., 0., 10., 5.],  # negative, IoU 0.5
        [20., 20., 30., 30.],  # negative, IoU 0
        [0., 0., 10., 5.],  # positive
        [0., 0., 10., 5.],  # ignored by the assigner (weight 0)
        [0., 0., 10., 10.],  # negative, IoU 1 >= max_iou: unchanged
    ])
    label_weights = torch.tensor([1., 1., 1., 0., 1.])
    negatives = torch.tensor([True, True, False, True, True])
    out = fiou.reweight(label_weights, negatives, pred, gt)
    assert out.tolist() == pytest.approx([expected(0.5), 0.5, 1., 0., 1.],
                                         rel=1e-5)


@pytest.mark.parametrize('cur_iter, on', [(0, False), (151999, False),
                                          (152000, True), (179999, True)])
def test_weight_switches_on_at_start_iter(cur_iter, on):
    # The authors' schedule: plain focal loss, FIoU from iteration 152000.
    fiou = FocalIoUWeight(start_iter=152000)
    MessageHub.get_current_instance().update_info('iter', cur_iter)
    label_weights = torch.ones(2)
    pred = torch.tensor([[0., 0., 10., 5.], [20., 20., 30., 30.]])
    out = fiou.reweight(label_weights, torch.tensor([True, True]), pred,
                        torch.tensor([[0., 0., 10., 10.]]))
    expected_weights = [expected(0.5), 0.5] if on else [1., 1.]
    assert out.tolist() == pytest.approx(expected_weights, rel=1e-5)


def test_no_annotation_gives_the_bias():
    fiou = FocalIoUWeight(bias=0.3)
    out = fiou.reweight(
        torch.ones(2), torch.ones(2, dtype=bool), torch.rand(2, 4),
        torch.zeros(0, 4))
    assert out.tolist() == pytest.approx([0.3, 0.3])


@pytest.mark.parametrize('detach', [False, True])
def test_gradient_through_iou_unless_detached(detach):
    fiou = FocalIoUWeight(detach_iou=detach)
    pred = torch.tensor([[0., 0., 10., 5.]], requires_grad=True)
    out = fiou.reweight(
        torch.ones(1), torch.ones(1, dtype=bool), pred,
        torch.tensor([[0., 0., 10., 10.]]))
    assert out.requires_grad != detach
    if not detach:
        out.sum().backward()
        assert pred.grad.abs().sum() > 0


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match='bias'):
        FocalIoUWeight(bias=1.5)
    with pytest.raises(ValueError, match='alpha'):
        FocalIoUWeight(alpha=-1)
