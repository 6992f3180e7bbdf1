import pytest
import torch

from mmext.models.layers import CrossScaleShift
from mmext.models.layers.cross_scale_shift import AttentionPooledContext


def test_shift_moves_exactly_the_documented_channels():
    levels, channels = 5, 32  # groups of 32 // 16 = 2 channels
    csn = CrossScaleShift(channels, levels)
    x = torch.arange(
        levels * channels,
        dtype=torch.float32).view(levels, 1, channels, 1,
                                  1).expand(-1, 2, -1, 3, 4)
    out = csn.shift(x)
    assert out.shape == (levels, 2, channels + 4 * 2, 3, 4)
    for level in range(levels):
        # group i of level l comes from level (l - shift_i) mod L
        for group, shift in enumerate((-1, 1, -2, 2)):
            source = (level - shift) % levels
            torch.testing.assert_close(out[level, :, 2 * group:2 * group + 2],
                                       x[source, :, 2 * group:2 * group + 2])
        # the unshifted features follow, whole
        torch.testing.assert_close(out[level, :, 8:], x[level])


def test_output_shapes_match_inputs_for_odd_sizes():
    csn = CrossScaleShift(16, 4, norm_cfg=dict(type='BN'))
    feats = [
        torch.randn(2, 16, h, w)
        for h, w in ((25, 37), (13, 19), (7, 10), (4, 5))
    ]
    outs = csn(feats)
    assert [o.shape for o in outs] == [f.shape for f in feats]


def test_every_level_reaches_every_other_level():
    """Unlike adjacent-only fusion, a change at one level reaches all."""
    torch.manual_seed(0)
    csn = CrossScaleShift(16, 5)
    csn.init_weights()
    feats = [torch.randn(1, 16, 32 >> i, 32 >> i) for i in range(5)]
    feats[4].requires_grad_(True)
    outs = csn(feats)
    for level in range(4):
        grad, = torch.autograd.grad(
            outs[level].sum(), feats[4], retain_graph=True)
        assert grad.abs().sum() > 0, level


def test_attention_pooling_with_flat_scores_is_the_mean():
    pool = AttentionPooledContext(4)
    torch.nn.init.zeros_(pool.score.weight)
    torch.nn.init.zeros_(pool.score.bias)
    torch.nn.init.eye_(pool.transform.weight.view(4, 4))
    torch.nn.init.zeros_(pool.transform.bias)
    x = torch.randn(3, 4, 5, 6)
    torch.testing.assert_close(
        pool(x), x.mean((2, 3), keepdim=True), rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match='at least 2 levels'):
        CrossScaleShift(16, 1)
    with pytest.raises(ValueError, match='exceed'):
        CrossScaleShift(16, 5, shift_divisor=2, shifts=(1, -1, 2))
    with pytest.raises(ValueError, match='expected 3 levels'):
        CrossScaleShift(16, 3)([torch.randn(1, 16, 4, 4)] * 2)


def test_compiled_shift_gives_the_pytorch_module_outputs(compiled_cpu):
    from mmext.ops import compiled_ops_disabled
    torch.manual_seed(0)
    csn = CrossScaleShift(32, 5, norm_cfg=dict(type='BN'))
    csn.init_weights()
    feats = [
        torch.randn(2, 32, 40 >> i, 48 >> i, requires_grad=True)
        for i in range(5)
    ]
    outs = csn(feats)
    grads = torch.autograd.grad(sum(o.square().sum() for o in outs), feats)
    with compiled_ops_disabled():
        ref = csn(feats)
        ref_grads = torch.autograd.grad(
            sum(o.square().sum() for o in ref), feats)
    for a, b in zip(outs + list(grads), ref + list(ref_grads)):
        torch.testing.assert_close(a, b)
