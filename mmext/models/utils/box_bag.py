"""Proposal bags around annotated boxes: SSD-Det's (ICCV 2023) proposal bag
construction, with the authors' sampling (ucas-vg/PointTinyBenchmark, branch
SSD-Det, ``PBR_proposals_from_cfg`` and ``gen_negative_proposals``)."""
from typing import Sequence, Tuple

import torch
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from torch import Tensor

from mmext.ops import box_iou


def widen_to_min_size(boxes: Tensor, min_size: float = 1.) -> Tensor:
    """Boxes ``(..., 4)`` (``x1, y1, x2, y2``) widened about their centres to
    at least ``min_size`` per side: the box coder takes logs of sizes. Sides
    already that long are returned unchanged (bit for bit)."""
    cxcywh = bbox_xyxy_to_cxcywh(boxes)
    cxcywh = torch.cat([cxcywh[..., :2], cxcywh[..., 2:].clamp(min=min_size)],
                       dim=-1)
    long_enough = boxes[..., 2:] - boxes[..., :2] >= min_size
    return torch.where(
        long_enough.repeat(*[1] * (boxes.dim() - 1), 2), boxes,
        bbox_cxcywh_to_xyxy(cxcywh))


def box_bags(boxes: Tensor,
             scale_ratios: Sequence[float],
             shift_ratios: Sequence[float],
             img_shape: Tuple[int, int],
             min_inside: float = 0.7) -> Tuple[Tensor, Tensor]:
    """Proposal bags built around boxes.

    Each box's width and height are scaled by every pair of ``scale_ratios``
    (``R^2`` boxes of the same centre), then each of those is also shifted
    left, right, up and down by ``shift_ratio`` times its own width or
    height, for every shift ratio: ``R^2 * (1 + 4 * S)`` proposals a box.

    Args:
        boxes (Tensor): ``(G, 4)`` boxes, ``x1, y1, x2, y2``.
        scale_ratios (Sequence[float]): width / height scales, ``R`` of them.
        shift_ratios (Sequence[float]): centre shifts, ``S`` of them.
        img_shape (tuple[int, int]): ``(height, width)`` of the image.
        min_inside (float): a proposal is valid when more than this share of
            its area lies inside the image (the authors' 0.7).

    Returns:
        tuple[Tensor, Tensor]: bags ``(G, N, 4)`` and validity ``(G, N)``
        (bool), ``N = R^2 * (1 + 4 * S)``.
    """
    scales = boxes.new_tensor(scale_ratios)
    cxcywh = bbox_xyxy_to_cxcywh(boxes)
    # (G, R, R, 2): every (width scale, height scale) pair.
    wh = torch.stack(
        torch.broadcast_tensors(cxcywh[:, None, None, 2] * scales[:, None],
                                cxcywh[:, None, None, 3] * scales[None, :]),
        dim=-1).flatten(1, 2)
    centres = cxcywh[:, None, :2].expand_as(wh)
    directions = boxes.new_tensor([[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]])
    shifted = [centres[:, :, None]]
    for ratio in shift_ratios:
        shifted.append(centres[:, :, None] +
                       ratio * directions[None, None, 1:] * wh[:, :, None])
    centres = torch.cat(shifted, dim=2)
    wh = wh[:, :, None].expand_as(centres)
    bags = bbox_cxcywh_to_xyxy(torch.cat([centres, wh], dim=-1)).flatten(1, 2)
    height, width = img_shape
    image = boxes.new_tensor([[0, 0, width, height]])
    inside = box_iou(bags.reshape(-1, 4), image, mode='iof')
    return bags, (inside.view(bags.shape[:2]) > min_inside)


def random_negative_boxes(
        num: int,
        img_shape: Tuple[int, int],
        bags: Tensor,
        iou_thr: float = 0.3,
        generator: torch.Generator = None) -> Tuple[Tensor, Tensor]:
    """Random background boxes for an image, SSD-Det's negative bag.

    Corners are drawn uniformly over the image enlarged by 20% to the top
    left and right bottom (the authors' sampling: ``x1 ~ U(-0.2 W, W)``,
    ``x2 ~ U(x1, 1.2 W)``, likewise in y). A box is a valid negative when
    its IoU with every proposal of ``bags`` is below ``iou_thr``.

    Args:
        num (int): boxes to draw.
        img_shape (tuple[int, int]): ``(height, width)``.
        bags (Tensor): ``(..., 4)`` proposals of the image's objects.
        iou_thr (float): the authors' 0.3.
        generator (torch.Generator, optional): random source.

    Returns:
        tuple[Tensor, Tensor]: boxes ``(num, 4)`` and validity ``(num, )``.
    """
    height, width = img_shape
    rand = torch.rand((4, num), generator=generator).to(bags)
    x1 = -0.2 * width + rand[0] * 1.2 * width
    y1 = -0.2 * height + rand[1] * 1.2 * height
    x2 = x1 + rand[2] * (1.2 * width - x1)
    y2 = y1 + rand[3] * (1.2 * height - y1)
    negatives = torch.stack([x1, y1, x2, y2], dim=1)
    proposals = bags.reshape(-1, 4)
    if len(proposals) == 0:
        return negatives, negatives.new_ones(num, dtype=torch.bool)
    ious = box_iou(negatives, proposals)
    return negatives, (ious < iou_thr).all(dim=1)


def merge_bag_topk(bags: Tensor, scores: Tensor, k: int) -> Tensor:
    """One box per bag: the score-weighted mean of its ``k`` best proposals.

    Args:
        bags (Tensor): ``(G, N, 4)``.
        scores (Tensor): ``(G, N)`` non-negative.
        k (int): proposals merged (the authors' 7); at most ``N``.

    Returns:
        Tensor: ``(G, 4)``; a bag whose best scores are all zero gets the
        plain mean of its first ``k``.
    """
    top_scores, index = scores.topk(min(k, scores.size(1)), dim=1)
    total = top_scores.sum(dim=1, keepdim=True)
    weights = torch.where(total > 0, top_scores / total.clamp(min=1e-12),
                          torch.full_like(top_scores, 1. / index.size(1)))
    picked = bags.gather(1, index[..., None].expand(-1, -1, 4))
    return (picked * weights[..., None]).sum(dim=1)
