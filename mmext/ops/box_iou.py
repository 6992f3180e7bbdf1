import torch
from mmcv.ops import bbox_overlaps as mmcv_bbox_overlaps
from mmdet.structures.bbox import bbox_overlaps as mmdet_bbox_overlaps
from torch import Tensor


def box_iou(bboxes1: Tensor,
            bboxes2: Tensor,
            mode: str = 'iou',
            aligned: bool = False) -> Tensor:
    """IoU (or IoF) of ``(x1, y1, x2, y2)`` boxes: ``(m, n)`` of ``(m, 4)``
    and ``(n, 4)`` boxes, or with ``aligned=True`` ``(...)`` of two
    ``(..., 4)`` stacks; the values of mmdet's ``bbox_overlaps``.

    On CUDA, when no gradient is needed, mmcv's compiled ``bbox_overlaps``
    kernel (one fused pass instead of PyTorch's chain of ``m x n x 2``
    intermediates); else mmdet's PyTorch version, which also differentiates
    and is the faster one on CPU (about 2x mmcv's CPU kernel for 30000 x 30
    boxes on 2 threads).
    """
    needs_grad = torch.is_grad_enabled() and (bboxes1.requires_grad
                                              or bboxes2.requires_grad)
    if bboxes1.is_cuda and not needs_grad:
        if aligned:
            return mmcv_bbox_overlaps(
                bboxes1.reshape(-1, 4).contiguous(),
                bboxes2.reshape(-1, 4).contiguous(),
                mode=mode,
                aligned=True).view(bboxes1.shape[:-1])
        if bboxes1.dim() == 2 and bboxes2.dim() == 2:
            return mmcv_bbox_overlaps(
                bboxes1.contiguous(), bboxes2.contiguous(), mode=mode)
    return mmdet_bbox_overlaps(bboxes1, bboxes2, mode=mode, is_aligned=aligned)
