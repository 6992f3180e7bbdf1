"""MILLoss against hand computations."""
import math

import pytest
import torch

from mmext.models.losses import MILLoss
from mmext.models.utils import instance_weights


def test_instance_weights_softmax_over_valid_proposals():
    logits = torch.tensor([[[0.], [math.log(3.)], [5.]]])
    valid = torch.tensor([[True, True, False]])
    weights = instance_weights(logits, valid)
    assert torch.allclose(weights[0, :, 0], torch.tensor([0.25, 0.75, 0.]))
    assert torch.equal(
        instance_weights(logits, torch.zeros(1, 3, dtype=torch.bool)),
        torch.zeros(1, 3, 1))


def bag():
    # One bag of 2 proposals, 2 classes; instance weights 1/4, 3/4.
    cls_prob = torch.tensor([[[0.8, 0.2], [0.4, 0.6]]])
    ins_logits = torch.tensor([[[0., 0.], [math.log(3.), math.log(3.)]]])
    # Bag scores: 0.25 * 0.8 + 0.75 * 0.4 = 0.5, 0.25 * 0.2 + 0.75 * 0.6 = 0.5
    return cls_prob, ins_logits, torch.tensor([0]), torch.ones(
        1, 2, dtype=torch.bool)


def test_bce_bag_loss_hand_checked():
    loss = MILLoss('bce', loss_weight=0.25)(*bag())
    # -log(0.5) for the label, -log(1 - 0.5) for the other class.
    assert loss.item() == pytest.approx(0.25 * 2 * math.log(2), rel=1e-5)


def test_qfl_bag_loss_hand_checked():
    loss = MILLoss('qfl', loss_weight=1.)(*bag())
    # Label: (1 - 0.5)^2 * -log(0.5); other: 0.5^2 * -log(0.5).
    assert loss.item() == pytest.approx(0.5 * math.log(2), rel=1e-5)


def test_invalid_proposals_bags_and_weights():
    cls_prob, ins_logits, labels, valid = bag()
    # Only the first proposal: bag score = its probabilities.
    loss = MILLoss('bce')(cls_prob, ins_logits, labels,
                          torch.tensor([[True, False]]))
    assert loss.item() == pytest.approx(
        -math.log(0.8) - math.log(0.8), rel=1e-5)
    # A second bag without valid proposals adds nothing and is not counted.
    two = [torch.cat([t, t]) for t in (cls_prob, ins_logits, labels)]
    mask = torch.tensor([[True, True], [False, False]])
    assert MILLoss('bce')(*two, mask).item() == pytest.approx(
        MILLoss('bce')(cls_prob, ins_logits, labels, valid).item())
    # Bag weights multiply each bag's loss.
    weighted = MILLoss('bce')(*two, torch.ones(2, 2, dtype=torch.bool),
                              torch.tensor([1., 0.]))
    assert weighted.item() == pytest.approx(
        MILLoss('bce')(cls_prob, ins_logits, labels, valid).item() / 2)


def test_unknown_loss_type_is_refused():
    with pytest.raises(ValueError, match="'bce' or 'qfl'"):
        MILLoss('focal')
