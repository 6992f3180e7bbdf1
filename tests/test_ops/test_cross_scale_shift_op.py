import pytest
import torch

from mmext.ops import cross_scale_shift, cross_scale_shift_pytorch

SHIFTS = (-1, 1, -2, 2)


def by_hand(x, g, shifts):
    """out[l] = (group s of x[(l - shift_s) mod L] ..., x[l])."""
    levels = x.size(0)
    return torch.stack([
        torch.cat(
            [
                x[(level - shift) % levels, :, s * g:(s + 1) * g]
                for s, shift in enumerate(shifts)
            ] + [x[level]],
            dim=1) for level in range(levels)
    ])


@pytest.mark.parametrize(
    'levels, channels, g, shifts',
    [
        (5, 32, 2, SHIFTS),  # RCNet's CSN: 1/16 of the channels per group
        (2, 8, 2, SHIFTS),  # fewer levels than the largest shift
        (4, 6, 1, (3, -7, 0)),  # shifts beyond the level count, and none
        (3, 8, 2, (1, -1, 2, -2)),  # every channel shifted
        (3, 5, 0, SHIFTS),  # nothing shifted
    ])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_compiled_matches_pytorch_and_by_hand(compiled_cpu, levels, channels,
                                              g, shifts, dtype):
    torch.manual_seed(0)
    x = torch.randn(levels, 2, channels, 5, 7, dtype=dtype, requires_grad=True)
    out = cross_scale_shift(x, g, shifts)
    ref = cross_scale_shift_pytorch(x, g, shifts)
    assert torch.equal(out, ref)
    assert torch.equal(out, by_hand(x.detach(), g, shifts))
    grad = torch.randn_like(out)
    got, = torch.autograd.grad(out, x, grad)
    want, = torch.autograd.grad(ref, x, grad)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-12)


def test_gradcheck(compiled_cpu):
    x = torch.randn(3, 1, 6, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: cross_scale_shift(t, 1, SHIFTS),
                                    (x, ))


def test_non_contiguous_and_half_inputs(compiled_cpu):
    x = torch.randn(2, 4, 16, 6, 5).transpose(0, 1)  # (L=4, N=2, ...)
    assert torch.equal(
        cross_scale_shift(x, 1, SHIFTS),
        cross_scale_shift_pytorch(x, 1, SHIFTS))
    xh = x.half()
    assert torch.equal(
        cross_scale_shift(xh, 1, SHIFTS),
        cross_scale_shift_pytorch(xh, 1, SHIFTS))


def test_bad_inputs():
    with pytest.raises(ValueError, match='expects'):
        cross_scale_shift(torch.zeros(2, 3, 4, 5), 1, SHIFTS)
    with pytest.raises(ValueError, match='exceed the 6 channels'):
        cross_scale_shift(torch.zeros(2, 1, 6, 2, 2), 2, SHIFTS)


def test_cuda_matches_cpu(compiled_cuda):
    x = torch.randn(5, 2, 256, 25, 38, requires_grad=True)
    xc = x.detach().cuda().requires_grad_(True)
    out, outc = cross_scale_shift(x, 16,
                                  SHIFTS), cross_scale_shift(xc, 16, SHIFTS)
    assert torch.equal(outc.cpu(), out)
    grad = torch.randn_like(out)
    g, = torch.autograd.grad(out, x, grad)
    gc, = torch.autograd.grad(outc, xc, grad.cuda())
    torch.testing.assert_close(gc.cpu(), g)
