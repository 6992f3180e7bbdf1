"""DMDD's dual-modeling distillation loss.

Paper: Dual-Modeling Decouple Distillation for Unsupervised Anomaly Detection
(ACM MM 2024; no official code), https://arxiv.org/abs/2408.03888.
Compared with DeSTSeg's code, which DMDD builds on: docs/fidelity.md#dmdd.
"""
from typing import Dict, Sequence

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmext.registry import MODELS
from ..utils import mask_at


def cosine_similarity_map(a: Tensor, b: Tensor) -> Tensor:
    """Per-location cosine similarity of ``(B, C, H, W)`` maps, ``(B, H, W)``
    out."""
    return F.cosine_similarity(a, b, dim=1)


@MODELS.register_module()
class DualModelingDistillationLoss(BaseModule):
    """DMDD's Dual-Modeling Distillation (Liu et al., ACM MM 2024)
    on a normal-anomaly image pair ``(I_n, I_a)`` with anomaly mask ``M``.

    Normality Guidance Modeling: the student's normality features of ``I_a``
    fit the teacher's features of ``I_n``, everywhere,
    ``L_N = mean_hw(1 - cos(S_n(I_a), T(I_n)))``.

    Abnormality Inverse Mimicking: the abnormality features of ``I_a``
    mimic the teacher's features of ``I_a`` on normal locations and are
    pushed away from them on anomalous ones,
    ``L_A = mean_{M=0}(1 - cos(S_a(I_a), T(I_a)))
    + mean_{M=1} max(0, cos(S_a(I_a), T(I_a)) - margin)``.

    Our readings (the paper's equations were not available to us): the two
    parts of ``L_A`` are averaged over their own locations so that a small
    anomaly still weighs (an image without anomalous location adds no push
    term); ``margin`` 0 pushes to orthogonal. As in DeSTSeg, whose learning
    rate the configs keep, each term is summed over the scales and over the
    images of the batch.

    Args:
        normality_weight (float): Weight of ``L_N``. Defaults to 1.0.
        abnormality_weight (float): Weight of ``L_A``. Defaults to 1.0.
        margin (float): Cosine similarity under which anomalous locations
            are not pushed further. Defaults to 0.0.
    """

    def __init__(self,
                 normality_weight: float = 1.0,
                 abnormality_weight: float = 1.0,
                 margin: float = 0.0) -> None:
        super().__init__()
        if not -1 <= margin < 1:
            raise ValueError(f'margin must be in [-1, 1), got {margin}')
        self.normality_weight = normality_weight
        self.abnormality_weight = abnormality_weight
        self.margin = margin

    def forward(self, normality_feats: Sequence[Tensor],
                abnormality_feats: Sequence[Tensor],
                teacher_normal_feats: Sequence[Tensor],
                teacher_anomalous_feats: Sequence[Tensor],
                masks: Tensor) -> Dict[str, Tensor]:
        """
        Args:
            normality_feats, abnormality_feats (Sequence[Tensor]): The
                student's features of ``I_a``, one ``(B, C_k, H_k, W_k)`` per
                scale.
            teacher_normal_feats, teacher_anomalous_feats (Sequence[Tensor]):
                The teacher's features of ``I_n`` and ``I_a``, same shapes.
            masks (Tensor): Anomaly masks ``(B, 1, H, W)``, 1 anomalous.

        Returns:
            dict[str, Tensor]: ``loss_ngm`` and ``loss_aim``.
        """
        loss_ngm = loss_aim = masks.new_zeros(())
        for s_n, s_a, t_n, t_a in zip(normality_feats, abnormality_feats,
                                      teacher_normal_feats,
                                      teacher_anomalous_feats):
            # Normality: the student's normality features of I_a fit the
            # teacher's features of the normal image I_n.
            loss_ngm = loss_ngm + (1 - cosine_similarity_map(s_n, t_n)).mean(
                dim=(1, 2)).sum()
            anomalous = mask_at(masks, s_a.shape[-2:]).squeeze(1)
            normal = 1 - anomalous
            similarity = cosine_similarity_map(s_a, t_a)
            # Abnormality: close to the teacher where I_a is normal, pushed
            # below the margin where it is anomalous.
            mimic = ((1 - similarity) * normal).sum(dim=(1, 2)) / normal.sum(
                dim=(1, 2)).clamp(min=1)
            push = ((similarity - self.margin).clamp(min=0) * anomalous).sum(
                dim=(1, 2)) / anomalous.sum(dim=(1, 2)).clamp(min=1)
            loss_aim = loss_aim + (mimic + push).sum()
        return dict(
            loss_ngm=self.normality_weight * loss_ngm,
            loss_aim=self.abnormality_weight * loss_aim)
