import pytest
import torch
from mmcv.ops import ModulatedDeformConv2dPack, modulated_deform_conv2d

import mmext.ops.modulated_deform_conv as dcn_module
from mmext.ops import (FastModulatedDeformConv2dPack, compiled_ops_disabled,
                       modulated_deform_conv2d_cpu,
                       modulated_deform_conv2d_sampled)

requires_ext = pytest.mark.skipif(
    dcn_module.ext_module is None, reason='mmext._ext is not built')
# mmext's two CPU versions of mmcv's modulated_deform_conv2d.
IMPLEMENTATIONS = [
    pytest.param(modulated_deform_conv2d_sampled, id='grid_sample'),
    pytest.param(
        modulated_deform_conv2d_cpu, id='blocked_kernel', marks=requires_ext)
]


def _inputs(n, c, h, w, c_out, k, stride, pad, dil, groups, offset_std):
    torch.manual_seed(0)
    ho = (h + 2 * pad - dil * (k - 1) - 1) // stride + 1
    wo = (w + 2 * pad - dil * (k - 1) - 1) // stride + 1
    x = torch.randn(n, c, h, w, dtype=torch.float64, requires_grad=True)
    offset = (torch.randn(n, 2 * groups * k * k, ho, wo, dtype=torch.float64) *
              offset_std).requires_grad_(True)
    mask = torch.rand(
        n, groups * k * k, ho, wo, dtype=torch.float64).requires_grad_(True)
    weight = torch.randn(
        c_out, c, k, k, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(c_out, dtype=torch.float64, requires_grad=True)
    return x, offset, mask, weight, bias


@pytest.mark.parametrize('implementation', IMPLEMENTATIONS)
@pytest.mark.parametrize(
    'h, w, k, stride, pad, dil, groups, offset_std',
    [
        (9, 11, 3, 1, 1, 1, 2, 1.0),  # RCNet's fusion convs
        (8, 8, 3, 2, 1, 1, 1, 2.0),  # stride 2
        (7, 10, 3, 1, 2, 2, 4, 0.5),  # dilation, more deformable groups
        (5, 6, 1, 1, 0, 1, 1, 1.0),  # 1x1
        (1, 7, 3, 1, 1, 1, 1, 3.0),  # a single row
        (6, 6, 3, 1, 1, 1, 2, 8.0),  # offsets far outside the image
    ])
def test_matches_mmcv_kernel_forward_and_backward(h, w, k, stride, pad, dil,
                                                  groups, offset_std,
                                                  implementation, monkeypatch):
    args = _inputs(2, 8, h, w, 6, k, stride, pad, dil, groups, offset_std)
    conv = dict(
        stride=(stride, stride),
        padding=(pad, pad),
        dilation=(dil, dil),
        deform_groups=groups)
    # Blocks of 16 positions: several blocks an image, the last one partial.
    monkeypatch.setattr(dcn_module, 'COLUMN_BLOCK_BYTES', 1)
    ours = implementation(*args, **conv)
    ref = modulated_deform_conv2d(*args, conv['stride'], conv['padding'],
                                  conv['dilation'], 1, groups)
    torch.testing.assert_close(ours, ref)
    grad = torch.randn_like(ref)
    ours_grads = torch.autograd.grad(ours, args, grad)
    ref_grads = torch.autograd.grad(ref, args, grad)
    for name, a, b in zip(('x', 'offset', 'mask', 'weight', 'bias'),
                          ours_grads, ref_grads):
        # offsets on exact integer positions have one-sided derivatives;
        # random offsets never land there
        torch.testing.assert_close(a, b, msg=f'grad of {name} differs')


def test_zero_offsets_and_unit_mask_is_a_plain_convolution():
    x, _, _, weight, bias = _inputs(1, 4, 6, 7, 3, 3, 1, 1, 1, 1, 0)
    offset = torch.zeros(1, 18, 6, 7, dtype=torch.float64)
    mask = torch.ones(1, 9, 6, 7, dtype=torch.float64)
    out = modulated_deform_conv2d_sampled(x, offset, mask, weight, bias,
                                          (1, 1), (1, 1), (1, 1), 1)
    torch.testing.assert_close(out, torch.conv2d(x, weight, bias, padding=1))


def test_layer_is_mmcv_layer_with_same_results():
    torch.manual_seed(0)
    fast = FastModulatedDeformConv2dPack(8, 8, 3, padding=1, deform_groups=2)
    torch.nn.init.normal_(fast.conv_offset.weight, std=0.1)
    mmcv_layer = ModulatedDeformConv2dPack(8, 8, 3, padding=1, deform_groups=2)
    mmcv_layer.load_state_dict(fast.state_dict())
    x = torch.randn(2, 8, 10, 12)
    torch.testing.assert_close(fast(x), mmcv_layer(x), rtol=1e-4, atol=1e-5)


def test_state_dicts_load_quietly_and_old_keys_are_renamed(capsys):
    """A current state dict loads without mmcv's "upgraded to version 2"
    line; a version-1 one (``<name>_offset.*`` keys) is still renamed."""
    torch.manual_seed(0)
    source = torch.nn.Sequential(FastModulatedDeformConv2dPack(4, 4, 3))
    target = torch.nn.Sequential(FastModulatedDeformConv2dPack(4, 4, 3))
    capsys.readouterr()
    target.load_state_dict(source.state_dict())
    assert 'upgraded' not in ''.join(capsys.readouterr())
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value)

    old = source.state_dict()
    old._metadata = {'0': {'version': 1}}
    for name in ('weight', 'bias'):
        old[f'0_offset.{name}'] = old.pop(f'0.conv_offset.{name}')
    fresh = torch.nn.Sequential(FastModulatedDeformConv2dPack(4, 4, 3))
    fresh.load_state_dict(old, strict=False)
    assert torch.equal(fresh[0].conv_offset.weight,
                       source[0].conv_offset.weight)


