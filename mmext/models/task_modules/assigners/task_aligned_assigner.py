"""Task-aligned sample assignment of TAL (Sec. 3.2.1).

Paper: TOOD: Task-aligned One-stage Object Detection (Feng et al., ICCV 2021),
https://arxiv.org/abs/2108.07755.
Compared with mmdet's port of the authors' code: docs/fidelity.md#tood.
"""
from typing import Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult, BboxOverlaps2D
from mmdet.models.task_modules.assigners import \
    TaskAlignedAssigner as MMDetTaskAlignedAssigner
from mmengine.structures import InstanceData
from torch import Tensor

from mmext.ops import (TaskAlignedCandidates, task_aligned_topk,
                       task_aligned_topk_pytorch)
from mmext.registry import TASK_UTILS

INF = 100000000


@TASK_UTILS.register_module()
class TaskAlignedAssigner(MMDetTaskAlignedAssigner):
    """Task-aligned assignment of TOOD (Sec. 3.2.1), in one pass.

    For each GT, the ``topk`` priors with the largest alignment metric
    ``t = s^alpha * u^beta`` (``s``: predicted score of the GT's class,
    ``u``: IoU of the decoded box with the GT) are candidates; candidates
    whose metric is positive and whose centre lies inside the GT are
    positives; a prior claimed by several GTs goes to the one it overlaps
    most (ties: the first GT).

    Gives mmdet's ``TaskAlignedAssigner`` result (``gt_inds``,
    ``max_overlaps`` with ``-INF`` for negatives, ``labels``,
    ``assign_metrics``; tests compare them) without mmdet's dense
    ``num_priors x num_gts`` matrices (about eight of them): metric, top-k
    and centre test run in :func:`mmext.ops.task_aligned_topk`, the compiled
    kernel of ``mmext._ext`` when built (``topk x num_gts`` values in
    memory), else its pure-PyTorch version a chunk of GTs at a time; the
    conflict resolution works on the ``topk x num_gts`` candidates alone.
    Where ``torch.topk`` (mmdet) leaves the order of equal metrics
    unspecified, the lower prior index wins here.

    Args:
        topk (int): Candidates per GT (the paper's 13).
        iou_calculator (dict): IoU between decoded boxes and GTs; the
            compiled kernel computes mmdet's ``BboxOverlaps2D`` itself, any
            other calculator (or a scaled / fp16 one) runs the PyTorch
            version with it.
        gt_chunk_elements (int): Elements of one ``num_priors x chunk``
            block of the PyTorch version (default 2**19, 2 MiB in float32).
    """

    def __init__(self,
                 topk: int,
                 iou_calculator: dict = dict(type='BboxOverlaps2D'),
                 gt_chunk_elements: int = 2**19) -> None:
        super().__init__(topk=topk, iou_calculator=iou_calculator)
        self.gt_chunk_elements = gt_chunk_elements
        calc = self.iou_calculator
        self.plain_iou = type(calc) is BboxOverlaps2D and \
            calc.scale == 1. and calc.dtype is None

    def _candidates(self, pred_instances: InstanceData, gt_bboxes: Tensor,
                    gt_labels: Tensor, alpha: float,
                    beta: float) -> TaskAlignedCandidates:
        args = (pred_instances.bboxes, pred_instances.scores,
                pred_instances.priors[:, :4], gt_bboxes, gt_labels, self.topk,
                alpha, beta)
        if self.plain_iou:
            return task_aligned_topk(*args)
        return task_aligned_topk_pytorch(
            *args,
            iou_calculator=self.iou_calculator,
            chunk_elements=self.gt_chunk_elements)

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
        assigned_labels = priors.new_full((num_priors, ), -1, dtype=torch.long)
        assign_metrics = priors.new_zeros((num_priors, ))
        if num_gts == 0 or num_priors == 0:
            result = AssignResult(
                num_gts,
                assigned_gt_inds,
                priors.new_zeros((num_priors, )),
                labels=assigned_labels)
            result.assign_metrics = assign_metrics
            return result

        cand = self._candidates(pred_instances, gt_bboxes, gt_labels, alpha,
                                beta)
        gt_of = torch.arange(
            num_gts, device=priors.device).expand_as(cand.index)
        pos_prior, pos_gt = cand.index[cand.is_pos], gt_of[cand.is_pos]
        pos_iou = cand.iou[cand.is_pos].to(priors.dtype)
        pos_metric = cand.metric[cand.is_pos].to(priors.dtype)

        # A prior claimed by several GTs goes to the one of highest IoU, the
        # lowest GT index among equals (as argmax over GTs in mmdet).
        max_overlaps = priors.new_full((num_priors, ), -INF)
        max_overlaps.scatter_reduce_(0, pos_prior, pos_iou, reduce='amax')
        best = pos_iou == max_overlaps[pos_prior]
        winner = torch.full((num_priors, ), num_gts, device=priors.device)
        winner.scatter_reduce_(0, pos_prior[best], pos_gt[best], reduce='amin')
        won = best & (pos_gt == winner[pos_prior])
        assigned_gt_inds[pos_prior[won]] = pos_gt[won] + 1
        assign_metrics[pos_prior[won]] = pos_metric[won]
        assigned_labels[pos_prior[won]] = gt_labels[pos_gt[won]]
        result = AssignResult(
            num_gts, assigned_gt_inds, max_overlaps, labels=assigned_labels)
        result.assign_metrics = assign_metrics
        return result
