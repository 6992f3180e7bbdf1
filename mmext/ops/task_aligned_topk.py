"""The candidates of TAL's assignment (Sec. 3.2.1) in one pass: the
alignment metric of every prior and GT and its top k.

Paper: TOOD: Task-aligned One-stage Object Detection (Feng et al., ICCV 2021),
https://arxiv.org/abs/2108.07755.
Compared with mmdet's port of the authors' code: docs/fidelity.md#tood.
"""
from typing import Callable, NamedTuple, Optional

import torch
from mmdet.structures.bbox import bbox_overlaps
from torch import Tensor

from .ext_loader import compiled_ops_available, ext_module

#: Union clamp of mmdet's ``bbox_overlaps``.
IOU_EPS = 1e-6
#: A prior's centre must lie this far inside a GT (mmdet's TAL).
CENTRE_EPS = 0.01


class TaskAlignedCandidates(NamedTuple):
    """Each GT's ``k`` best priors; every field is ``(k, num_gts)``, rows
    ordered by descending metric (equal metrics: lower prior index first)."""
    index: Tensor  #: prior indices (-1 only where fewer than k are finite)
    metric: Tensor  #: alignment metric ``s^alpha * u^beta`` (Sec. 3.2.1)
    iou: Tensor  #: IoU of the prior's decoded box with the GT
    is_pos: Tensor  #: metric > 0 and the prior's centre inside the GT


def task_aligned_topk(decoded: Tensor,
                      scores: Tensor,
                      priors: Tensor,
                      gt_bboxes: Tensor,
                      gt_labels: Tensor,
                      topk: int,
                      alpha: float = 1,
                      beta: float = 6) -> TaskAlignedCandidates:
    """Task-aligned candidates of TOOD (Sec. 3.2.1) in one pass.

    For every GT, the alignment metric ``t = s^alpha * u^beta`` (``s``: the
    score of the GT's class, ``u``: IoU of the decoded box with the GT) of
    every prior, its ``topk`` largest, and whether each of those is a
    positive candidate (``t > 0`` and the prior's centre more than 0.01
    inside the GT), exactly the quantities of mmdet's
    ``TaskAlignedAssigner``. Runs the compiled kernel of ``mmext._ext``
    (CPU or CUDA), which holds ``topk x num_gts`` values only, when it is
    built; else :func:`task_aligned_topk_pytorch`. The inputs are read
    without gradients.

    Ties are broken the same way in both versions (the lower prior index
    first), where ``torch.topk`` leaves their order unspecified; NaN metrics
    never become candidates (``torch.topk`` would rank them first).

    Args:
        decoded (Tensor): Predicted boxes ``(N, 4)``, ``(x1, y1, x2, y2)``.
        scores (Tensor): Predicted class scores ``(N, num_classes)``.
        priors (Tensor): Priors ``(N, 4)`` (their centres are tested).
        gt_bboxes (Tensor): ``(G, 4)``.
        gt_labels (Tensor): ``(G, )`` class indices.
        topk (int): Candidates per GT; ``min(topk, N)`` are returned.
        alpha, beta (float): Exponents of the metric (the paper's 1 and 6).
    """
    _check_inputs(decoded, scores, priors, gt_bboxes, gt_labels, topk)
    if not compiled_ops_available(decoded.device) or (decoded.is_cuda
                                                      and topk > 32):
        return task_aligned_topk_pytorch(decoded, scores, priors, gt_bboxes,
                                         gt_labels, topk, alpha, beta)
    dtype = decoded.dtype if decoded.dtype == torch.float64 else \
        torch.float32
    k = min(topk, decoded.size(0))
    num_gts = gt_bboxes.size(0)
    out = TaskAlignedCandidates(
        decoded.new_empty((k, num_gts), dtype=torch.long),
        decoded.new_empty((k, num_gts), dtype=dtype),
        decoded.new_empty((k, num_gts), dtype=dtype),
        decoded.new_empty((k, num_gts), dtype=torch.bool))
    if k == 0 or num_gts == 0:
        return out
    ready = lambda t: t.detach().to(dtype).contiguous()  # noqa: E731
    ext_module.task_aligned_topk(
        ready(decoded), ready(scores), ready(priors), ready(gt_bboxes[:, :4]),
        gt_labels.long().contiguous(), *out, float(alpha), float(beta),
        IOU_EPS, CENTRE_EPS)
    return out


