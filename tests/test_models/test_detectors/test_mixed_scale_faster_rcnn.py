"""MixedScaleFasterRCNN: the 0.5x copy, the three pyramids, losses averaged
over scales, prediction on each scale, plain Faster R-CNN weights."""
import copy

import numpy as np
import pytest
import torch
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config

from mmext.models.detectors import MixedScaleFasterRCNN
from mmext.models.detectors.mixed_scale_faster_rcnn import average_scale_losses
from mmext.registry import MODELS

CONFIG = ('configs/mixteacher/'
          'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py')


def detector_cfg(**kwargs):
    cfg = copy.deepcopy(Config.fromfile(CONFIG).model.detector)
    cfg.update(kwargs)
    return cfg


def build(**kwargs) -> MixedScaleFasterRCNN:
    torch.manual_seed(0)
    model = MODELS.build(detector_cfg(**kwargs))
    model.init_weights()
    return model


def batch(model, shapes, num_items=(3, 2)):
    packed = demo_mm_inputs(
        batch_size=len(shapes),
        image_shapes=[(3, *s) for s in shapes],
        num_items=list(num_items),
        num_classes=6)
    data = model.data_preprocessor(packed, training=True)
    for sample in data['data_samples']:
        sample.set_metainfo(
            dict(homography_matrix=np.eye(3, dtype=np.float32)))
    return data['inputs'], data['data_samples']


