"""The confidence calibrator of Calibrated Teacher (Sec. "Calibrated
Teacher").

Paper: Calibrated Teacher for Sparsely Annotated Object Detection (Wang et al.,
AAAI 2023), https://arxiv.org/abs/2303.07582.
Compared with the authors' code: docs/fidelity.md#calibrated-teacher.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather_object, get_world_size
from torch import Tensor, nn

from mmext.registry import TASK_UTILS

_EPS = 1e-6


@TASK_UTILS.register_module()
class ConfidenceCalibrator(nn.Module):
    """Map detection confidences to the precision they have.

    Calibrated Teacher (Wang et al., AAAI 2023), Sec. "Calibrated Teacher":
    the teacher's confidence ``c`` is replaced by ``sigmoid(a * logit(c) +
    b)`` (logistic / Platt calibration; ``method='temperature'`` fixes
    ``b = 0``), fitted by maximum likelihood on observations ``(c, correct)``
    collected during training, so that a box of calibrated confidence ``p``
    is correct with probability ``p``. As in the authors' code the
    calibration is class-agnostic and uses the confidence only (their
    ``cali_input='c'``).

    Observations go into a ring buffer of ``max_samples`` on each rank
    (mmengine wraps models with ``broadcast_buffers=False``); :meth:`fit`
    uses them gathered from every rank, so all ranks fit the same map, and
    empties the buffer when it succeeds. A fit needs ``min_samples``
    observations with both correct and wrong boxes, otherwise the previous
    mapping stays. The map is the identity until a fit succeeds
    (``num_fits`` is 0). Everything, the buffer included, is a buffer of
    this module, so checkpoints hold it and ``--resume`` restores it.
    ``refit_interval`` is the schedule of the fits: ``None`` until
    :class:`~mmext.engine.hooks.CalibratorRefitHook` declares its interval
    when training starts (a model that trains the calibrator refuses to
    without it).

    The fit (:func:`fit_logistic`) minimises the mean binary cross-entropy
    plus ``1e-3 * ((a - 1)^2 + b^2) / 2``, which keeps it finite when the
    observations are separable (the identity is the prior), by Newton's
    method with a backtracking line search (it converges from any data:
    the objective is strictly convex), with ``a >= 0``: noisy observations
    where confidence and correctness are anti-correlated give the constant
    map (their overall precision), never one that reverses the order of
    confidences.

    Args:
        method (str): ``'logistic'`` (slope and intercept) or
            ``'temperature'`` (slope only).
        max_samples (int): Capacity of the observation buffer.
        min_samples (int): Observations a fit needs.
    """

    methods = ('logistic', 'temperature')
    # per-rank on purpose: never averaged over ranks; checkpoints hold every
    # rank's (mmext.SafeCheckpointHook) and give each its own back on resume
    rank_local_buffers = ('confidences', 'correct', 'num_observed')

    def __init__(self,
                 method: str = 'logistic',
                 max_samples: int = 65536,
                 min_samples: int = 20) -> None:
        super().__init__()
        if method not in self.methods:
            raise ValueError(f'ConfidenceCalibrator.method must be one of '
                             f'{self.methods}, got {method!r}')
        if max_samples < min_samples or min_samples < 2:
            raise ValueError('ConfidenceCalibrator needs 2 <= min_samples <= '
                             f'max_samples, got min_samples={min_samples}, '
                             f'max_samples={max_samples}')
        self.method = method
        self.max_samples = max_samples
        self.min_samples = min_samples
        # (observations, correct ones) the last fit had
        self.last_fit_data = (0, 0)
        # iterations between fits, set by CalibratorRefitHook
        self.refit_interval: Optional[int] = None
        self.register_buffer('slope', torch.tensor(1.))
        self.register_buffer('intercept', torch.tensor(0.))
        self.register_buffer('num_fits', torch.tensor(0))
        self.register_buffer('confidences', torch.zeros(max_samples))
        self.register_buffer('correct', torch.zeros(max_samples))
        self.register_buffer('num_observed', torch.tensor(0))

    @property
    def is_fitted(self) -> bool:
        """Whether a fit has succeeded (before it, the map is the
        identity)."""
        return bool(self.num_fits > 0)

    def forward(self, confidences: Tensor) -> Tensor:
        """Calibrated confidences in [0, 1], shaped as ``confidences``."""
        if not self.is_fitted:
            return confidences
        # Sec. "Calibrated Teacher": logistic (Platt) calibration of the
        # confidence alone, sigmoid(a logit(c) + b).
        logits = torch.logit(confidences.float().clamp(_EPS, 1 - _EPS))
        return torch.sigmoid(self.slope * logits + self.intercept).to(
            confidences.dtype)

    @torch.no_grad()
    def observe(self, confidences: Tensor, correct: Tensor) -> None:
        """Add observations: confidences ``(n, )`` and whether each box was
        correct ``(n, )`` (bool or 0/1); non-finite confidences are
        skipped."""
        if confidences.shape != correct.shape or confidences.dim() != 1:
            raise ValueError('ConfidenceCalibrator.observe needs two 1-D '
                             'tensors of one length, got '
                             f'{tuple(confidences.shape)} and '
                             f'{tuple(correct.shape)}')
        finite = torch.isfinite(confidences)
        confidences, correct = confidences[finite], correct[finite]
        n = confidences.numel()
        if n == 0:
            return
        if n > self.max_samples:
            confidences = confidences[-self.max_samples:]
            correct = correct[-self.max_samples:]
        start = int(self.num_observed)
        slots = torch.arange(
            start, start + confidences.numel(),
            device=self.confidences.device) % self.max_samples
        self.confidences[slots] = confidences.detach().float().to(
            self.confidences.device)
        self.correct[slots] = correct.detach().float().to(self.correct.device)
        self.num_observed += n

    def observations(self) -> tuple:
        """This rank's buffered ``(confidences, correct)``."""
        size = min(int(self.num_observed), self.max_samples)
        return self.confidences[:size].clone(), self.correct[:size].clone()

    @torch.no_grad()
    def fit(self) -> bool:
        """Fit the map on the buffered observations of all ranks.

        Returns:
            bool: Whether the map was updated (then the buffer is emptied).
            ``last_fit_data`` holds the observations it had, and how many
            of them were correct.
        """
        confidences, correct = self.observations()
        if get_world_size() > 1:
            gathered = all_gather_object((confidences.cpu(), correct.cpu()))
            confidences = torch.cat([c for c, _ in gathered])
            correct = torch.cat([m for _, m in gathered])
        num_correct = int(correct.sum())
        self.last_fit_data = (confidences.numel(), num_correct)
        if (confidences.numel() < self.min_samples or num_correct == 0
                or num_correct == correct.numel()):
            return False
        slope, intercept = fit_logistic(
            confidences, correct, with_intercept=self.method == 'logistic')
        self.slope.fill_(slope)
        self.intercept.fill_(intercept)
        self.num_fits += 1
        self.num_observed.zero_()
        return True


