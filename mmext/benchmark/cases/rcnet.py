"""RCNet: its neck and ablations against mmdet's FPN (RetinaNet-R50 neck
settings, ResNet-50 C2-C5 maps), CSN and its shift op, and the DCNv2 fusion
convolution against mmcv's."""
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import Built, models_in_scope, module_steps, pyramid

RETINANET_NECK = dict(
    in_channels=[256, 512, 1024, 2048],
    out_channels=256,
    start_level=1,
    add_extra_convs='on_input',
    num_outs=5)
BN = dict(type='BN', requires_grad=True)


def neck(cfg: dict) -> Callable[[str], Built]:
    """RetinaNet-R50's neck settings on the ResNet-50 C2-C5 maps."""

    def build(device: str) -> Built:
        module = models_in_scope('mmext').build(dict(RETINANET_NECK, **cfg))
        module.init_weights()
        module.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            feats = pyramid(size, device, RETINANET_NECK['in_channels'],
                            (4, 8, 16, 32))
            steps = module_steps(module, (feats, ))
            forward, train = steps['forward'], steps['train']

            def forward_eval() -> None:
                module.eval()
                forward()

            def train_mode() -> None:
                module.train()
                train()

            return dict(forward=forward_eval, train=train_mode)

        return module, steps_for

    return build


