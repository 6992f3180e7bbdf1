"""DMDD's decoupled student: normality and abnormality features.

Paper: Dual-Modeling Decouple Distillation for Unsupervised Anomaly Detection
(ACM MM 2024; no official code), https://arxiv.org/abs/2408.03888.
Compared with DeSTSeg's code, which DMDD builds on: docs/fidelity.md#dmdd.
"""
from typing import List, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.backbones.resnet import BasicBlock
from mmdet.models.layers import ResLayer
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.model import BaseModule
from torch import Tensor

from mmext.registry import MODELS
from ..utils import DESTSEG_CONV_INIT


@MODELS.register_module()
class DecoupledStudent(BaseModule):
    """DMDD's student (Liu et al., ACM MM 2024): an encoder-decoder
    whose features at each teacher scale are decoupled into normality and
    abnormality features.

    The encoder (any backbone; DeSTSeg's randomly initialised ResNet-18 in
    the configs) ends at one stride below the teacher's deepest scale. The
    decoder is DeSTSeg's: no skip connections, the deepest feature goes
    through ``num_blocks`` basic blocks, then, for each teacher scale from
    deep to shallow, is resized to that scale and goes through
    ``num_blocks`` blocks to the teacher's channels. The decoupling head of
    each scale expands the ``C`` channels to ``2C`` with 1x1 convolutions
    (conv-BN-ReLU, conv) and splits them into the normality and abnormality
    features (``C`` each), so both branches have the same capacity.

    Args:
        encoder (dict): Backbone config; it must return one more feature map
            than ``out_channels``, at the teacher's strides plus a deeper
            one.
        encoder_channels (int): Channels of the encoder's deepest output.
        out_channels (Sequence[int]): The teacher's channels, shallow first.
        num_blocks (int): Basic blocks per decoder stage. Defaults to 2.
        norm_cfg (dict): Normalisation layers. Defaults to BN.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 encoder: ConfigType,
                 encoder_channels: int,
                 out_channels: Sequence[int],
                 num_blocks: int = 2,
                 norm_cfg: ConfigType = dict(type='BN'),
                 init_cfg: OptMultiConfig = DESTSEG_CONV_INIT) -> None:
        super().__init__(init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        self.out_channels = tuple(out_channels)
        self.bottom = ResLayer(
            BasicBlock,
            encoder_channels,
            encoder_channels,
            num_blocks,
            norm_cfg=norm_cfg)
        self.up_layers = nn.ModuleList()
        channels = encoder_channels
        for out in reversed(self.out_channels):
            self.up_layers.append(
                ResLayer(
                    BasicBlock, channels, out, num_blocks, norm_cfg=norm_cfg))
            channels = out
        self.decouple_heads = nn.ModuleList(
            nn.Sequential(
                ConvModule(c, 2 * c, 1, norm_cfg=norm_cfg),
                nn.Conv2d(2 * c, 2 * c, 1)) for c in self.out_channels)

    def forward(self, x: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """
        Args:
            x (Tensor): Images, ``(B, 3, H, W)``.

        Returns:
            tuple[list[Tensor], list[Tensor]]: Normality and abnormality
            features, one ``(B, C_k, H_k, W_k)`` per teacher scale, shallow
            first.
        """
        encoded = self.encoder(x)
        if len(encoded) != len(self.out_channels) + 1:
            raise ValueError(
                f'the student encoder gave {len(encoded)} feature maps; '
                f'DecoupledStudent needs {len(self.out_channels) + 1} (one '
                'per teacher scale and a deeper one): set its out_indices')
        feat = self.bottom(encoded[-1])
        decoded = []
        for layer, scale in zip(self.up_layers, reversed(encoded[:-1])):
            feat = F.interpolate(
                feat,
                size=scale.shape[-2:],
                mode='bilinear',
                align_corners=False)
            feat = layer(feat)
            decoded.append(feat)
        normality, abnormality = [], []
        for feat, head in zip(reversed(decoded), self.decouple_heads):
            n, a = head(feat).chunk(2, dim=1)
            normality.append(n)
            abnormality.append(a)
        return normality, abnormality