def fit_logistic(confidences: Tensor,
                 correct: Tensor,
                 with_intercept: bool = True,
                 ridge: float = 1e-3) -> tuple:
    """Maximum-likelihood ``(a, b)`` of ``P(correct | c) = sigmoid(a *
    logit(c) + b)`` under ``a >= 0`` (a calibration map must not reverse the
    order of confidences), with the ridge term ``ridge * ((a - 1)^2 + b^2) /
    2`` on the mean log-likelihood; ``b = 0`` without intercept.

    The objective is concave, so when the free optimum has ``a < 0`` the
    constrained one has ``a = 0``: the map is then the constant overall
    precision (0.5 without intercept)."""
    x = torch.logit(confidences.double().clamp(_EPS, 1 - _EPS))
    y = correct.double()
    ones = torch.ones_like(x)
    if with_intercept:
        slope, intercept = _newton(
            torch.stack([x, ones], dim=1), y, [1., 0.], ridge).tolist()
    else:
        slope, intercept = float(_newton(x[:, None], y, [1.], ridge)), 0.
    if slope < 0:
        slope = 0.
        if with_intercept:
            intercept = float(_newton(ones[:, None], y, [0.], ridge))
    return slope, intercept


def _newton(features: Tensor,
            targets: Tensor,
            prior: list,
            ridge: float,
            max_iters: int = 100) -> Tensor:
    """Logistic-regression weights minimising the mean binary cross-entropy
    plus ``ridge * |w - prior|^2 / 2``.

    Damped Newton: each step is halved until it decreases the objective
    enough (Armijo's rule). Full steps alone diverge once the sigmoids
    saturate (e.g. identical confidences, half of them correct); with the
    line search the iterates converge to the unique optimum from any data
    (Boyd & Vandenberghe, Sec. 9.5)."""
    prior = torch.tensor(prior, dtype=torch.float64)
    params = prior.clone()
    eye = torch.eye(len(prior), dtype=torch.float64)
    n = len(targets)

    def objective(w: Tensor) -> Tensor:
        z = features @ w
        return (F.softplus(z) - targets * z).mean() + \
            ridge * (w - prior).square().sum() / 2

    value = objective(params)
    for _ in range(max_iters):
        p = torch.sigmoid(features @ params)
        grad = features.T @ (p - targets) / n + ridge * (params - prior)
        hessian = (features.T * (p * (1 - p))) @ features / n + ridge * eye
        step = torch.linalg.solve(hessian, grad)
        decrement = float(grad @ step)  # squared Newton decrement
        if decrement < 1e-20:
            break
        size = 1.
        while True:
            candidate = params - size * step
            new_value = objective(candidate)
            if new_value <= value - 0.25 * size * decrement or size < 1e-10:
                break
            size /= 2
        params, value = candidate, new_value
    return params
