from typing import Dict

import numpy as np


def exact_floor_of_product(x: np.ndarray, factor: int) -> np.ndarray:
    """``floor(x * factor)`` of the exact, unrounded product (int64).

    The float product rounds, e.g. ``0.15 * 20`` gives ``3.0`` although
    ``0.15`` is slightly below ``3 / 20``. Dekker's error-free product (with
    Veltkamp's split) gives the rounding error ``e`` of ``p = x * factor``;
    only an integral ``p`` with ``e < 0`` floors one lower (a non-integral
    ``p`` is at least an ulp from the next integer, ``|e|`` at most half
    one)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.float64(factor)
    product = x * y
    split = 134217729.  # 2^27 + 1

    def halves(v):
        big = split * v
        high = big - (big - v)
        return high, v - high

    x_high, x_low = halves(x)
    y_high, y_low = halves(y)
    error = (((x_high * y_high - product) + x_high * y_low) +
             x_low * y_high) + x_low * y_low
    floor = np.floor(product)
    floor -= (floor == product) & (error < 0)
    return floor.astype(np.int64)


def reliability_bins(confidences: np.ndarray,
                     correct: np.ndarray,
                     num_bins: int = 20) -> Dict[str, np.ndarray]:
    """Per-bin statistics of a reliability diagram.

    Confidences in ``[0, 1]`` fall into ``num_bins`` equal-width bins (the
    last one closed): ``c`` goes to bin ``floor(c * num_bins)`` of the exact
    product, so a score printed as an edge (``0.15`` is stored as
    ``0.1499999...``) stays in the bin below, as in exact arithmetic and
    netcal, where the rounded float product would move it up. For
    detections, a bin's accuracy is its precision (the share of its boxes
    that are correct), as in the detection ECE of Kueppers et al. (CVPRW
    2020) that Calibrated Teacher reports.

    Args:
        confidences (np.ndarray): Confidences ``(n, )``.
        correct (np.ndarray): Whether each prediction is correct ``(n, )``.
        num_bins (int): Number of bins.

    Returns:
        dict: ``edges (num_bins + 1, )``, ``counts``, ``confidence`` (mean
        confidence) and ``accuracy`` (``num_bins, ``; NaN in empty bins).
    """
    confidences = np.asarray(confidences, dtype=np.float64).reshape(-1)
    correct = np.asarray(correct, dtype=np.float64).reshape(-1)
    if confidences.shape != correct.shape:
        raise ValueError('reliability_bins needs as many correctness flags '
                         f'({correct.size}) as confidences '
                         f'({confidences.size})')
    if num_bins < 1:
        raise ValueError(f'num_bins must be >= 1, got {num_bins}')
    if confidences.size and (confidences.min() < 0 or confidences.max() > 1):
        raise ValueError('confidences must lie in [0, 1], got range '
                         f'[{confidences.min()}, {confidences.max()}]')
    edges = np.linspace(0., 1., num_bins + 1)
    index = np.clip(
        exact_floor_of_product(confidences, num_bins), 0, num_bins - 1)
    counts = np.bincount(index, minlength=num_bins).astype(np.float64)
    conf_sum = np.bincount(index, confidences, minlength=num_bins)
    correct_sum = np.bincount(index, correct, minlength=num_bins)
    with np.errstate(invalid='ignore', divide='ignore'):
        mean_conf = np.where(counts > 0, conf_sum / counts, np.nan)
        accuracy = np.where(counts > 0, correct_sum / counts, np.nan)
    return dict(
        edges=edges, counts=counts, confidence=mean_conf, accuracy=accuracy)


def expected_calibration_error(confidences: np.ndarray,
                               correct: np.ndarray,
                               num_bins: int = 20) -> float:
    """Expected calibration error ``sum_b n_b / n * |acc_b - conf_b|`` over
    :func:`reliability_bins` (0 for no predictions)."""
    bins = reliability_bins(confidences, correct, num_bins)
    total = bins['counts'].sum()
    if total == 0:
        return 0.
    filled = bins['counts'] > 0
    gaps = np.abs(bins['accuracy'][filled] - bins['confidence'][filled])
    return float((bins['counts'][filled] * gaps).sum() / total)
