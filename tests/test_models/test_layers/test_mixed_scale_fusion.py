"""MixedScaleFusion: level pairing, the weight block's arithmetic, errors."""
import pytest
import torch
import torch.nn.functional as F

from mmext.models.layers import MixedScaleFusion


def pyramid(size, channels=8, levels=4, batch=2):
    h, w = size
    return [
        torch.randn(batch, channels, -(-h // 2**i), -(-w // 2**i))
        for i in range(levels)
    ]


def test_mixes_level_l_with_downscaled_level_l_minus_1():
    torch.manual_seed(0)
    fusion = MixedScaleFusion(in_channels=8, reduction=4)
    fusion.init_weights()
    regular = pyramid((32, 48))
    # The 0.5x image was padded: its maps are larger than their partners.
    downscaled = pyramid((20, 28))
    mixed = fusion(regular, downscaled)

    assert [m.shape for m in mixed] == [r.shape for r in regular]
    assert torch.equal(mixed[0], regular[0])
    linear1, linear2 = fusion.scale_weights[2], fusion.scale_weights[4]
    for level in range(1, 4):
        high = regular[level]
        low = downscaled[level - 1][..., :high.shape[-2], :high.shape[-1]]
        pooled = torch.cat([high, low], 1).mean((2, 3))
        weights = F.softmax(
            F.relu(pooled @ linear1.weight.T) @ linear2.weight.T, dim=1)
        expected = (
            weights[:, 0, None, None, None] * high +
            weights[:, 1, None, None, None] * low)
        torch.testing.assert_close(mixed[level], expected)


def test_weights_are_per_image_and_sum_to_one():
    torch.manual_seed(1)
    fusion = MixedScaleFusion(in_channels=8, reduction=4)
    high, low = torch.randn(3, 8, 5, 5), torch.randn(3, 8, 5, 5)
    weights = fusion.scale_weights(torch.cat([high, low], 1))
    assert weights.shape == (3, 2)
    torch.testing.assert_close(weights.sum(1), torch.ones(3))
    assert not torch.allclose(weights[0], weights[1])


def test_authors_initialisation_and_no_bias():
    fusion = MixedScaleFusion(in_channels=256)
    fusion.init_weights()
    linear1 = fusion.scale_weights[2]
    assert linear1.in_features == 512 and linear1.out_features == 32
    assert linear1.bias is None
    # Kaiming-uniform with a=1: bound = sqrt(6 / ((1 + 1) * fan_in)).
    bound = (6 / (2 * 512))**0.5
    assert linear1.weight.abs().max() <= bound
    assert linear1.weight.abs().max() > 0.9 * bound


def test_errors_name_the_problem():
    fusion = MixedScaleFusion(in_channels=8, reduction=4)
    with pytest.raises(ValueError, match='same number'):
        fusion(pyramid((32, 32)), pyramid((16, 16), levels=3))
    with pytest.raises(ValueError, match='smaller than its regular partner'):
        fusion(pyramid((32, 32)), pyramid((8, 8)))
