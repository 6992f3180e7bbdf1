"""ECE and reliability bins against hand-computed values."""
import numpy as np
import pytest

from mmext.evaluation import expected_calibration_error, reliability_bins


def test_hand_computed_ece():
    conf = np.array([0.1, 0.1, 0.9, 0.9])
    correct = np.array([0, 0, 1, 0])
    # Bin 1: confidence 0.1, precision 0; bin 9: 0.9 vs 0.5 -> 0.5 * 0.1 +
    # 0.5 * 0.4.
    assert expected_calibration_error(conf, correct, 10) == pytest.approx(
        0.25)
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
