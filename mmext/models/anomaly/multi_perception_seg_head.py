"""DMDD's multi-perception segmentation head.

Paper: Dual-Modeling Decouple Distillation for Unsupervised Anomaly Detection
(ACM MM 2024; no official code), https://arxiv.org/abs/2408.03888.
Compared with DeSTSeg's code, which DMDD builds on: docs/fidelity.md#dmdd.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.backbones.resnet import BasicBlock
from mmdet.models.layers import ResLayer
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from mmext.registry import MODELS
from ..utils import DESTSEG_CONV_INIT


def _resize(x: Tensor, size: Tuple[int, int]) -> Tensor:
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


@MODELS.register_module()
class MultiPerceptionSegHead(BaseModule):
    """DMDD's Multi-perception Segmentation Network (Liu et al., ACM MM
    2024): fuses the teacher-student discrepancies of both decoupled branches
    into one anomaly map through several attentions.

    Inputs, per scale, resized to the shallowest scale: the discrepancy
    features ``-t * s`` of the L2-normalised teacher feature and each
    branch's feature (DeSTSeg's segmentation input, for both branches), and
    each branch's cosine-distance anomaly map ``1 - <t, s>``. Perceptions:
    channel attention over the discrepancy features (squeeze-excitation),
    then spatial attention computed from the anomaly maps together with the
    features' channel mean and max (CBAM-style, 7x7). The attended features
    go through DeSTSeg's segmentation layers: two basic blocks to
    ``channels``, then a decoder (``decoder``; by default mmseg's
    ``ASPPHead``: image pooling and dilations 1, 6, 12, 18, a 3x3
    bottleneck, a 1x1 classifier) to one logit per location. The attention
    design is our reading of "multiple attention" (the paper's figure
    details were not available to us).

    Args:
        in_channels (Sequence[int]): The teacher's channels, shallow first.
        channels (int): Width of the segmentation layers. Defaults to 256.
        reduction (int): Channel-attention reduction ratio. Defaults to 16.
        spatial_kernel (int): Spatial-attention kernel. Defaults to 7.
        norm_cfg (dict): Normalisation layers. Defaults to BN.
        decoder (dict): The decoder after the segmentation layers, an mmseg
            decode head; its ``in_channels`` / ``channels`` are
            ``channels``, it predicts one class (threshold 0.5) and takes
            ``norm_cfg`` unless it sets its own. Defaults to DeSTSeg's ASPP
            head (DeepLab's dilations, no dropout).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 256,
                 reduction: int = 16,
                 spatial_kernel: int = 7,
                 norm_cfg: ConfigType = dict(type='BN'),
                 decoder: ConfigType = dict(
                     type='mmseg.ASPPHead',
                     dilations=(1, 6, 12, 18),
                     dropout_ratio=0.0),
                 init_cfg: OptMultiConfig = DESTSEG_CONV_INIT) -> None:
        super().__init__(init_cfg=init_cfg)
        fused = 2 * sum(in_channels)
        num_maps = 2 * len(in_channels)
        self.channel_attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(fused, max(fused // reduction, 1), 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(max(fused // reduction, 1), fused, 1), nn.Sigmoid())
        self.spatial_attention = nn.Sequential(
            nn.Conv2d(
                num_maps + 2, 1, spatial_kernel, padding=spatial_kernel // 2),
            nn.Sigmoid())
        self.fuse = ResLayer(BasicBlock, fused, channels, 2, norm_cfg=norm_cfg)
        decoder = dict(
            decoder,
            in_channels=channels,
            channels=channels,
            num_classes=1,
            threshold=0.5)
        decoder.setdefault('norm_cfg', norm_cfg)
        self.decode = MODELS.build(decoder)

    @staticmethod
    def discrepancies(
            teacher_feats: Sequence[Tensor],
            branch_feats: Sequence[Sequence[Tensor]]) -> Tuple[Tensor, Tensor]:
        """Discrepancy features and anomaly maps at the shallowest scale.

        Returns:
            tuple[Tensor, Tensor]: ``(B, 2 * sum(C_k), H_0, W_0)`` features
            (``-t * s`` for each branch, then each scale) and
            ``(B, 2 * K, H_0, W_0)`` maps ``1 - <t, s>``.
        """
        size = teacher_feats[0].shape[-2:]
        features: List[Tensor] = []
        maps: List[Tensor] = []
        for k, teacher in enumerate(teacher_feats):
            t = F.normalize(teacher, dim=1)
            for branch in branch_feats:
                s = F.normalize(branch[k], dim=1)
                features.append(_resize(-t * s, size))
                maps.append(_resize(1 - (t * s).sum(1, keepdim=True), size))
        return torch.cat(features, dim=1), torch.cat(maps, dim=1)

    def forward(self, teacher_feats: Sequence[Tensor],
                normality_feats: Sequence[Tensor],
                abnormality_feats: Sequence[Tensor]) -> Tensor:
        """
        Args:
            teacher_feats (Sequence[Tensor]): The teacher's features of the
                image, ``(B, C_k, H_k, W_k)`` per scale, shallow first.
            normality_feats, abnormality_feats (Sequence[Tensor]): The
                student's decoupled features, same shapes.

        Returns:
            Tensor: Anomaly logits ``(B, 1, H_0, W_0)``.
        """
        features, maps = self.discrepancies(
            teacher_feats, (normality_feats, abnormality_feats))
        features = features * self.channel_attention(features)
        pooled = torch.cat([
            maps,
            features.mean(1, keepdim=True),
            features.amax(1, keepdim=True)
        ], 1)
        features = features * self.spatial_attention(pooled)
        return self.decode([self.fuse(features)])
