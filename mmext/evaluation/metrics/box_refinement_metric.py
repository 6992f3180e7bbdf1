import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmext.datasets.coco_json import load_coco_json
from mmext.registry import METRICS
from ..functional import matched_box_ious


@METRICS.register_module()
class BoxRefinementMetric(BaseMetric):
    """Writes refined boxes back into the COCO json they came from and
    reports how close noisy and refined boxes are to the clean ones.

    Each data sample needs ``ann_ids`` in its meta information (from
    ``mmext.CocoWithAnnIdsDataset`` and ``PackDetInputs``'s ``meta_keys``)
    and ``pred_instances.bboxes`` with one box per id, in the original image
    (``SSDDet.predict``). The refined json is ``ann_file`` with those boxes
    replaced (``x, y, w, h``; every other field and annotation unchanged,
    a ``refine_score`` added); an object annotation that got no prediction
    (e.g. one mmdet's dataset dropped for being under 1 px) keeps its box
    and is counted in the log.

    Metrics, over the refined annotations, against ``clean_ann_file`` by
    annotation id: ``noisy_mIoU`` and ``refined_mIoU`` (mean IoU to the
    clean box), ``noisy_IoU50`` and ``refined_IoU50`` (share with IoU >=
    0.5), ``num_boxes``.

    Args:
        ann_file (str): the noisy COCO json the predictions refine.
        clean_ann_file (str, optional): the clean json; without it the
            metric only writes ``outfile`` and reports ``num_boxes``.
        outfile (str, optional): path of the refined json to write.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): metric name prefix. Defaults to
            ``'refine'``.
    """
    default_prefix: Optional[str] = 'refine'

    def __init__(self,
                 ann_file: str,
                 clean_ann_file: Optional[str] = None,
                 outfile: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if clean_ann_file is None and outfile is None:
            raise ValueError('BoxRefinementMetric needs clean_ann_file (to '
                             'measure) or outfile (to write), or both')
        inputs = {
            osp.abspath(path): key
            for key, path in (('ann_file', ann_file), ('clean_ann_file',
                                                       clean_ann_file)) if path
        }
        clash = inputs.get(osp.abspath(outfile)) if outfile else None
        if clash:
            raise ValueError(
                f'BoxRefinementMetric.outfile is its {clash} ({outfile}): '
                'writing the refined boxes would overwrite an input; choose '
                'another outfile')
        self.ann_file = ann_file
        self.clean_ann_file = clean_ann_file
        self.outfile = outfile

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'ann_ids' not in sample:
                raise KeyError(
                    'BoxRefinementMetric needs ann_ids in each data sample: '
                    "use mmext.CocoWithAnnIdsDataset and add 'ann_ids' to "
                    "PackDetInputs' meta_keys")
            pred = sample['pred_instances']
            ann_ids = list(sample['ann_ids'])
            if len(ann_ids) != len(pred['bboxes']):
                raise ValueError(
                    f'image id {sample.get("img_id")}: {len(ann_ids)} '
                    f'annotation ids but {len(pred["bboxes"])} predicted '
                    'boxes; the model must predict one box per annotation')
            self.results.append(
                dict(
                    ann_ids=ann_ids,
                    bboxes=pred['bboxes'].cpu().numpy(),
                    scores=pred['scores'].cpu().numpy()))

    def refined_json(self, noisy: dict, results: List[dict]) -> dict:
        """A copy of ``noisy`` (``ann_file``'s content) with the predicted
        boxes in place."""
        predicted: Dict[int, tuple] = {}
        for result in results:
            for ann_id, box, score in zip(result['ann_ids'], result['bboxes'],
                                          result['scores']):
                predicted[ann_id] = (box, score)
        known = {ann['id'] for ann in noisy.get('annotations', [])}
        unknown = sorted(set(predicted) - known)
        if unknown:
            raise KeyError(f'annotation ids {unknown[:5]} predicted but not '
                           f'in {self.ann_file}')
        annotations = []
        for ann in noisy.get('annotations', []):
            if ann['id'] in predicted:
                box, score = predicted[ann['id']]
                x1, y1, x2, y2 = (float(v) for v in box)
                ann = dict(
                    ann,
                    bbox=[
                        round(x1, 2),
                        round(y1, 2),
                        round(x2 - x1, 2),
                        round(y2 - y1, 2)
                    ],
                    refine_score=round(float(score), 4))
            annotations.append(ann)
        return dict(noisy, annotations=annotations)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        noisy = load_coco_json(self.ann_file)
        refined = self.refined_json(noisy, results)
        refined_ids = {
            ann_id
            for result in results
            for ann_id in result['ann_ids']
        }
        missing = sum(
            1 for ann in refined['annotations']
            if not ann.get('iscrowd', 0) and ann['id'] not in refined_ids)
        if missing:
            logger.warning(f'{missing} object annotations of '
                           f'{self.ann_file} got no refined box and keep '
                           'their noisy one')
        if self.outfile:
            os.makedirs(osp.dirname(osp.abspath(self.outfile)), exist_ok=True)
            with open(self.outfile, 'w') as f:
                json.dump(refined, f)
            logger.info(f'refined boxes written to {self.outfile}')
        metrics = dict(num_boxes=float(len(refined_ids)))
        if self.clean_ann_file is None:
            return metrics
        clean = load_coco_json(self.clean_ann_file)
        for name, coco in (('noisy', noisy), ('refined', refined)):
            subset = dict(
                coco,
                annotations=[
                    ann for ann in coco['annotations']
                    if ann['id'] in refined_ids
                ])
            ious = matched_box_ious(clean, subset)
            metrics[f'{name}_mIoU'] = float(np.mean(ious)) if len(ious) else 0.
            metrics[f'{name}_IoU50'] = float(np.mean(
                ious >= 0.5)) if len(ious) else 0.
        return metrics
