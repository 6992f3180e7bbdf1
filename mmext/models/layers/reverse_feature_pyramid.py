"""The Reverse Feature Pyramid (RevFP) of RCNet: local bidirectional fusion
of each level with its neighbours (Sec. 3.1, Fig. 3).

Paper: RCNet: Reverse Feature Pyramid and Cross-scale Shift Network for Object
Detection (Zong et al., ACM MM 2021), https://arxiv.org/abs/2110.12130.
Compared with the authors' code: docs/fidelity.md#rcnet.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.utils import ConfigType, OptConfigType
from mmengine.model import BaseModule, constant_init, xavier_init
from torch import Tensor

from mmext.ops import FastModulatedDeformConv2dPack, single_channel_conv3x3
from mmext.registry import MODELS
from .pyramid_resize import resize_to_level


class FusionNode(BaseModule):
    """One node of the Reverse Feature Pyramid (RCNet, Sec. 3.1, Fig. 3).

    Fuses the lateral feature of its level ``x1`` with the next coarser
    lateral ``x2`` (upsampled) and, for three-input nodes, the fused output
    of the finer level below ``x3`` (downsampled):

    - feature-guided upsampling: ``x2`` is re-weighted by a spatial softmax
      attention, ``a = HW * softmax_HW(t / sqrt(C) * conv3x3([x1, x2]))``
      with a learnable temperature ``t``;
    - gated fusion: ``w = sigmoid(conv1x1([GAP(x1), GAP(x2)]))`` (one scalar
      per image), ``y = w * x1 + (1 - w) * x2_att``, where ``x2_att`` is the
      attended ``x2`` but the gate pools ``x2`` *before* the attention, as
      the authors' ``dynamicFusion`` does (``weight2 = gap(x2)`` precedes
      ``x2 = upsample_weight * x2``); the figure does not say which;
    - three inputs: ``y`` passes a 3x3 conv, then is gated with ``x3`` the
      same way;
    - a 3x3 output conv in act-conv-norm order.

    Gates and attention start at zero (plain averaging), as in the authors'
    code; the 3x3 convs are modulated deformable convs (DCNv2) with two
    deformable groups by default: mmcv's layer, run by mmcv's kernel on CUDA
    and by :func:`mmext.ops.modulated_deform_conv2d_sampled` on CPU (same
    results, several times faster there). ``dict(type='DCNv2', ...)`` gives
    mmcv's kernel on every device.

    Args:
        channels (int): Channels of every input and of the output.
        num_inputs (int): 2 or 3.
        upsample_attention (bool): Whether ``x2`` is an upsampled input to
            re-weight (False for the top node, whose second input comes from
            below).
        conv_cfg (dict, optional): The 3x3 fusion convs.
        norm_cfg (dict, optional): Norm after the 3x3 fusion convs.
        act_cfg (dict): Activation before the 3x3 fusion convs.
    """

    def __init__(self,
                 channels: int,
                 num_inputs: int,
                 upsample_attention: bool = True,
                 conv_cfg: OptConfigType = dict(
                     type=FastModulatedDeformConv2dPack, deform_groups=2),
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_inputs not in (2, 3):
            raise ValueError(f'num_inputs must be 2 or 3, got {num_inputs}')
        self.gates = nn.ModuleList(
            nn.Conv2d(2 * channels, 1, kernel_size=1)
            for _ in range(num_inputs - 1))
        self.upsample_attention = upsample_attention
        if upsample_attention:
            self.attention = nn.Conv2d(
                2 * channels, 1, kernel_size=3, padding=1)
            self.temperature = nn.Parameter(torch.ones(1))
        fusion_conv = dict(
            in_channels=channels,
            out_channels=channels,
            kernel_size=3,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            order=('act', 'conv', 'norm'))
        if num_inputs == 3:
            self.pre_fusion = ConvModule(**fusion_conv)
        self.post_fusion = ConvModule(**fusion_conv)
        self._zero_gates()

    def _zero_gates(self) -> None:
        for gate in self.gates:
            constant_init(gate, 0)
        if self.upsample_attention:
            constant_init(self.attention, 0)

    def init_weights(self) -> None:
        super().init_weights()
        self._zero_gates()

    def gate_weight(self, index: int, x1: Tensor, x2: Tensor) -> Tensor:
        """``sigmoid(conv1x1([GAP(x1), GAP(x2)]))``, ``(N, 1, 1, 1)``."""
        pooled = torch.cat(
            [x1.mean((2, 3), keepdim=True),
             x2.mean((2, 3), keepdim=True)],
            dim=1)
        return self.gates[index](pooled).sigmoid()

    def gate(self, index: int, x1: Tensor, x2: Tensor) -> Tensor:
        """``w * x1 + (1 - w) * x2`` with ``w`` of :meth:`gate_weight`."""
        return torch.lerp(x2, x1, self.gate_weight(index, x1, x2))

    def attention_logits(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``conv3x3([x1, x2])`` with one output channel
        (:func:`mmext.ops.single_channel_conv3x3`, the same values without
        the concatenation)."""
        return single_channel_conv3x3((x1, x2), self.attention.weight,
                                      self.attention.bias)

    def attend(self, x1: Tensor, x2: Tensor) -> Tensor:
        n, c, h, w = x1.shape
        logits = self.attention_logits(x1, x2)
        logits = logits.flatten(1) * (self.temperature * c**-0.5)
        weights = logits.softmax(dim=1).view(n, 1, h, w) * (h * w)
        return weights * x2

    def forward(self, inputs: Sequence[Tensor], size: Tuple[int,
                                                            int]) -> Tensor:
        """Fuse ``inputs`` (``[x1, x2]`` or ``[x1, x2, x3]``, each
        ``(N, C, H_i, W_i)``) at spatial ``size``."""
        x1, x2, *rest = (resize_to_level(x, size) for x in inputs)
        # Sec. 3.1: the gate's weight from the pooled inputs (before the
        # attention), the coarser input re-weighted over positions, then the
        # gated sum; a third input (the finer level) enters the same way.
        weight = self.gate_weight(0, x1, x2)
        if self.upsample_attention:
            x2 = self.attend(x1, x2)
        out = torch.lerp(x2, x1, weight)
        if rest:
            out = self.gate(1, self.pre_fusion(out), rest[0])
        return self.post_fusion(out)


