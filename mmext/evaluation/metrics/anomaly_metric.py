import math
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmext.registry import METRICS
from ..functional import auroc, pixel_auroc_and_aupro


@METRICS.register_module()
class AnomalyMetric(BaseMetric):
    """Image AUROC, pixel AUROC and AUPRO of an anomaly detector.

    Each prediction needs ``pred_anomaly_map`` (``(1, H, W)`` in the original
    image) and ``pred_score`` (the image's anomaly score), and the sample
    ``gt_sem_seg`` (the ground-truth mask at the same size, anomalous > 0).
    An image is anomalous when its ``anomaly_label`` meta says so (the
    MVTec datasets set it from the folder), else when its mask has an
    anomalous pixel. Full-size maps are kept (float32), so the pixel metrics
    are exact; see :mod:`mmext.evaluation.functional.anomaly_curves`.

    Non-finite scores or maps are refused, naming the image (sorted, a NaN
    score would rank as the highest). A metric that a test set cannot
    define (only normal images: no AUROC, no PRO) is reported as NaN with a
    warning naming the reason.

    Args:
        max_fpr (float): FPR limit of the AUPRO integral. Defaults to 0.3.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): metric name prefix. Defaults to
            ``'anomaly'``.
    """
    default_prefix: Optional[str] = 'anomaly'

    def __init__(self,
                 max_fpr: float = 0.3,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < max_fpr <= 1:
            raise ValueError(f'max_fpr must be in (0, 1], got {max_fpr}')
        self.max_fpr = max_fpr

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            for key in ('pred_anomaly_map', 'pred_score', 'gt_sem_seg'):
                if key not in sample:
                    raise KeyError(
                        f'AnomalyMetric needs {key!r} in each data sample '
                        f'({sample.get("img_path", "?")}); the model '
                        'predicts pred_anomaly_map and pred_score, '
                        'LoadAnomalyMask and PackAnomalyInputs give '
                        'gt_sem_seg')
            score_map = sample['pred_anomaly_map']['data'][0]
            mask = sample['gt_sem_seg']['data'][0] > 0
            if score_map.shape != mask.shape:
                raise ValueError(
                    f'{sample.get("img_path", "?")}: anomaly map '
                    f'{tuple(score_map.shape)} and mask {tuple(mask.shape)} '
                    'differ in size: evaluate at the original size '
                    '(LoadAnomalyMask after Resize in the test pipeline, '
                    'model.map_size=\'original\') or at the input size, '
                    'as DeSTSeg (LoadAnomalyMask(scale=the input size), '
                    'model.map_size=\'input\')')
            if not torch.isfinite(score_map).all():
                raise ValueError(
                    f'{sample.get("img_path", "?")}: the anomaly map holds '
                    'NaN or infinite values (did training diverge?)')
            score = float(sample['pred_score'])
            if not math.isfinite(score):
                raise ValueError(
                    f'{sample.get("img_path", "?")}: the image anomaly '
                    f'score is {score} (did training diverge?)')
            label = sample.get('anomaly_label', None)
            label = bool(mask.any()) if label is None else bool(label)
            self.results.append(
                dict(
                    score=score,
                    label=label,
                    anomaly_map=score_map.float().cpu().numpy(),
                    mask=mask.cpu().numpy()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        scores = np.array([r['score'] for r in results])
        labels = np.array([r['label'] for r in results])
        metrics = dict(
            num_images=len(results), num_anomalous=int(labels.sum()))
        try:
            metrics['image_AUROC'] = auroc(scores, labels)
        except ValueError as error:
            logger.warning(f'image AUROC is undefined: {error}')
            metrics['image_AUROC'] = math.nan
        try:
            metrics['pixel_AUROC'], metrics['AUPRO'] = pixel_auroc_and_aupro(
                [r['anomaly_map'] for r in results],
                [r['mask'] for r in results], self.max_fpr)
        except ValueError as error:
            logger.warning(f'pixel AUROC and AUPRO are undefined: {error}')
            metrics['pixel_AUROC'] = metrics['AUPRO'] = math.nan
        return metrics
