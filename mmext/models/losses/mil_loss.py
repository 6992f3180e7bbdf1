"""SSD-Det's multiple-instance-learning loss over proposal bags.

Paper: Spatial Self-Distillation for Object Detection with Inaccurate Bounding
Boxes (Wu et al., ICCV 2023), https://arxiv.org/abs/2307.12101.
Compared with the authors' code: docs/fidelity.md#ssd-det.
"""
from typing import Optional

import torch.nn.functional as F
from mmdet.models.losses.gfocal_loss import quality_focal_loss_with_prob
from torch import Tensor, nn

from mmext.registry import MODELS
from ..utils import instance_weights


@MODELS.register_module()
class MILLoss(nn.Module):
    """Bag classification loss of multiple-instance learning (P2BNet, SSD-Det).

    A bag's class score is the instance-weighted sum of its proposals' class
    probabilities, ``S_c = sum_n p_nc * w_nc`` (``w`` from
    :func:`instance_weights`), supervised by the bag's label:

    - ``'bce'``: binary cross-entropy of ``S`` against the one-hot label,
      summed over classes (SSD-Det's first, softmax stage);
    - ``'qfl'``: quality focal loss with ``beta = 2`` on ``S``, summed over
      classes (the authors' ``gfocal_loss``, second, sigmoid stage).

    Bags without a valid proposal carry no loss; the sum over bags is divided
    by the number of bags that do (at least 1).

    Args:
        loss_type (str): ``'bce'`` or ``'qfl'``.
        loss_weight (float): the authors use 0.25 for both stages.
    """

    def __init__(self, loss_type: str = 'bce', loss_weight: float = 1.):
        super().__init__()
        if loss_type not in ('bce', 'qfl'):
            raise ValueError(f"MILLoss loss_type must be 'bce' or 'qfl', got "
                             f'{loss_type!r}')
        self.loss_type = loss_type
        self.loss_weight = loss_weight

    def forward(self,
                cls_prob: Tensor,
                ins_logits: Tensor,
                labels: Tensor,
                valid: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        """Loss of ``G`` bags of ``N`` proposals and ``C`` classes.

        Args:
            cls_prob (Tensor): ``(G, N, C)`` class probabilities.
            ins_logits (Tensor): ``(G, N, C)`` instance logits.
            labels (Tensor): ``(G, )`` class indices in ``[0, C)``.
            valid (Tensor): ``(G, N)`` bool, proposals taking part.
            weight (Tensor, optional): ``(G, )`` bag weights.

        Returns:
            Tensor: scalar loss.
        """
        bag_score = (cls_prob * instance_weights(ins_logits, valid)).sum(1)
        bag_valid = valid.any(dim=1).to(bag_score)
        if weight is not None:
            bag_valid = bag_valid * weight
        if self.loss_type == 'bce':
            target = F.one_hot(labels, bag_score.size(1)).to(bag_score)
            loss = F.binary_cross_entropy(
                bag_score.clamp(0, 1), target, reduction='none').sum(dim=1)
        else:
            loss = quality_focal_loss_with_prob(
                bag_score.clamp(0, 1),
                (labels, labels.new_ones(labels.shape, dtype=bag_score.dtype)),
                reduction='none')
        num_bags = max(float(valid.any(dim=1).sum()), 1.)
        return self.loss_weight * (loss * bag_valid).sum() / num_bags
