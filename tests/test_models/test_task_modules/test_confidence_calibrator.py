"""ConfidenceCalibrator: recovers known precision curves, keeps its state in
state_dict, refuses fits it cannot make."""
import math

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
    assert torch.allclose(
        calibrator(grid), logistic_precision(grid), atol=0.03)


def test_overconfident_detector_becomes_calibrated():
    # Precision c**2: every confidence overstates the precision.
    conf, correct = sample(lambda c: c**2)
    calibrator = ConfidenceCalibrator()
    calibrator.observe(conf, correct)
    assert calibrator.fit()
    before = expected_calibration_error(conf.numpy(), correct.numpy())
    after = expected_calibration_error(
        calibrator(conf).numpy(), correct.numpy())
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


def objective(conf, correct, slope, intercept, ridge=1e-3):
    """fit_logistic's documented objective, written independently."""
    x = torch.logit(conf.double().clamp(1e-6, 1 - 1e-6))
    p = torch.sigmoid(slope * x + intercept).clamp(1e-300, 1 - 1e-16)
    y = correct.double()
    bce = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    return bce + ridge * ((slope - 1)**2 + intercept**2) / 2


def test_two_points_at_one_confidence_reach_the_optimum():
    """Full Newton steps diverged here (slope 1099.6, intercept 500). The
    likelihood is flat along the line sigmoid(a * logit(0.9) + b) = 0.5;
    the ridge picks the point nearest the prior (1, 0), its projection on
    that line (up to the ridge's own pull, ~1e-3), where the objective's
    gradient vanishes."""
    x = math.log(9.)
    projection = (1 / (x * x + 1), -x / (x * x + 1))  # 0.172, -0.377
    for n in (1, 10):
        conf = torch.full((2 * n, ), 0.9, dtype=torch.float64)
        correct = torch.tensor([1., 0.] * n, dtype=torch.float64)
        slope, intercept = fit_logistic(conf, correct)
        assert (slope, intercept) == pytest.approx(projection, abs=1e-3)
        params = torch.tensor([slope, intercept],
                              dtype=torch.float64,
                              requires_grad=True)
        value = objective(conf, correct, *params)
        grad, = torch.autograd.grad(value, params)
        assert grad.abs().max() < 1e-9


def test_constant_confidence_keeps_the_order_and_is_not_a_step():
    """20 boxes at 0.9, half correct: 0.9 maps to 0.5, and lower
    confidences map lower (the divergent fit mapped 0.4..0.9 all to 1.0)."""
    calibrator = ConfidenceCalibrator()
    calibrator.observe(torch.full((20, ), 0.9), torch.arange(20) % 2)
    assert calibrator.fit()
    mapped = calibrator(torch.tensor([0.4, 0.5, 0.7, 0.9]))
    assert float(mapped[-1]) == pytest.approx(0.5, abs=1e-3)
    assert (mapped.diff() > 0).all() and (mapped < 0.51).all()


def test_anti_correlated_observations_give_the_constant_map():
    gen = torch.Generator().manual_seed(1)
    conf = 0.45 + 0.5 * torch.rand(2000, generator=gen)
    correct = torch.rand(2000, generator=gen) < 1 - conf
    slope, intercept = fit_logistic(conf, correct)
    assert slope == 0.
    precision = float(correct.double().mean())
    assert float(torch.sigmoid(torch.tensor(intercept))) == pytest.approx(
        precision, abs=2e-3)


@pytest.mark.parametrize('case', ['saturated', 'separable', 'spread'])
def test_fit_is_the_optimum_of_its_objective(case):
    """No other (a >= 0, b) scores better: checked against scipy's
    minimiser of the same objective, written independently above."""
    from scipy.optimize import minimize
    gen = torch.Generator().manual_seed(2)
    if case == 'saturated':  # teacher scores near 1, weakly tied to truth
        conf = 1 - 1e-7 * torch.rand(50, generator=gen)
        correct = torch.rand(50, generator=gen) < 0.6
    elif case == 'separable':
        conf = torch.rand(100, generator=gen)
        correct = conf > 0.5
    else:
        conf, correct = sample(logistic_precision, n=3000, seed=3)
    slope, intercept = fit_logistic(conf, correct)
    assert math.isfinite(slope) and math.isfinite(intercept)
    reference = minimize(
        lambda w: float(objective(conf, correct, *w)), [1., 0.],
        bounds=[(0, None), (None, None)],
        method='L-BFGS-B',
        options=dict(ftol=1e-15, gtol=1e-12, maxiter=10000))
    ours = float(objective(conf, correct, slope, intercept))
    assert ours <= reference.fun + 1e-9


def test_agrees_with_scikit_learn_on_spread_out_data():
    """Without the ridge, the maximum-likelihood fit of scikit-learn's
    (practically) unpenalised logistic regression on logit(c); the default
    ridge only pulls it towards the identity (1, 0)."""
    linear_model = pytest.importorskip('sklearn.linear_model')
    conf, correct = sample(logistic_precision, n=20000, seed=4)
    x = torch.logit(conf.double()).numpy()[:, None]
    sk = linear_model.LogisticRegression(C=1e8, tol=1e-12, max_iter=10000)
    sk.fit(x, correct.numpy())
    expected = (float(sk.coef_[0, 0]), float(sk.intercept_[0]))
    assert fit_logistic(
        conf, correct, ridge=0.) == pytest.approx(
            expected, abs=1e-4)
    slope, intercept = fit_logistic(conf, correct)
    assert 1 < slope < expected[0] and expected[1] < intercept < 0
    assert (slope, intercept) == pytest.approx(expected, abs=0.05)