@requires_ext
def test_blocked_kernel_float32_within_mmcv_tolerance():
    args = [
        t.detach().float().requires_grad_()
        for t in _inputs(2, 16, 12, 13, 8, 3, 1, 1, 1, 2, 1.5)
    ]
    ours = modulated_deform_conv2d_cpu(*args, 1, 1, 1, 2)
    ref = modulated_deform_conv2d(*args, 1, 1, 1, 1, 2)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    grad = torch.randn_like(ref)
    for a, b in zip(
            torch.autograd.grad(ours, args, grad),
            torch.autograd.grad(ref, args, grad)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@requires_ext
def test_blocked_kernel_same_bits_on_any_number_of_threads(monkeypatch):
    monkeypatch.setattr(dcn_module, 'COLUMN_BLOCK_BYTES', 1)
    args = [
        t.detach().float().requires_grad_()
        for t in _inputs(2, 64, 20, 21, 32, 3, 1, 1, 1, 2, 2.0)
    ]
    previous = torch.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            out = modulated_deform_conv2d_cpu(*args, 1, 1, 1, 2)
            grads = torch.autograd.grad(out, args, torch.ones_like(out))
            results.append((out, *grads))
    finally:
        torch.set_num_threads(previous)
    for one, two in zip(*results):
        assert torch.equal(one, two)


@requires_ext
def test_blocked_kernel_gradcheck():
    args = _inputs(1, 4, 5, 6, 3, 3, 1, 1, 1, 2, 1.0)
    assert torch.autograd.gradcheck(
        lambda *a: modulated_deform_conv2d_cpu(*a, 1, 1, 1, 2), args)


@requires_ext
def test_blocked_kernel_refuses_bad_shapes_by_name():
    x, offset, mask, weight, bias = _inputs(1, 6, 5, 5, 3, 3, 1, 1, 1, 1, 1.)
    with pytest.raises(RuntimeError, match='offset needs 2 \\* deform_groups'):
        modulated_deform_conv2d_cpu(x, offset, mask, weight, bias, 1, 1, 1, 2)
    with pytest.raises(RuntimeError, match='deform_groups=4 must divide'):
        modulated_deform_conv2d_cpu(x, offset, mask, weight, bias, 1, 1, 1, 4)
    with pytest.raises(RuntimeError, match='float32 or float64 CPU tensor'):
        modulated_deform_conv2d_cpu(x.half(), offset, mask, weight, bias, 1, 1,
                                    1, 1)


@requires_ext
def test_layer_runs_the_blocked_kernel_and_falls_back_without_it(monkeypatch):
    torch.manual_seed(0)
    layer = FastModulatedDeformConv2dPack(8, 8, 3, padding=1, deform_groups=2)
    torch.nn.init.normal_(layer.conv_offset.weight, std=0.1)
    x = torch.randn(2, 8, 10, 12)
    calls = []
    monkeypatch.setattr(
        dcn_module, 'modulated_deform_conv2d_cpu',
        lambda *a: calls.append(1) or modulated_deform_conv2d_cpu(*a))
    with_kernel = layer(x)
    assert calls == [1]
    with compiled_ops_disabled():
        without = layer(x)
    assert calls == [1]
    torch.testing.assert_close(with_kernel, without, rtol=1e-4, atol=1e-5)
