"""Promoted pseudo-label mining on hand-made score tables."""
import pytest
import torch

from mmext.models.task_modules import PromotedPseudoLabelMiner


def test_promotes_only_candidates_whose_score_rises_enough():
    miner = PromotedPseudoLabelMiner(
        high_thr=0.9, low_thr=0.7, promotion_thr=0.1)
    # box:        0     1     2     3     4     5     6     7
    scores = torch.tensor([0.95, 0.85, 0.85, 0.75, 0.70, 0.65, 0.80, 0.90])
    regular = torch.tensor([0.50, 0.60, 0.80, 0.55, 0.50, 0.30, 0.80, 0.50])
    mixed = torch.tensor([0.95, 0.85, 0.85, 0.75, 0.70, 0.65, 0.70, 0.90])
    promoted = miner(scores, regular, mixed)
    expected = torch.tensor([
        False,  # already a pseudo label (>= high_thr): not "promoted"
        True,  # rise 0.25
        False,  # rise 0.05 <= 0.1
        True,  # rise 0.20
        True,  # score == low_thr is a candidate, rise 0.20
        False,  # under low_thr despite a rise of 0.35
        False,  # score fell
        False,  # score == high_thr: not a candidate
    ])
    assert torch.equal(promoted, expected)


def test_rise_must_exceed_the_threshold_strictly():
    miner = PromotedPseudoLabelMiner(
        high_thr=0.9, low_thr=0.5, promotion_thr=0.25)
    scores = torch.tensor([0.75, 0.75])
    regular = torch.tensor([0.5, 0.49])
    mixed = torch.tensor([0.75, 0.75])
    assert miner(scores, regular, mixed).tolist() == [False, True]


def test_empty_tables():
    miner = PromotedPseudoLabelMiner()
    empty = torch.zeros(0)
    assert miner(empty, empty, empty).shape == (0, )
    assert miner.candidates(empty).dtype == torch.bool


@pytest.mark.parametrize('kwargs, match', [
    (dict(high_thr=0.7, low_thr=0.9), 'low_thr < high_thr'),
    (dict(high_thr=1.2), 'high_thr <= 1'),
    (dict(promotion_thr=-0.1), 'promotion_thr >= 0'),
])
def test_bad_thresholds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PromotedPseudoLabelMiner(**kwargs)


def test_shape_mismatch():
    miner = PromotedPseudoLabelMiner()
    with pytest.raises(ValueError, match='one shape'):
        miner(torch.zeros(3), torch.zeros(2), torch.zeros(3))
