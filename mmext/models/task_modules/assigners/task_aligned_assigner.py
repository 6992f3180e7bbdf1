from typing import Optional, Tuple

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.assigners import \
    TaskAlignedAssigner as MMDetTaskAlignedAssigner
from mmengine.structures import InstanceData
from torch import Tensor

from mmext.registry import TASK_UTILS

INF = 100000000


@TASK_UTILS.register_module()
class TaskAlignedAssigner(MMDetTaskAlignedAssigner):
    """Task-aligned assignment of TOOD (Sec. 3.2.1), lean in memory.

    For each GT, the ``topk`` priors with the largest alignment metric
    ``t = s^alpha * u^beta`` (``s``: predicted score of the GT's class,
    ``u``: IoU of the decoded box with the GT) are candidates; candidates
    whose metric is positive and whose centre lies inside the GT are
    positives; a prior claimed by several GTs goes to the one it overlaps
    most (ties: the first GT).

    Gives exactly mmdet's ``TaskAlignedAssigner`` result (``gt_inds``,
    ``max_overlaps`` with ``-INF`` for negatives, ``labels``,
    ``assign_metrics``), but never holds dense ``num_priors x num_gts``
    matrices beyond one chunk of GTs at a time: the metric is computed for
    ``gt_chunk_elements // num_priors`` GTs at once, only their top-k
    candidates are kept, and the centre test and the conflict resolution work
    on the ``topk x num_gts`` candidates alone. Peak memory therefore stays
    flat in the number of GTs instead of growing with ``num_priors x
    num_gts`` (about eight such matrices in mmdet's version).

    Args:
        topk (int): Candidates per GT (the paper's 13).
        iou_calculator (dict): IoU between decoded boxes and GTs.
        gt_chunk_elements (int): Elements of one ``num_priors x chunk``
            block (default 2**19, 2 MiB in float32; the IoU computation
            makes several blocks of this size at once).
    """

    def __init__(self,
                 topk: int,
                 iou_calculator: dict = dict(type='BboxOverlaps2D'),
                 gt_chunk_elements: int = 2**19) -> None:
        super().__init__(topk=topk, iou_calculator=iou_calculator)
        self.gt_chunk_elements = gt_chunk_elements

    def _candidates(self, decoded: Tensor, scores: Tensor, gt_bboxes: Tensor,
                    gt_labels: Tensor, alpha: float,
                    beta: float) -> Tuple[Tensor, Tensor, Tensor]:
        """Top-k candidates of every GT, chunk by chunk of GTs.

        Returns ``(topk, num_gts)`` prior indices, their metrics and IoUs.
        """
        num_priors, num_gts = decoded.size(0), gt_bboxes.size(0)
        topk = min(self.topk, num_priors)
        chunk = max(1, self.gt_chunk_elements // max(num_priors, 1))
        idxs, metrics, ious = [], [], []
        for start in range(0, num_gts, chunk):
            stop = min(start + chunk, num_gts)
            overlaps = self.iou_calculator(decoded,
                                           gt_bboxes[start:stop]).detach()
            metric = scores[:, gt_labels[start:stop]].detach()**alpha * \
                overlaps**beta
            cand_metric, cand_idx = metric.topk(topk, dim=0, largest=True)
            idxs.append(cand_idx)
            metrics.append(cand_metric)
            ious.append(overlaps.gather(0, cand_idx))
        return torch.cat(idxs, 1), torch.cat(metrics, 1), torch.cat(ious, 1)

    def assign(self,
               pred_instances: InstanceData,
               gt_instances: InstanceData,
               gt_instances_ignore: Optional[InstanceData] = None,
               alpha: int = 1,
               beta: int = 6) -> AssignResult:
        """Assign GTs to priors (see mmdet's ``TaskAlignedAssigner.assign``
        for the arguments); ``pred_instances`` holds ``priors``, ``bboxes``
        (decoded) and ``scores``."""
        priors = pred_instances.priors[:, :4]
        gt_bboxes, gt_labels = gt_instances.bboxes, gt_instances.labels
        num_gts, num_priors = gt_bboxes.size(0), priors.size(0)
        assigned_gt_inds = priors.new_zeros((num_priors, ), dtype=torch.long)
        assigned_labels = priors.new_full((num_priors, ), -1,
                                          dtype=torch.long)
        assign_metrics = priors.new_zeros((num_priors, ))
        if num_gts == 0 or num_priors == 0:
            result = AssignResult(
                num_gts,
                assigned_gt_inds,
                priors.new_zeros((num_priors, )),
                labels=assigned_labels)
            result.assign_metrics = assign_metrics
            return result

        cand_idx, cand_metric, cand_iou = self._candidates(
            pred_instances.bboxes, pred_instances.scores, gt_bboxes,
            gt_labels, alpha, beta)
        # Positives: positive metric, prior centre inside the GT (by 0.01).
        centres = (priors[:, :2] + priors[:, 2:]) / 2
        cand_centres = centres[cand_idx]  # (topk, num_gts, 2)
        inside = torch.cat([
            cand_centres - gt_bboxes[None, :, :2],
            gt_bboxes[None, :, 2:] - cand_centres
        ], dim=-1).min(dim=-1).values > 0.01
        is_pos = (cand_metric > 0) & inside
        gt_of = torch.arange(num_gts, device=priors.device).expand_as(
            cand_idx)
        pos_prior, pos_gt = cand_idx[is_pos], gt_of[is_pos]
        pos_iou, pos_metric = cand_iou[is_pos], cand_metric[is_pos]

        # A prior claimed by several GTs goes to the one of highest IoU, the
        # lowest GT index among equals (as argmax over GTs in mmdet).
        max_overlaps = priors.new_full((num_priors, ), -INF)
        max_overlaps.scatter_reduce_(0, pos_prior, pos_iou, reduce='amax')
        best = pos_iou == max_overlaps[pos_prior]
        winner = torch.full((num_priors, ), num_gts, device=priors.device)
        winner.scatter_reduce_(
            0, pos_prior[best], pos_gt[best], reduce='amin')
        won = best & (pos_gt == winner[pos_prior])
        assigned_gt_inds[pos_prior[won]] = pos_gt[won] + 1
        assign_metrics[pos_prior[won]] = pos_metric[won]
        assigned_labels[pos_prior[won]] = gt_labels[pos_gt[won]]
        result = AssignResult(
            num_gts, assigned_gt_inds, max_overlaps, labels=assigned_labels)
        result.assign_metrics = assign_metrics
        return result
