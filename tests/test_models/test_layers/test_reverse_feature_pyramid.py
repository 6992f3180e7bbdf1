import pytest
import torch

from mmext.models.layers import FusionNode, ReverseFeaturePyramid


def test_fusion_node_starts_as_an_average():
    node = FusionNode(8, num_inputs=2, conv_cfg=None)
    x1, x2 = torch.randn(2, 8, 6, 6), torch.randn(2, 8, 6, 6)
    torch.testing.assert_close(node.gate(0, x1, x2), (x1 + x2) / 2)
    # zero attention logits: uniform weights, times H*W, leave x2 as it is
    torch.testing.assert_close(node.attend(x1, x2), x2)


def test_attention_logits_equal_the_direct_convolution():
    node = FusionNode(6, num_inputs=2, conv_cfg=None)
    torch.nn.init.normal_(node.attention.weight)
    torch.nn.init.normal_(node.attention.bias)
    x1, x2 = torch.randn(2, 6, 7, 9), torch.randn(2, 6, 7, 9)
    torch.testing.assert_close(
        node.attention_logits(x1, x2),
        node.attention(torch.cat([x1, x2], dim=1)),
        rtol=1e-5,
        atol=1e-5)


def test_fusion_node_gate_is_one_scalar_per_image():
    node = FusionNode(4, num_inputs=2, conv_cfg=None)
    torch.nn.init.normal_(node.gates[0].weight)
    x1, x2 = torch.randn(3, 4, 5, 5), torch.randn(3, 4, 5, 5)
    out = node.gate(0, x1, x2)
    w = (out - x2) / (x1 - x2)
    assert torch.allclose(w, w[:, :1, :1, :1].expand_as(w), atol=1e-4)
    assert ((w > 0) & (w < 1)).all()


def test_gate_pools_x2_before_the_attention():
    """The authors' dynamicFusion: ``weight2 = gap(x2)`` is taken before
    ``x2 = upsample_weight * x2``; the fused map mixes the attended x2."""
    torch.manual_seed(0)
    node = FusionNode(4, num_inputs=2, conv_cfg=None).double()
    for conv in (node.gates[0], node.attention):
        torch.nn.init.normal_(conv.weight)
        torch.nn.init.normal_(conv.bias)
    x1 = torch.randn(2, 4, 5, 6, dtype=torch.float64)
    x2 = torch.randn(2, 4, 5, 6, dtype=torch.float64) + 1
    pooled = torch.cat([x1.mean((2, 3)), x2.mean((2, 3))], 1)[..., None, None]
    w = torch.sigmoid(node.gates[0](pooled))
    logits = node.attention(torch.cat([x1, x2], 1)) * node.temperature / 2
    attended = logits.flatten(1).softmax(1).view(2, 1, 5, 6) * 30 * x2
    expected = node.post_fusion(w * x1 + (1 - w) * attended)
    torch.testing.assert_close(node([x1, x2], (5, 6)), expected)
    # the other reading (gate on the attended x2) is measurably different
    assert not torch.allclose(
        node.gate(0, x1, attended), w * x1 + (1 - w) * attended)


@pytest.mark.parametrize('num_levels', [2, 3, 5])
def test_pyramid_is_one_bottom_up_pass(num_levels):
    """Level l depends on levels <= l + 1 only (local bidirectional
    fusion), and the top node has no upsampling attention."""
    pyramid = ReverseFeaturePyramid(8, num_levels, conv_cfg=None)
    assert [len(n.gates) + 1 for n in pyramid.nodes] == \
        [2] + [3] * (num_levels - 2) + [2]
    assert [n.upsample_attention for n in pyramid.nodes] == \
        [True] * (num_levels - 1) + [False]
    feats = [
        torch.randn(1, 8, 17 >> i, 23 >> i, requires_grad=True)
        for i in range(num_levels)
    ]
    outs = pyramid(feats)
    assert [o.shape for o in outs] == [f.shape for f in feats]
    for level in range(num_levels):
        grads = torch.autograd.grad(
            outs[level].sum(), feats, retain_graph=True, allow_unused=True)
        reached = [g is not None and g.abs().sum() > 0 for g in grads]
        assert reached == [i <= level + 1 for i in range(num_levels)]


def test_fusion_convs_are_dcnv2_with_two_groups():
    from mmcv.ops import ModulatedDeformConv2dPack

    from mmext.ops import FastModulatedDeformConv2dPack
    pyramid = ReverseFeaturePyramid(8, 3)
    conv = pyramid.nodes[1].pre_fusion.conv
    assert isinstance(conv, FastModulatedDeformConv2dPack)
    assert isinstance(conv, ModulatedDeformConv2dPack)
    assert conv.deform_groups == 2
    outs = pyramid([torch.randn(1, 8, 9 >> i, 11 >> i) for i in range(3)])
    assert outs[0].shape == (1, 8, 9, 11)
    # mmcv's own layer (its kernel on every device), by config
    mmcv_pyramid = ReverseFeaturePyramid(
        8, 3, conv_cfg=dict(type='DCNv2', deform_groups=2))
    assert type(mmcv_pyramid.nodes[0].post_fusion.conv) is \
        ModulatedDeformConv2dPack


def test_too_few_levels():
    with pytest.raises(ValueError, match='at least 2 levels'):
        ReverseFeaturePyramid(8, 1)