def check_neck_size(size: Size) -> None:
    """The necks' BatchNorm cannot train on one value per channel: the
    coarsest output (stride 128) must hold more than one."""
    h, w = size
    if -(-h // 128) * -(-w // 128) < 2:
        raise ValueError(
            f'size {h}x{w} gives the stride-128 level a 1x1 map, on which '
            'BatchNorm cannot train (one value per channel): use a side '
            'over 128')


def csn(ops_enabled: bool) -> Callable[[str], Built]:
    """RCNet's CSN on five 256-channel levels."""

    def build(device: str) -> Built:
        from mmext.models.layers import CrossScaleShift
        module = CrossScaleShift(256, 5, norm_cfg=dict(type='BN'))
        module.init_weights()
        module.to(device)
        return module, lambda size, gts: module_steps(module, (pyramid(
            size, device, grad=True), ), ops_enabled)

    return build


def shift_op(ops_enabled: bool) -> Callable[[str], Built]:
    """The channel shift alone on CSN's stacked stride-8 levels (5 levels x
    batch 2 x 256 channels)."""

    def build(device: str) -> Built:
        from mmext.ops import cross_scale_shift

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            x = torch.randn(
                5,
                2,
                256,
                -(-size[0] // 8),
                -(-size[1] // 8),
                device=device,
                requires_grad=True)
            return module_steps(
                lambda t: cross_scale_shift(t, 16, (-1, 1, -2, 2)), (x, ),
                ops_enabled)

        return None, steps_for

    return build


def dcn(conv_type: str) -> Callable[[str], Built]:
    """RCNet's fusion convolution (3x3 DCNv2, 256 channels, 2 deformable
    groups) on a stride-8 map."""

    def build(device: str) -> Built:
        from mmcv.cnn import build_conv_layer
        models_in_scope('mmext')
        torch.manual_seed(0)
        conv = build_conv_layer(
            dict(type=conv_type, deform_groups=2), 256, 256, 3,
            padding=1).to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            x = pyramid(size, device, (256, ), (8, ), grad=True)[0]
            return module_steps(conv, (x, ))

        return conv, steps_for

    return build


def dcn_op(impl: str) -> Callable[[str], Built]:
    """The fusion convolution's arithmetic alone, given its offsets and mask
    (256 channels, 3x3, 2 deformable groups, stride-8 map): mmext's blocked
    kernel (``kernel``), its grid_sample version (``grid_sample``), or a
    plain 3x3 convolution of the same shape (``conv``), whose GFLOP/s the
    issue measures the others against."""

    def build(device: str) -> Built:
        import torch.nn.functional as F

        from mmext.ops import (modulated_deform_conv2d_cpu,
                               modulated_deform_conv2d_sampled)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            g = torch.Generator().manual_seed(0)
            h, w = -(-size[0] // 8), -(-size[1] // 8)
            x = torch.randn(1, 256, h, w, generator=g)
            weight = torch.randn(256, 256, 3, 3, generator=g) * 0.02
            bias = torch.zeros(256)
            offset = torch.randn(1, 36, h, w, generator=g)
            mask = torch.rand(1, 18, h, w, generator=g)
            args = [
                t.to(device).requires_grad_()
                for t in (x, offset, mask, weight, bias)
            ]
            if impl == 'conv':
                return module_steps(
                    lambda x, weight, bias: F.conv2d(
                        x, weight, bias, padding=1),
                    (args[0], args[3], args[4]))
            if impl == 'kernel':
                return module_steps(
                    lambda *a: modulated_deform_conv2d_cpu(*a, 1, 1, 1, 2),
                    args)
            return module_steps(
                lambda *a: modulated_deform_conv2d_sampled(
                    *a, (1, 1), (1, 1), (1, 1), 2), args)

        return None, steps_for

    return build


FPN = Side('mmdet FPN', neck(dict(type='mmdet.FPN')))
RCNET = dict(type='mmext.RCNet', norm_cfg=BN)
# neck variants against FPN (RetinaNet-R50 settings): name -> (what, label,
# config)
NECKS = {
    'neck-rcnet': ('RCNet neck', 'RCNet', RCNET),
    'neck-rcnet-mmcv-dcn':
    ('RCNet with mmcv\'s DCNv2 kernel', 'RCNet (mmcv DCNv2)',
     dict(RCNET, fusion_conv_cfg=dict(type='DCNv2', deform_groups=2))),
    'neck-rcnet-plain-fusion':
    ('RCNet with plain fusion convs', 'RCNet (plain fusion)',
     dict(RCNET, fusion_conv_cfg=None)),
    'neck-rcnet-no-csn': ('RCNet without CSN', 'RCNet w/o CSN',
                          dict(RCNET, use_csn=False)),
    'neck-rcnet-no-revfp': ('RCNet without RevFP', 'RCNet w/o RevFP',
                            dict(RCNET, use_revfp=False)),
    'neck-pafpn':
    ('PAFPN (for scale)', 'mmdet PAFPN', dict(type='mmdet.PAFPN')),
}
CASES: Dict[str, Case] = {
    name:
    Case(
        what,
        Side(label, neck(cfg)),
        FPN,
        warmup=(256, 256),
        check=check_neck_size)
    for name, (what, label, cfg) in NECKS.items()
}
CASES.update({
    # RCNet's parts and ops
    'csn':
    Case('CrossScaleShift (5 x 256 ch)', Side('compiled shift', csn(True)),
         Side('PyTorch shift', csn(False))),
    'op-cross-scale-shift':
    Case('cross_scale_shift op (5 x 2 x 256 ch, stride 8)',
         Side('mmext._ext', shift_op(True)),
         Side('PyTorch (roll + cat)', shift_op(False))),
    'op-dcnv2':
    Case('DCNv2 3x3, 256 ch, stride 8',
         Side('mmext.FastDCNv2', dcn('mmext.FastDCNv2')),
         Side('mmcv DCNv2', dcn('DCNv2'))),
})
# DCNv2's two CPU paths against a plain convolution of the same shape
DCN_PATHS = {
    'op-dcnv2-vs-conv': ('mmext blocked kernel', 'kernel'),
    'op-dcnv2-grid-sample-vs-conv': ('mmext grid_sample', 'grid_sample'),
}
CASES.update({
    name:
    Case(
        'DCNv2 arithmetic (given offsets, mask), 256 ch, 3x3, 2 groups',
        Side(label, dcn_op(path)),
        Side('plain 3x3 conv', dcn_op('conv')),
        size=(800, 1333))
    for name, (label, path) in DCN_PATHS.items()
})
register_cases(CASES)