def task_aligned_topk_pytorch(
        decoded: Tensor,
        scores: Tensor,
        priors: Tensor,
        gt_bboxes: Tensor,
        gt_labels: Tensor,
        topk: int,
        alpha: float = 1,
        beta: float = 6,
        iou_calculator: Optional[Callable[[Tensor, Tensor], Tensor]] = None,
        chunk_elements: int = 2**19) -> TaskAlignedCandidates:
    """Pure-PyTorch :func:`task_aligned_topk`, a chunk of GTs at a time.

    Dense ``N x chunk`` matrices are made for ``chunk_elements // N`` GTs at
    once (default 2**19 elements, 2 MiB in float32), so memory stays flat in
    the number of GTs. ``iou_calculator`` replaces mmdet's ``bbox_overlaps``
    (e.g. a scaled or fp16 ``BboxOverlaps2D``).
    """
    _check_inputs(decoded, scores, priors, gt_bboxes, gt_labels, topk)
    iou_calculator = iou_calculator or (
        lambda boxes, gts: bbox_overlaps(boxes, gts[:, :4], eps=IOU_EPS))
    num_priors, num_gts = decoded.size(0), gt_bboxes.size(0)
    k = min(topk, num_priors)
    if k == 0 or num_gts == 0:
        empty = decoded.new_empty((k, num_gts))
        return TaskAlignedCandidates(empty.long(), empty, empty.clone(),
                                     empty.bool())
    decoded, scores = decoded.detach(), scores.detach()
    chunk = max(1, chunk_elements // num_priors)
    parts = []
    for start in range(0, num_gts, chunk):
        gts, labels = gt_bboxes[start:start + chunk], gt_labels[start:start +
                                                                chunk]
        ious = iou_calculator(decoded, gts).detach()
        metric = (scores[:, labels]**alpha *
                  ious**beta).nan_to_num(nan=-float('inf'))
        index = _stable_topk(metric, k)
        parts.append((index, metric.gather(0, index), ious.gather(0, index)))
    index, metric, iou = (torch.cat(p, dim=1) for p in zip(*parts))
    centres = (priors[index, :2] + priors[index, 2:4]) / 2  # (k, G, 2)
    gts = gt_bboxes[None, :, :4]
    inside = torch.cat([centres - gts[..., :2], gts[..., 2:] - centres],
                       dim=-1).min(dim=-1).values > CENTRE_EPS
    return TaskAlignedCandidates(index, metric, iou, (metric > 0) & inside)


def _stable_topk(metric: Tensor, k: int) -> Tensor:
    """Row indices of the ``k`` largest values of each column of ``metric``
    ``(N, G)``, descending, equal values by ascending row index."""
    kth = metric.topk(k, dim=0).values[-1:]
    above, tied = metric > kth, metric == kth
    chosen = above | (tied & (tied.cumsum(0) <= k - above.sum(0)))
    index = chosen.t().nonzero()[:, 1].view(-1, k).t()  # ascending rows
    order = metric.gather(0, index).sort(
        dim=0, descending=True, stable=True).indices
    return index.gather(0, order)


def _check_inputs(decoded: Tensor, scores: Tensor, priors: Tensor,
                  gt_bboxes: Tensor, gt_labels: Tensor, topk: int) -> None:
    num_priors = decoded.size(0)
    if decoded.dim() != 2 or decoded.size(1) != 4:
        raise ValueError('task_aligned_topk: decoded boxes must be (N, 4), '
                         f'got {tuple(decoded.shape)}')
    if priors.shape[0] != num_priors or priors.dim() != 2 or \
            priors.size(1) < 4:
        raise ValueError(f'task_aligned_topk: priors {tuple(priors.shape)} '
                         f'do not match {num_priors} decoded boxes')
    if scores.dim() != 2 or scores.size(0) != num_priors:
        raise ValueError(f'task_aligned_topk: scores {tuple(scores.shape)} '
                         f'do not match {num_priors} decoded boxes')
    if gt_bboxes.dim() != 2 or gt_bboxes.size(1) < 4 or \
            gt_labels.shape != gt_bboxes.shape[:1]:
        raise ValueError('task_aligned_topk: gt_bboxes (G, 4) and gt_labels '
                         f'(G, ) expected, got {tuple(gt_bboxes.shape)} and '
                         f'{tuple(gt_labels.shape)}')
    if topk < 1:
        raise ValueError(f'task_aligned_topk: topk must be >= 1, got {topk}')
    if len(gt_labels) and (int(gt_labels.min()) < 0
                           or int(gt_labels.max()) >= scores.size(1)):
        raise ValueError('task_aligned_topk: gt_labels must lie in '
                         f'[0, {scores.size(1)}), got '
                         f'{gt_labels.min().item()}..'
                         f'{gt_labels.max().item()}')
