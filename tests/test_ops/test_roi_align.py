"""mmext's CPU RoIAlign against mmcv's kernel: equal bit for bit, forward and
backward, and the layer / extractor that put it in configs."""
import pytest
import torch
from mmcv.ops import RoIAlign as MMCVRoIAlign
from mmcv.ops import roi_align as mmcv_roi_align

from mmext.ops import RoIAlign, compiled_ops_disabled, roi_align
from mmext.ops.ext_loader import ext_module
from mmext.registry import MODELS

pytestmark = pytest.mark.skipif(
    ext_module is None, reason='mmext._ext is not built')


def make_rois(num, dtype, batch=2, seed=0):
    """Boxes of every kind on a 40 x 50 map at scale 0.5 (80 x 100 image):
    inside, across the border, entirely outside, degenerate."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(num, 2, generator=g) * 120 - 10
    wh = torch.rand(num, 2, generator=g) * 60
    wh[::7] = 0  # zero-size boxes
    index = torch.randint(0, batch, (num, 1), generator=g).float()
    return torch.cat([index, xy, xy + wh], 1).to(dtype)


def both(features, rois, output_size, scale, ratio, aligned):
    """(mmcv, mmext) outputs and input gradients for one upstream
    gradient."""
    results = []
    for fn in (
            lambda x: mmcv_roi_align(x, rois, output_size, scale, ratio, 'avg',
                                     aligned),
            lambda x: roi_align(x, rois, output_size, scale, ratio, aligned)):
        x = features.clone().requires_grad_()
        out = fn(x)
        grad = torch.randn(
            out.shape,
            dtype=out.dtype,
            generator=torch.Generator().manual_seed(1))
        out.backward(grad)
        results.append((out.detach(), x.grad))
    return results


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('ratio', [0, 1, 2])
def test_equals_mmcv_bit_for_bit(dtype, aligned, ratio):
    features = torch.randn(
        2, 16, 40, 50, dtype=dtype, generator=torch.Generator().manual_seed(0))
    (ref, ref_grad), (ours, grad) = both(features, make_rois(60, dtype),
                                         (7, 6), 0.5, ratio, aligned)
    assert ours.shape == (60, 16, 7, 6)
    assert torch.equal(ours, ref)
    assert torch.equal(grad, ref_grad)
    assert grad.abs().sum() > 0


def test_no_rois_gives_an_empty_output_and_a_zero_gradient():
    features = torch.randn(1, 4, 8, 8)
    (ref, ref_grad), (ours, grad) = both(features, torch.zeros(0, 5), 7, 1., 0,
                                         True)
    assert ours.shape == ref.shape == (0, 4, 7, 7)
    assert torch.equal(grad, torch.zeros_like(features))
    assert torch.equal(grad, ref_grad)


def test_rois_outside_the_map_pool_zeros():
    features = torch.randn(1, 3, 8, 8)
    rois = torch.tensor([[0., 100., 100., 120., 120.]])
    (_, _), (ours, grad) = both(features, rois, 2, 1., 2, True)
    assert torch.equal(ours, torch.zeros(1, 3, 2, 2))
    assert torch.equal(grad, torch.zeros_like(features))


def test_gradcheck():
    features = torch.randn(1, 2, 6, 7, dtype=torch.float64)
    rois = torch.tensor([[0., 1.3, 0.7, 9.1, 8.2], [0., 3., 2., 5.5, 11.]],
                        dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda x: roi_align(x, rois, 3, 0.5, 2, True),
        features.requires_grad_())


def test_same_result_on_any_number_of_threads():
    features = torch.randn(2, 32, 30, 30)
    rois = make_rois(200, torch.float32)
    previous = torch.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            results.append(both(features, rois, 7, 0.5, 0, True)[1])
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(results[0][0], results[1][0])
    assert torch.equal(results[0][1], results[1][1])


def test_negative_size_rois_are_refused_as_mmcv_does():
    rois = torch.tensor([[0., 5., 5., 2., 8.]])
    with pytest.raises(RuntimeError, match='RoI 0 has a negative size'):
        roi_align(torch.randn(1, 2, 8, 8), rois, 2, 1., 0, True)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r'must be \(K, 5\)'):
        roi_align(torch.randn(1, 2, 8, 8), torch.zeros(3, 4), 2)
    with pytest.raises(ValueError, match='torch.float16'):
        roi_align(torch.randn(1, 2, 8, 8).half(), torch.zeros(0, 5), 2)


@pytest.mark.parametrize('pool_mode', ['avg', 'max'])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float16])
def test_layer_matches_mmcv_and_falls_back_where_it_has_no_kernel(
        pool_mode, dtype):
    features = torch.randn(2, 8, 20, 20).to(dtype)
    rois = make_rois(30, torch.float32).to(dtype)
    ours = RoIAlign(5, 0.25, 2, pool_mode)(features, rois)
    ref = MMCVRoIAlign(5, 0.25, 2, pool_mode)(features, rois)
    assert torch.equal(ours, ref)
    with compiled_ops_disabled():  # mmcv's kernel then
        assert torch.equal(
            RoIAlign(5, 0.25, 2, pool_mode)(features, rois), ref)


def test_extractor_builds_registered_or_mmcv_layers():
    from mmext.utils import register_all_modules
    register_all_modules()
    cfg = dict(
        type='mmext.SingleRoIExtractor',
        roi_layer=dict(type='mmext.RoIAlign', output_size=7),
        out_channels=8,
        featmap_strides=[4, 8])
    extractor = MODELS.build(cfg)
    assert [type(layer) for layer in extractor.roi_layers] == [RoIAlign] * 2
    assert extractor.roi_layers[1].spatial_scale == 1 / 8
    cfg['roi_layer'] = dict(type='RoIAlign', output_size=7)
    assert type(MODELS.build(cfg).roi_layers[0]) is MMCVRoIAlign
    cfg['roi_layer'] = dict(type='mmext.NoSuchLayer', output_size=7)
    with pytest.raises(KeyError, match='neither a layer of mmcv.ops'):
        MODELS.build(cfg)
    feats = [torch.randn(1, 8, 16, 16), torch.randn(1, 8, 8, 8)]
    rois = torch.tensor([[0., 4., 4., 40., 40.], [0., 0., 0., 60., 30.]])
    cfg['roi_layer'] = dict(type='mmext.RoIAlign', output_size=7)
    ours = MODELS.build(cfg)(feats, rois)
    cfg['roi_layer'] = dict(type='RoIAlign', output_size=7)
    assert torch.equal(ours, MODELS.build(cfg)(feats, rois))


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a GPU (mmcv kernel)')
def test_cuda_runs_mmcv_kernel_and_matches_the_cpu_kernel():
    features = torch.randn(2, 16, 40, 50, dtype=torch.float64)
    rois = make_rois(60, torch.float64)
    layer = RoIAlign(7, 0.5, 2)
    cpu = layer(features, rois)
    gpu = layer(features.cuda(), rois.cuda())
    assert torch.equal(gpu,
                       MMCVRoIAlign(7, 0.5, 2)(features.cuda(), rois.cuda()))
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=1e-10)
