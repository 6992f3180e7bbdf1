import pytest
import torch
import torch.nn.functional as F

from mmext.models.layers import resize_to_level
from mmext.models.layers.pyramid_resize import adaptive_max_pool2d_by_windows


@pytest.mark.parametrize('h, w', [(8, 8), (7, 9), (13, 21)])
def test_halving_matches_replicate_pad_then_pool(h, w):
    """The authors pad odd maps by replication, then 2x2 max-pool."""
    x = torch.randn(2, 3, h, w)
    reference = F.max_pool2d(F.pad(x, [0, w % 2, 0, h % 2], 'replicate'), 2)
    out = resize_to_level(x, ((h + 1) // 2, (w + 1) // 2))
    torch.testing.assert_close(out, reference)


def test_adaptive_pool_when_asked_or_ratio_is_not_two():
    x = torch.randn(1, 2, 13, 21)
    torch.testing.assert_close(
        resize_to_level(x, (7, 11), adaptive_pool=True),
        F.adaptive_max_pool2d(x, (7, 11)))
    torch.testing.assert_close(
        resize_to_level(x, (4, 6)), F.adaptive_max_pool2d(x, (4, 6)))
    y = torch.randn(1, 2, 16, 24)  # exact 4x: plain pooling
    torch.testing.assert_close(
        resize_to_level(y, (4, 6), adaptive_pool=True), F.max_pool2d(y, 4))


def test_upsampling_is_bilinear_and_identity_is_free():
    x = torch.randn(1, 2, 5, 7)
    assert resize_to_level(x, (5, 7)) is x
    torch.testing.assert_close(
        resize_to_level(x, (10, 13)),
        F.interpolate(x, (10, 13), mode='bilinear', align_corners=False))


def test_mixed_directions_are_rejected():
    with pytest.raises(ValueError, match='one axis grows'):
        resize_to_level(torch.randn(1, 1, 4, 8), (8, 4))


@pytest.mark.parametrize('h, w, oh, ow', [(13, 21, 4, 6), (25, 42, 7, 11),
                                          (5, 5, 3, 2), (100, 167, 13, 21),
                                          (7, 9, 7, 9)])
def test_adaptive_pooling_by_windows_equals_pytorchs(h, w, oh, ow):
    """The ONNX-exportable spelling (any sizes) gives the same values."""
    x = torch.randn(2, 3, h, w)
    assert torch.equal(
        adaptive_max_pool2d_by_windows(x, (oh, ow)),
        F.adaptive_max_pool2d(x, (oh, ow)))


@pytest.mark.parametrize('h, w, oh, ow', [(5, 8, 3, 4), (13, 21, 4, 6)])
def test_adaptive_pooling_by_windows_exports_to_the_same_values(
        h, w, oh, ow, tmp_path):
    """Through ONNX Runtime too (a ceiling spelt ``-(-a // b)`` on traced
    sizes exported one short: RCNet's top level differed)."""
    ort = pytest.importorskip('onnxruntime')

    class Pool(torch.nn.Module):

        def forward(self, x):
            return adaptive_max_pool2d_by_windows(x, (oh, ow))

    x = torch.randn(2, 3, h, w)
    path = str(tmp_path / 'pool.onnx')
    torch.onnx.export(
        Pool(), (x, ), path, dynamo=False, opset_version=17, input_names=['x'])
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = torch.from_numpy(session.run(None, {'x': x.numpy()})[0])
    assert torch.equal(got, F.adaptive_max_pool2d(x, (oh, ow)))