def test_downscale_halves_images_boxes_and_metadata():
    model = build()
    inputs, samples = batch(model, [(150, 203), (101, 65)])
    small, small_samples = model.downscale(inputs, samples)
    assert inputs.shape[-2:] == (160, 224)
    assert small.shape[-2:] == (96, 128)  # 80x112 padded to 32
    for sample, small_sample in zip(samples, small_samples):
        h, w = sample.img_shape
        # ceil(h / 2): the rows of the nearest-neighbour 0.5x copy that come
        # from the image, the authors' rounding (101 -> 51, 65 -> 33, where
        # Python's round gives 50 and 32)
        assert small_sample.img_shape == (-(-h // 2), -(-w // 2))
        assert small_sample.batch_input_shape == (96, 128)
        factor = torch.tensor(
            [small_sample.img_shape[1] / w, small_sample.img_shape[0] / h] * 2)
        torch.testing.assert_close(small_sample.gt_instances.bboxes,
                                   sample.gt_instances.bboxes * factor)
        np.testing.assert_allclose(
            small_sample.homography_matrix,
            np.diag([factor[0].item(), factor[1].item(), 1]),
            rtol=1e-6)
        assert small_sample.homography_matrix.dtype == np.float32
        np.testing.assert_allclose(
            small_sample.scale_factor,
            np.array(sample.scale_factor) * factor[:2].numpy(),
            rtol=1e-6)
    # The originals are untouched.
    assert samples[0].img_shape == (150, 203)


@pytest.mark.parametrize('shape', [(64, 64), (96, 160), (150, 203),
                                   (224, 100)])
def test_three_pyramids_for_several_sizes(shape):
    model = build()
    inputs, samples = batch(model, [shape, shape])
    with torch.no_grad():
        feats = model.extract_scale_feats(inputs, samples,
                                          ('regular', 'downscaled', 'mixed'))
    regular, downscaled, mixed = (
        feats[k][0] for k in ('regular', 'downscaled', 'mixed'))
    assert len(mixed) == len(regular) == 5
    assert [m.shape for m in mixed] == [r.shape for r in regular]
    # Down-scaled level l-1 covers regular level l (same stride in the
    # original image).
    for high, low in zip(regular[1:], downscaled[:-1]):
        assert low.shape[-2] >= high.shape[-2]
        assert low.shape[-1] >= high.shape[-1]
    assert feats['mixed'][1] is samples


def test_only_needed_pyramids_are_computed(monkeypatch):
    model = build()
    inputs, samples = batch(model, [(64, 96), (64, 96)])
    calls = []
    original = model.extract_feat
    monkeypatch.setattr(model, 'extract_feat',
                        lambda x: calls.append(x.shape) or original(x))
    with torch.no_grad():
        model.extract_scale_feats(inputs, samples, ('regular', ))
        assert calls == [inputs.shape]
        model.extract_scale_feats(inputs, samples, ('mixed', ))
        assert len(calls) == 3


@pytest.mark.slow
def test_losses_on_each_scale_are_averaged():
    model = build()
    inputs, samples = batch(model, [(96, 128), (96, 128)])
    losses = model.loss(inputs, samples)
    for scale in ('regular', 'downscaled', 'mixed'):
        for name in ('loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'):
            assert f'{name}_{scale}' in losses
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v)
                for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert model.fusion.scale_weights[2].weight.grad.abs().sum() > 0

    single = build(train_scales=('regular', ))
    assert set(single.loss(inputs, samples)) == {
        'loss_rpn_cls_regular', 'loss_rpn_bbox_regular', 'loss_cls_regular',
        'loss_bbox_regular', 'acc_regular'
    }


def test_average_scale_losses_arithmetic():
    merged = average_scale_losses({
        'regular':
        dict(loss_a=torch.tensor(3.), acc=torch.tensor(90.)),
        'mixed':
        dict(
            loss_a=torch.tensor(6.),
            acc=torch.tensor(60.),
            loss_b=[torch.tensor(2.), torch.tensor(4.)]),
    })
    assert merged['loss_a_regular'].item() == 1.5
    assert merged['loss_a_mixed'].item() == 3.
    assert merged['acc_regular'].item() == 90.  # not a loss: unchanged
    assert [v.item() for v in merged['loss_b_mixed']] == [1., 2.]


def test_empty_ground_truth_image():
    model = build()
    inputs, samples = batch(model, [(96, 128), (96, 128)], num_items=(0, 2))
    losses = model.loss(inputs, samples)
    values = [
        torch.stack(v) if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k
    ]
    assert all(torch.isfinite(v).all() for v in values)


@pytest.mark.parametrize('test_scale', ['regular', 'downscaled', 'mixed'])
def test_predict_on_each_scale_in_original_coordinates(test_scale):
    model = build(test_scale=test_scale)
    model.eval()
    packed = demo_mm_inputs(
        batch_size=1, image_shapes=[(3, 96, 128)], num_classes=6)
    packed['data_samples'][0].set_metainfo(
        dict(scale_factor=(0.5, 0.5), ori_shape=(192, 256)))
    data = model.data_preprocessor(packed, training=False)
    with torch.no_grad():
        results = model.predict(data['inputs'], data['data_samples'])
    pred = results[0].pred_instances
    assert len(pred) > 0
    assert pred.bboxes[:, 2].max() <= 256 + 1e-3
    assert pred.bboxes[:, 3].max() <= 192 + 1e-3
    # In the original frame (rescaled), boxes reach beyond the input size.
    assert pred.bboxes[:, 2:].max() > 128


def test_plain_faster_rcnn_weights_load_except_fusion():
    cfg = detector_cfg()
    plain_cfg = copy.deepcopy(cfg)
    plain_cfg.type = 'mmdet.FasterRCNN'
    for key in ('fusion', 'train_scales', 'test_scale', 'size_divisor'):
        plain_cfg.pop(key, None)
    plain = MODELS.build(plain_cfg)
    model = build()
    result = model.load_state_dict(plain.state_dict(), strict=False)
    assert result.unexpected_keys == []
    assert all(k.startswith('fusion.') for k in result.missing_keys)
    assert result.missing_keys


def test_bad_scale_names():
    with pytest.raises(ValueError, match="unknown scale 'half'"):
        build(train_scales=('regular', 'half'))
    with pytest.raises(ValueError, match='at least one scale'):
        build(train_scales=())
