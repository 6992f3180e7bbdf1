"""AnomalyMetric on hand-made predictions, including test sets without any
anomaly."""
import math

import numpy as np
import pytest
import torch

from mmext.evaluation import AnomalyMetric, auroc, pixel_auroc_and_aupro


def sample(score_map, mask, score, label=None):
    out = dict(
        img_path='x.png',
        pred_anomaly_map=dict(data=torch.as_tensor(score_map)[None]),
        gt_sem_seg=dict(data=torch.as_tensor(mask, dtype=torch.int64)[None]),
        pred_score=torch.tensor(score))
    if label is not None:
        out['anomaly_label'] = label
    return out


def test_metric_matches_the_functions():
    rng = np.random.default_rng(0)
    maps = [rng.random((6, 5)).astype(np.float32) for _ in range(4)]
    masks = [np.zeros((6, 5), np.int64) for _ in range(4)]
    masks[1][2:4, 1:3] = 1
    masks[3][0, 0] = 1
    scores = [0.2, 0.9, 0.4, 0.3]
    metric = AnomalyMetric()
    metric.process({},
                   [sample(m, k, s) for m, k, s in zip(maps, masks, scores)])
    result = metric.compute_metrics(metric.results)
    assert result['num_images'] == 4 and result['num_anomalous'] == 2
    assert result['image_AUROC'] == pytest.approx(
        auroc(np.array(scores), np.array([0, 1, 0, 1], bool)))
    pixel, aupro = pixel_auroc_and_aupro(maps, [m > 0 for m in masks])
    assert result['pixel_AUROC'] == pytest.approx(pixel)
    assert result['AUPRO'] == pytest.approx(aupro)


def test_anomaly_label_overrides_the_mask():
    metric = AnomalyMetric()
    empty = np.zeros((2, 2), np.int64)
    metric.process({}, [
        sample(np.zeros((2, 2), np.float32), empty, 0.9, label=1),
        sample(np.zeros((2, 2), np.float32), empty, 0.1, label=0)
    ])
    result = metric.compute_metrics(metric.results)
    assert result['image_AUROC'] == 1.0
    assert math.isnan(result['pixel_AUROC'])  # no anomalous pixel


def test_only_normal_images_give_nan_not_a_crash():
    metric = AnomalyMetric()
    metric.process({}, [
        sample(
            np.random.rand(3, 3).astype(np.float32), np.zeros(
                (3, 3), np.int64), 0.5) for _ in range(3)
    ])
    result = metric.compute_metrics(metric.results)
    assert result['num_anomalous'] == 0
    assert all(
        math.isnan(result[k]) for k in ('image_AUROC', 'pixel_AUROC', 'AUPRO'))


def test_bad_predictions_are_reported():
    metric = AnomalyMetric()
    bad = sample(np.zeros((4, 4), np.float32), np.zeros((5, 5), np.int64), 0.)
    with pytest.raises(ValueError, match='after Resize'):
        metric.process({}, [bad])
    nan_map = np.full((5, 5), np.nan, np.float32)
    with pytest.raises(ValueError, match='NaN'):
        metric.process({}, [sample(nan_map, np.zeros((5, 5), np.int64), 0.)])
    for score in (float('nan'), float('inf')):
        with pytest.raises(ValueError, match='image anomaly score is'):
            metric.process({}, [
                sample(
                    np.zeros((5, 5), np.float32), np.zeros(
                        (5, 5), np.int64), score)
            ])
    del bad['pred_score']
    with pytest.raises(KeyError, match='pred_score'):
        metric.process({}, [bad])
    with pytest.raises(ValueError, match='max_fpr'):
        AnomalyMetric(max_fpr=1.5)
