"""Exact AUROC and PRO for anomaly detection, from one sort of the scores.

The per-region overlap (PRO) follows the MVTec AD definition (Bergmann et
al., IJCV 2021, and the MVTec AD evaluation code): every connected component
of every ground-truth mask is one region (8-connectivity); at a threshold, a
region's overlap is the share of its pixels scored above it, and the PRO is
the mean overlap over all regions of the test set; the false positive rate is
taken over every pixel outside the masks. AUPRO integrates PRO over FPR in
``[0, max_fpr]`` (trapezoids, the last one cut by linear interpolation) and
divides by ``max_fpr``. Every distinct score is a threshold, so the curves
are exact.
"""
from typing import Sequence, Tuple

import numpy as np
from scipy import ndimage

EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _cumulative_rates(scores: np.ndarray, *weights:
                      np.ndarray) -> Tuple[np.ndarray, ...]:
    """Cumulative weight sums at every distinct threshold, highest first.

    One sort of the scores; each weight is then summed per run of equal
    scores (``reduceat``, in float64: exact for counts) before the running
    sum, so nothing of the pixels' size is held in float64.

    Args:
        scores (np.ndarray): Scores, shape ``(N,)``.
        *weights (np.ndarray): Per-score weights (bool or float), each
            shape ``(N,)``.

    Returns:
        tuple[np.ndarray]: For each weight, its sum over the scores at or
        above each distinct threshold, with a leading 0 (the threshold above
        every score).
    """
    # Descending; the order inside a run of ties does not matter.
    order = np.argsort(scores)[::-1]
    sorted_scores = scores[order]
    run_starts = np.flatnonzero(np.r_[True,
                                      sorted_scores[1:] != sorted_scores[:-1]])
    del sorted_scores
    return tuple(np.r_[
        0.0,
        np.cumsum(np.add.reduceat(w[order], run_starts, dtype=np.float64))]
                 for w in weights)


def _trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve, exact (tied scores share a threshold).

    Args:
        scores (np.ndarray): Scores, higher means more anomalous.
        labels (np.ndarray): Boolean labels, True for anomalous; same size.

    Raises:
        ValueError: If the labels hold only one class.
    """
    scores = np.asarray(scores).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    num_pos = int(labels.sum())
    if num_pos == 0 or num_pos == labels.size:
        raise ValueError('AUROC needs both normal and anomalous samples, got '
                         f'{num_pos} anomalous of {labels.size}')
    tp, fp = _cumulative_rates(scores, labels, ~labels)
    return _trapezoid(fp / fp[-1], tp / tp[-1])


def area_under_curve_up_to(x: np.ndarray, y: np.ndarray,
                           x_max: float) -> float:
    """Trapezoidal area under ``y(x)`` for ``x`` in ``[0, x_max]``.

    ``x`` must be non-decreasing and start at 0; the curve is linearly
    interpolated at ``x_max``.
    """
    cut = int(np.searchsorted(x, x_max, side='right'))
    xs, ys = x[:cut], y[:cut]
    if cut < x.size and xs[-1] < x_max:
        y_max = np.interp(x_max, x[cut - 1:cut + 1], y[cut - 1:cut + 1])
        xs, ys = np.r_[xs, x_max], np.r_[ys, y_max]
    return _trapezoid(xs, ys)


def region_labels(mask: np.ndarray) -> Tuple[np.ndarray, int]:
    """Connected components of a boolean mask (8-connectivity)."""
    return ndimage.label(mask, structure=EIGHT_CONNECTED)


def pixel_auroc_and_aupro(anomaly_maps: Sequence[np.ndarray],
                          masks: Sequence[np.ndarray],
                          max_fpr: float = 0.3) -> Tuple[float, float]:
    """Pixel-level AUROC and AUPRO (normalised to 1) over a test set.

    Both curves share the thresholds, so the pixels are sorted once.

    Args:
        anomaly_maps (Sequence[np.ndarray]): One ``(H, W)`` map per image.
        masks (Sequence[np.ndarray]): The matching boolean ground-truth
            masks, same shapes.
        max_fpr (float): Upper FPR limit of the PRO integral. Defaults to
            0.3, the MVTec AD standard.

    Raises:
        ValueError: If a map and its mask differ in shape, or the masks hold
            no anomalous or no normal pixel.
    """
    if not 0 < max_fpr <= 1:
        raise ValueError(f'max_fpr must be in (0, 1], got {max_fpr}')
    region_weights = []
    num_regions = 0
    for i, (score_map, mask) in enumerate(zip(anomaly_maps, masks)):
        if score_map.shape != mask.shape:
            raise ValueError(f'image {i}: anomaly map shape {score_map.shape}'
                             f' differs from its mask shape {mask.shape}')
        labels, count = region_labels(mask)
        sizes = np.bincount(labels.ravel(), minlength=count + 1)
        # Each region's pixels share 1 / size; the background weighs 0.
        inverse_size = np.r_[0.0, 1.0 / sizes[1:]].astype(np.float32)
        region_weights.append(inverse_size[labels].ravel())
        num_regions += count
    scores = np.concatenate([np.ravel(m) for m in anomaly_maps])
    anomalous = np.concatenate([np.ravel(m) for m in masks]).astype(bool)
    num_anomalous = int(anomalous.sum())
    if num_regions == 0 or num_anomalous == anomalous.size:
        raise ValueError('pixel AUROC and PRO need anomalous and normal '
                         f'pixels, got {num_anomalous} anomalous of '
                         f'{anomalous.size}')
    tp, fp, overlap = _cumulative_rates(scores, anomalous, ~anomalous,
                                        np.concatenate(region_weights))
    fpr = fp / fp[-1]
    pixel_auroc = _trapezoid(fpr, tp / tp[-1])
    pro = overlap / num_regions
    aupro = area_under_curve_up_to(fpr, pro, max_fpr) / max_fpr
    return pixel_auroc, aupro
