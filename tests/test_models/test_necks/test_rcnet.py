import pytest
import torch

from mmext.models.necks import RCNet
from mmext.registry import MODELS

IN_CHANNELS = [8, 16, 32, 64]


def backbone_feats(h: int, w: int, channels=IN_CHANNELS, batch=2):
    """ResNet-like maps (strides 4..32, sizes rounded up) of an h x w image."""
    feats = []
    for i, c in enumerate(channels):
        stride = 4 << i
        feats.append(torch.randn(batch, c, -(-h // stride), -(-w // stride)))
    return feats


@pytest.mark.parametrize('h, w', [(64, 64), (97, 131), (200, 336), (33, 47)])
@pytest.mark.parametrize('start_level, num_outs', [(1, 5), (0, 5), (1, 3),
                                                   (2, 2), (0, 6)])
def test_output_shapes_and_strides(h, w, start_level, num_outs):
    neck = RCNet(
        IN_CHANNELS,
        16,
        num_outs,
        start_level=start_level,
        add_extra_convs='on_input',
        norm_cfg=dict(type='BN'))
    feats = backbone_feats(h, w)
    outs = neck(feats)
    assert len(outs) == num_outs
    expected = [f.shape[-2:] for f in feats[start_level:]]
    while len(expected) < num_outs:  # extra levels halve, rounding up
        expected.append(torch.Size([-(-s // 2) for s in expected[-1]]))
    assert [o.shape[-2:] for o in outs] == expected
    assert all(o.shape[:2] == (2, 16) for o in outs)


@pytest.mark.parametrize('h, w', [(7, 10), (6, 9), (5, 5), (8, 8)])
def test_extra_levels_pad_before_the_conv_and_norm(h, w):
    """As the authors' RCFPN: an odd side is replicate-padded before the
    extra 1x1 conv + BN, then 2x2 max-pooled; in training mode the padded
    row enters BN's batch statistics."""
    torch.manual_seed(0)
    neck = RCNet(
        IN_CHANNELS,
        16,
        5,
        start_level=1,
        add_extra_convs=True,
        norm_cfg=dict(type='BN')).train()
    top = torch.randn(2, 16, h, w)
    feats = [top]
    neck._add_extra_levels(feats)
    x = top
    for conv in neck.extra_convs:
        padded = torch.nn.functional.pad(
            x, [0, x.shape[-1] % 2, 0, x.shape[-2] % 2], mode='replicate')
        x = torch.nn.functional.max_pool2d(conv(padded), 2)
        assert x.shape[-2:] == (-(-padded.shape[-2] // 2),
                                -(-padded.shape[-1] // 2))
    torch.testing.assert_close(feats[-1], x)


def test_gradient_reaches_every_input_level():
    neck = RCNet(IN_CHANNELS, 16, 5, start_level=0)
    neck.init_weights()
    feats = [f.requires_grad_(True) for f in backbone_feats(64, 96)]
    loss = sum(o.square().mean() for o in neck(feats))
    loss.backward()
    for level, f in enumerate(feats):
        assert f.grad is not None and f.grad.abs().sum() > 0, level
    for name, p in neck.named_parameters():
        assert p.grad is not None, name


def test_same_interface_as_fpn():
    """An FPN config works after changing only its type."""
    fpn_cfg = dict(
        type='FPN',
        in_channels=IN_CHANNELS,
        out_channels=16,
        start_level=1,
        add_extra_convs='on_input',
        num_outs=5)
    fpn = MODELS.build(fpn_cfg)
    rcnet = MODELS.build(dict(fpn_cfg, type='RCNet'))
    feats = backbone_feats(128, 160)
    assert [o.shape for o in rcnet(feats)] == [o.shape for o in fpn(feats)]
    # FCOS' and Faster R-CNN's FPN settings too
    MODELS.build(dict(fpn_cfg, type='RCNet', relu_before_extra_convs=True))
    faster = MODELS.build(
        dict(
            type='RCNet', in_channels=IN_CHANNELS, out_channels=16,
            num_outs=5))
    assert len(faster(feats)) == 5 and len(faster.extra_convs) == 0
    # end_level is inclusive, as in mmdet's FPN
    cut = dict(fpn_cfg, add_extra_convs=False, end_level=2, num_outs=2)
    assert [o.shape for o in MODELS.build(dict(cut, type='RCNet'))(feats)] \
        == [o.shape for o in MODELS.build(cut)(feats)]


def test_disabled_parts_give_the_documented_reduced_network():
    torch.manual_seed(0)
    feats = backbone_feats(64, 96)
    plain = RCNet(
        IN_CHANNELS,
        16,
        5,
        start_level=1,
        add_extra_convs=True,
        use_revfp=False,
        use_csn=False)
    plain.init_weights()
    assert plain.revfp is None and plain.csn is None
    # the reduced network is FPN: top-down nearest upsampling + 3x3 convs
    laterals = [
        conv(feats[1 + i]) for i, conv in enumerate(plain.lateral_convs)
    ]
    for conv in plain.extra_convs:
        laterals.append(
            torch.nn.functional.max_pool2d(
                conv(laterals[-1]), 2, 2, ceil_mode=True))
    merged = [laterals[-1]]
    for lateral in laterals[-2::-1]:
        merged.insert(
            0, lateral + torch.nn.functional.interpolate(
                merged[0], size=lateral.shape[-2:], mode='nearest'))
    expected = [conv(x) for conv, x in zip(plain.fpn_convs, merged)]
    for out, ref in zip(plain(feats), expected):
        torch.testing.assert_close(out, ref)

    # RevFP alone: CSN's output is exactly RevFP's
    revfp_only = RCNet(
        IN_CHANNELS, 16, 5, start_level=1, add_extra_convs=True, use_csn=False)
    full = RCNet(IN_CHANNELS, 16, 5, start_level=1, add_extra_convs=True)
    full.load_state_dict(revfp_only.state_dict(), strict=False)
    lat = [c(feats[1 + i]) for i, c in enumerate(full.lateral_convs)]
    full._add_extra_levels(lat)
    for out, ref in zip(revfp_only(feats), full.revfp(lat)):
        torch.testing.assert_close(out, ref)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(plain) < count(revfp_only) < count(full)


def test_parameter_count_matches_the_authors_neck():
    """RetinaNet-R50 neck with BN: the authors' RCFPN has 7.67M parameters
    (6.67M with plain fusion convs); FPN has 8.00M."""
    cfg = dict(
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        start_level=1,
        add_extra_convs='on_input',
        num_outs=5,
        norm_cfg=dict(type='BN'))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert round(count(RCNet(**cfg)) / 1e6, 2) == 7.67
    assert round(count(RCNet(**cfg, fusion_conv_cfg=None)) / 1e6, 2) == 6.67


def test_mismatched_in_channels_is_a_clear_error():
    neck = RCNet([8, 16, 32, 32], 16, 4)
    with pytest.raises(
            ValueError,
            match=r'in_channels\[3\]=32, but input level 3 has 64'):
        neck(backbone_feats(64, 64))
    with pytest.raises(ValueError, match='got 3 input levels'):
        neck(backbone_feats(64, 64)[:3])


@pytest.mark.parametrize('kwargs, message', [
    (dict(in_channels=8), 'in_channels must be a list'),
    (dict(add_extra_convs='on_top'), 'add_extra_convs must be'),
    (dict(num_outs=3), 'num_outs=3 must be >='),
    (dict(start_level=4), 'do not select levels'),
    (dict(end_level=2, num_outs=4), 'equal to them'),
    (dict(in_channels=[8], num_outs=1), 'num_outs >= 2'),
])
def test_bad_arguments(kwargs, message):
    args = dict(in_channels=IN_CHANNELS, out_channels=16, num_outs=5)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        RCNet(**args)


def test_authors_initialisation_and_state_dict_round_trip():
    neck = RCNet(IN_CHANNELS, 16, 5, start_level=1, add_extra_convs=True)
    neck.init_weights()
    node = neck.revfp.nodes[1]
    assert node.gates[0].weight.abs().sum() == 0
    assert node.post_fusion.conv.conv_offset.weight.abs().sum() == 0
    clone = RCNet(IN_CHANNELS, 16, 5, start_level=1, add_extra_convs=True)
    clone.load_state_dict(neck.state_dict())
    feats = backbone_feats(64, 64)
    neck.eval(), clone.eval()
    for a, b in zip(neck(feats), clone(feats)):
        torch.testing.assert_close(a, b)