@MODELS.register_module()
class ReverseFeaturePyramid(BaseModule):
    """Reverse Feature Pyramid (RevFP) of RCNet (Sec. 3.1).

    Local bidirectional fusion in a single bottom-up pass, instead of a
    top-down pyramid followed by a bottom-up one: with lateral features
    ``c_0 .. c_{L-1}`` (finest first),

    - ``p_0 = F(c_0, c_1)``
    - ``p_l = F(c_l, c_{l+1}, p_{l-1})`` for ``0 < l < L-1``
    - ``p_{L-1} = F(c_{L-1}, p_{L-2})``

    where ``F`` is a :class:`FusionNode`. The authors' five-level P3-P7
    layout is the case ``L = 5``; any ``L >= 2`` works.

    Args:
        channels (int): Channels of every level.
        num_levels (int): Number of pyramid levels ``L`` (>= 2).
        conv_cfg, norm_cfg, act_cfg: Of the nodes' 3x3 fusion convs.
    """

    def __init__(self,
                 channels: int,
                 num_levels: int,
                 conv_cfg: OptConfigType = dict(
                     type=FastModulatedDeformConv2dPack, deform_groups=2),
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_levels < 2:
            raise ValueError('ReverseFeaturePyramid needs at least 2 levels, '
                             f'got num_levels={num_levels}')
        self.num_levels = num_levels
        self.nodes = nn.ModuleList()
        for level in range(num_levels):
            is_first, is_last = level == 0, level == num_levels - 1
            self.nodes.append(
                FusionNode(
                    channels,
                    num_inputs=2 if is_first or is_last else 3,
                    upsample_attention=not is_last,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
        self.plain_fusion_convs = conv_cfg is None or conv_cfg.get('type') in (
            'Conv', 'Conv2d')

    def init_weights(self) -> None:
        super().init_weights()
        if self.plain_fusion_convs and self.init_cfg is None:
            # The authors' initialisation of plain (non-deformable) convs.
            for node in self.nodes:
                for name in ('pre_fusion', 'post_fusion'):
                    if hasattr(node, name):
                        xavier_init(
                            getattr(node, name).conv, distribution='uniform')

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """Fuse ``L`` maps ``(N, C, H_l, W_l)``, finest first; returns ``L``
        maps of the same shapes."""
        if len(feats) != self.num_levels:
            raise ValueError(f'expected {self.num_levels} levels, got '
                             f'{len(feats)}')
        outs: List[Tensor] = []
        last = self.num_levels - 1
        for level, node in enumerate(self.nodes):
            inputs = [feats[level]]
            if level < last:
                inputs.append(feats[level + 1])
            if level > 0:
                inputs.append(outs[-1])
            outs.append(node(inputs, feats[level].shape[-2:]))
        return outs
