"""ECE and reliability bins against hand-computed values."""
import numpy as np
import pytest

from mmext.evaluation import expected_calibration_error, reliability_bins


def test_hand_computed_ece():
    conf = np.array([0.1, 0.1, 0.9, 0.9])
    correct = np.array([0, 0, 1, 0])
    # Bin 1: confidence 0.1, precision 0; bin 9: 0.9 vs 0.5 -> 0.5 * 0.1 +
    # 0.5 * 0.4.
    assert expected_calibration_error(conf, correct, 10) == pytest.approx(0.25)
    bins = reliability_bins(conf, correct, 10)
    assert bins['counts'].tolist() == [0, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins['accuracy'][9] == 0.5
    assert np.isnan(bins['accuracy'][0])


def test_confidence_one_falls_in_the_last_bin_and_perfect_is_zero():
    conf = np.array([1.0, 1.0, 0.25, 0.25, 0.25, 0.25])
    correct = np.array([1, 1, 1, 0, 0, 0])
    assert expected_calibration_error(conf, correct, 4) == pytest.approx(0.)
    assert reliability_bins(conf, correct, 4)['counts'][-1] == 2


def test_no_predictions_and_bad_input():
    assert expected_calibration_error(np.zeros(0), np.zeros(0)) == 0.
    with pytest.raises(ValueError, match='as many'):
        reliability_bins(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        reliability_bins(np.array([1.5]), np.array([1]))


def test_scores_printed_as_edges_stay_in_the_bin_below():
    """0.15 is stored as 0.1499999..., so it belongs to bin 2 of 20 (exact
    arithmetic, netcal's histogram over np.linspace edges); the rounded
    float product 0.15 * 20 = 3.0000000000000004 would put it in bin 3."""
    from fractions import Fraction

    from mmext.evaluation.functional.calibration_error import \
        exact_floor_of_product
    edges = np.array([0.15, 0.3, 0.35, 0.6])
    counts = reliability_bins(edges, np.ones(4), 20)['counts']
    assert np.flatnonzero(counts).tolist() == [2, 5, 6, 11]
    rng = np.random.default_rng(0)
    scores = np.concatenate([
        np.round(rng.random(5000), 2),
        rng.random(5000),
        np.arange(1001) / 1000
    ])
    for num_bins in (7, 10, 20, 100):
        exact = [int(Fraction(float(s)) * num_bins) for s in scores]
        assert exact_floor_of_product(scores, num_bins).tolist() == exact
    two_decimal = np.round(rng.random(5000), 2)
    histogram, _ = np.histogram(two_decimal, np.linspace(0, 1, 21))
    assert reliability_bins(two_decimal, np.ones(5000),
                            20)['counts'].tolist() == histogram.tolist()
