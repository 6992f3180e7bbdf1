"""ConfidenceCalibrator: recovers known precision curves, keeps its state in
state_dict, refuses fits it cannot make."""
import pytest
import torch

from mmext.evaluation import expected_calibration_error
from mmext.models.task_modules.calibration import (ConfidenceCalibrator,
                                                   fit_logistic)


def sample(precision, n=20000, seed=0):
    """Confidences uniform in [0.05, 0.95] and Bernoulli(precision(c))
    correctness flags."""
    gen = torch.Generator().manual_seed(seed)
    conf = 0.05 + 0.9 * torch.rand(n, generator=gen)
    correct = torch.rand(n, generator=gen) < precision(conf)
    return conf, correct


def logistic_precision(conf):
    return torch.sigmoid(2. * torch.logit(conf) - 1.)


def test_recovers_a_logistic_precision_curve():
    conf, correct = sample(logistic_precision)
    slope, intercept = fit_logistic(conf, correct)
    assert slope == pytest.approx(2., abs=0.1)
    assert intercept == pytest.approx(-1., abs=0.1)

    calibrator = ConfidenceCalibrator()
    calibrator.observe(conf, correct)
    assert calibrator.fit()
    grid = torch.linspace(0.1, 0.9, 9)
    assert torch.allclose(calibrator(grid), logistic_precision(grid),
                          atol=0.03)


def test_overconfident_detector_becomes_calibrated():
    # Precision c**2: every confidence overstates the precision.
    conf, correct = sample(lambda c: c**2)
    calibrator = ConfidenceCalibrator()
    calibrator.observe(conf, correct)
    assert calibrator.fit()
    before = expected_calibration_error(conf.numpy(), correct.numpy())
    after = expected_calibration_error(calibrator(conf).numpy(),
                                       correct.numpy())
    assert before > 0.1
    assert after < 0.03
    grid = torch.linspace(0.2, 0.8, 7)
    assert torch.allclose(calibrator(grid), grid**2, atol=0.06)


def test_temperature_scaling_has_no_intercept():
    conf, correct = sample(lambda c: torch.sigmoid(0.5 * torch.logit(c)))
    calibrator = ConfidenceCalibrator(method='temperature')
    calibrator.observe(conf, correct)
    assert calibrator.fit()
    assert float(calibrator.intercept) == 0.
    assert float(calibrator.slope) == pytest.approx(0.5, abs=0.05)


def test_identity_until_a_fit_succeeds():
    calibrator = ConfidenceCalibrator(min_samples=4)
    conf = torch.tensor([0.3, 0.6, 0.9])
    assert torch.equal(calibrator(conf), conf)
    calibrator.observe(conf, torch.tensor([1, 1, 1]))
    assert not calibrator.fit()  # too few, and all correct
    calibrator.observe(torch.tensor([0.95]), torch.tensor([1]))
    assert not calibrator.fit()  # enough, but no wrong box
    assert not calibrator.is_fitted
    assert torch.equal(calibrator(conf), conf)
    # The observations stay for the next attempt.
    calibrator.observe(torch.tensor([0.8, 0.5]), torch.tensor([0, 0]))
    assert calibrator.fit()
    assert calibrator.is_fitted and int(calibrator.num_fits) == 1
    assert calibrator.observations()[0].numel() == 0


def test_ring_buffer_keeps_the_latest_and_skips_non_finite():
    calibrator = ConfidenceCalibrator(max_samples=4, min_samples=2)
    calibrator.observe(torch.tensor([0.1, 0.2, 0.3]), torch.zeros(3))
    calibrator.observe(
        torch.tensor([0.4, float('nan'), 0.5, 0.6]), torch.ones(4))
    conf, correct = calibrator.observations()
    assert sorted(conf.tolist()) == pytest.approx([0.3, 0.4, 0.5, 0.6])
    assert correct.sum() == 3


def test_state_dict_round_trip():
    conf, correct = sample(logistic_precision, n=500)
    calibrator = ConfidenceCalibrator(max_samples=1000)
    calibrator.observe(conf, correct)
    assert calibrator.fit()
    calibrator.observe(conf[:7], correct[:7])
    state = calibrator.state_dict()
    assert {'slope', 'intercept', 'num_fits', 'confidences',
            'num_observed'} <= set(state)
    restored = ConfidenceCalibrator(max_samples=1000)
    restored.load_state_dict(state)
    assert restored.is_fitted
    grid = torch.linspace(0.05, 0.95, 7)
    assert torch.equal(restored(grid), calibrator(grid))
    assert torch.equal(restored.observations()[0], conf[:7])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='method'):
        ConfidenceCalibrator(method='isotonic')
    with pytest.raises(ValueError, match='min_samples'):
        ConfidenceCalibrator(max_samples=4, min_samples=8)
    with pytest.raises(ValueError, match='1-D'):
        ConfidenceCalibrator().observe(torch.rand(3), torch.ones(2))


def test_anti_correlated_observations_give_the_constant_precision():
    # Higher confidence, lower precision: a map must not reverse the order.
    conf, correct = sample(lambda c: 1 - c)
    slope, intercept = fit_logistic(conf, correct)
    assert slope == 0.
    assert float(torch.sigmoid(torch.tensor(intercept))) == pytest.approx(
        float(correct.float().mean()), abs=1e-3)
    assert fit_logistic(conf, correct, with_intercept=False) == (0., 0.)
