import pytest
import torch
import torch.nn.functional as F

from mmext.ops import single_channel_conv3x3


@pytest.mark.parametrize('channels, size', [((4, 4), (5, 7)),
                                            ((3, 2, 5), (1, 1)),
                                            ((6, ), (8, 3))])
@pytest.mark.parametrize('with_bias', [True, False])
def test_equals_the_plain_conv_of_the_concatenation(channels, size, with_bias):
    torch.manual_seed(0)
    inputs = [
        torch.randn(2, c, *size, dtype=torch.float64, requires_grad=True)
        for c in channels
    ]
    weight = torch.randn(
        1, sum(channels), 3, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(
        1, dtype=torch.float64, requires_grad=True) if with_bias else None
    ours = single_channel_conv3x3(inputs, weight, bias)
    ref = F.conv2d(torch.cat(inputs, 1), weight, bias, padding=1)
    assert ours.shape == (2, 1, *size)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-12)
    grad = torch.randn_like(ref)
    leaves = [*inputs, weight] + ([bias] if with_bias else [])
    ours_grads = torch.autograd.grad(ours, leaves, grad)
    ref_grads = torch.autograd.grad(ref, leaves, grad)
    for a, b in zip(ours_grads, ref_grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_a_weight_of_another_shape_is_refused():
    x = torch.zeros(1, 4, 5, 5)
    with pytest.raises(ValueError, match=r'not \(1, 8, 3, 3\)'):
        single_channel_conv3x3((x, x), torch.zeros(2, 8, 3, 3))
