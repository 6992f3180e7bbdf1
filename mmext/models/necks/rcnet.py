"""The RCNet neck: laterals, RevFP and CSN in place of FPN (Sec. 3).

Paper: RCNet: Reverse Feature Pyramid and Cross-scale Shift Network for Object
Detection (Zong et al., ACM MM 2021), https://arxiv.org/abs/2110.12130.
Compared with the authors' code: docs/fidelity.md#rcnet.
"""
from typing import List, Sequence, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.utils import OptConfigType, OptMultiConfig
from mmengine.model import BaseModule, xavier_init
from torch import Tensor

from mmext.ops import FastModulatedDeformConv2dPack
from mmext.registry import MODELS
from ..layers import CrossScaleShift, ReverseFeaturePyramid

EXTRA_CONV_SOURCES = ('on_input', 'on_lateral', 'on_output')


@MODELS.register_module()
class RCNet(BaseModule):
    """RCNet neck: Reverse Feature Pyramid + Cross-scale Shift Network.

    "RCNet: Reverse Feature Pyramid and Cross-scale Shift Network for Object
    Detection" (ACM MM 2021). A drop-in replacement for mmdet's ``FPN`` with
    the same constructor arguments: 1x1 lateral convs, extra levels, then
    :class:`ReverseFeaturePyramid` (Sec. 3.1) and :class:`CrossScaleShift`
    (Sec. 3.2), each of which can be switched off for the paper's ablations.

    Readings of the authors' code (TempleX98/RCNet, ``RCFPN``) we follow:

    - Extra levels (e.g. P6, P7) are inputs of the fusion, so they are built
      before it, from the level below (replicate-padded to an even size)
      by a 1x1 conv and a 2x2 max-pool,
      whatever truthy ``add_extra_convs`` says ('on_input', 'on_lateral',
      'on_output' or True all mean this, as in the authors' code); with
      ``add_extra_convs=False`` they are plain max-pools, like FPN's.
    - Norms (``norm_cfg``, BN in the authors' configs) follow the lateral,
      extra, fusion and CSN convs; the fusion convs are DCNv2 with two
      deformable groups in act-conv-norm order (on CPU computed by mmext's
      sampling formulation, on CUDA by mmcv's kernel; same results).
    - Laterals, extra and CSN convs use Xavier (uniform) initialisation,
      fusion gates start at zero, DCN offsets at zero.

    With ``use_revfp=False`` the fusion is FPN's top-down pathway (nearest
    upsampling, addition, a 3x3 conv per level); with ``use_csn=False`` the
    fused maps are returned as they are. Both off is an FPN with RCNet's
    extra levels. Unlike the authors' neck, any number of levels (>= 2) and
    any input size work.

    Args:
        in_channels (list[int]): Channels of each backbone level.
        out_channels (int): Channels of every output level.
        num_outs (int): Number of output levels.
        start_level (int): First backbone level used. Defaults to 0.
        end_level (int): Last backbone level used (inclusive, as mmdet's
            FPN), -1 for the last.
        add_extra_convs (bool | str): See above. Defaults to False.
        relu_before_extra_convs (bool): Apply ReLU before each extra 1x1
            conv. Defaults to False.
        norm_cfg (dict, optional): Norm for every conv of the neck.
        fusion_conv_cfg (dict, optional): The 3x3 convs of RevFP's nodes;
            ``None`` for plain convs. Defaults to DCNv2 with 2 deformable
            groups (mmcv's layer with mmext's faster CPU path,
            :class:`mmext.ops.FastModulatedDeformConv2dPack`).
        use_revfp (bool): Use the Reverse Feature Pyramid. Defaults to True.
        use_csn (bool): Use the Cross-scale Shift Network. Defaults to True.
        shift_divisor (int): CSN shifts ``C // shift_divisor`` channels per
            group. Defaults to 16.
        init_cfg (dict or list[dict], optional): Overrides the authors'
            initialisation described above.
    """

    def __init__(self,
                 in_channels: List[int],
                 out_channels: int,
                 num_outs: int,
                 start_level: int = 0,
                 end_level: int = -1,
                 add_extra_convs: Union[bool, str] = False,
                 relu_before_extra_convs: bool = False,
                 norm_cfg: OptConfigType = None,
                 fusion_conv_cfg: OptConfigType = dict(
                     type=FastModulatedDeformConv2dPack, deform_groups=2),
                 use_revfp: bool = True,
                 use_csn: bool = True,
                 shift_divisor: int = 16,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, (list, tuple)):
            raise TypeError('in_channels must be a list of ints, got '
                            f'{in_channels!r}')
        if isinstance(add_extra_convs, str) and \
                add_extra_convs not in EXTRA_CONV_SOURCES:
            raise ValueError(f'add_extra_convs must be a bool or one of '
                             f'{EXTRA_CONV_SOURCES}, got {add_extra_convs!r}')
        self.in_channels = list(in_channels)
        self.out_channels = out_channels
        self.start_level = start_level
        # As mmdet's FPN: end_level is the last backbone level used
        # (inclusive); extra levels only when it is the backbone's last.
        last = len(in_channels) - 1
        self.end_level = len(in_channels) if end_level in (-1, last) \
            else end_level + 1
        if not 0 <= start_level < self.end_level <= len(in_channels):
            raise ValueError(
                f'start_level={start_level}, end_level={end_level} do not '
                f'select levels of in_channels={self.in_channels}')
        num_used = self.end_level - start_level
        if num_outs < num_used or (self.end_level < len(in_channels)
                                   and num_outs != num_used):
            raise ValueError(
                f'num_outs={num_outs} must be >= the {num_used} backbone '
                'levels used (and equal to them when end_level is not the '
                'last level)')
        if num_outs < 2:
            raise ValueError(f'RCNet needs num_outs >= 2, got {num_outs}')
        self.num_outs = num_outs
        self.relu_before_extra_convs = relu_before_extra_convs

        self.lateral_convs = nn.ModuleList(
            ConvModule(c, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None)
            for c in self.in_channels[start_level:self.end_level])
        self.extra_convs = nn.ModuleList()
        if add_extra_convs:
            self.extra_convs.extend(
                ConvModule(
                    out_channels,
                    out_channels,
                    1,
                    norm_cfg=norm_cfg,
                    act_cfg=None) for _ in range(num_outs - num_used))
        self.num_extra = num_outs - num_used

        self.revfp = ReverseFeaturePyramid(
            out_channels,
            num_outs,
            conv_cfg=fusion_conv_cfg,
            norm_cfg=norm_cfg) if use_revfp else None
        self.fpn_convs = None if use_revfp else nn.ModuleList(
            ConvModule(
                out_channels,
                out_channels,
                3,
                padding=1,
                norm_cfg=norm_cfg,
                act_cfg=None) for _ in range(num_outs))
        self.csn = CrossScaleShift(
            out_channels,
            num_outs,
            shift_divisor=shift_divisor,
            norm_cfg=norm_cfg) if use_csn else None

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for m in (self.lateral_convs, self.extra_convs, self.fpn_convs):
                for conv in (m.modules() if m is not None else ()):
                    if isinstance(conv, nn.Conv2d):
                        xavier_init(conv, distribution='uniform')

    def _check_inputs(self, inputs: Sequence[Tensor]) -> None:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'RCNet got {len(inputs)} input levels but '
                             f'in_channels={self.in_channels} has '
                             f'{len(self.in_channels)}')
        for level, (x, c) in enumerate(zip(inputs, self.in_channels)):
            if x.shape[1] != c:
                raise ValueError(
                    f'RCNet: in_channels[{level}]={c}, but input level '
                    f'{level} has {x.shape[1]} channels; set in_channels to '
                    f'{[t.shape[1] for t in inputs]}')

    def _add_extra_levels(self, feats: List[Tensor]) -> None:
        """Append the extra levels: an odd side is replicate-padded to even
        *before* the 1x1 conv (+ norm), then 2x2 max-pooled, as the authors'
        ``RCFPN``; with a norm in training mode the padded row is part of
        the batch statistics, so this differs from convolving first and
        pooling with ``ceil_mode``."""
        for i in range(self.num_extra):
            x = feats[-1]
            h, w = x.shape[-2:]
            x = F.pad(x, [0, w % 2, 0, h % 2], mode='replicate')
            if self.extra_convs:
                if self.relu_before_extra_convs:
                    x = F.relu(x)
                x = self.extra_convs[i](x)
            feats.append(F.max_pool2d(x, kernel_size=2, stride=2))

    def _top_down(self, feats: List[Tensor]) -> List[Tensor]:
        outs = [feats[-1]]
        for feat in feats[-2::-1]:
            outs.insert(
                0, feat +
                F.interpolate(outs[0], size=feat.shape[-2:], mode='nearest'))
        return [conv(x) for conv, x in zip(self.fpn_convs, outs)]

    def forward(self, inputs: Tuple[Tensor]) -> Tuple[Tensor]:
        """Backbone maps ``(N, in_channels[i], H_i, W_i)`` -> ``num_outs``
        maps ``(N, out_channels, H_l, W_l)``, finest first."""
        self._check_inputs(inputs)
        feats = [
            conv(inputs[self.start_level + i])
            for i, conv in enumerate(self.lateral_convs)
        ]
        self._add_extra_levels(feats)
        feats = self.revfp(feats) if self.revfp is not None else \
            self._top_down(feats)
        if self.csn is not None:
            feats = self.csn(feats)
        return tuple(feats)
