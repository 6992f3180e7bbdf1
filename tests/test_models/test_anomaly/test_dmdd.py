"""DMDD: decoupled features, the two training stages, prediction, errors."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmext.datasets import PackAnomalyInputs, SynthesizeAnomaly
from mmext.registry import MODELS

CHANNELS = (64, 128, 256)


def build_model(distill_iters=2, student_channels=CHANNELS, **kwargs):
    init_default_scope('mmext')
    teacher = dict(
        type='ResNet',
        depth=18,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(0, 1, 2),
        norm_eval=True)
    model = MODELS.build(
        dict(
            type='DMDD',
            data_preprocessor=dict(
                type='AnomalyDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size=(64, 64)),
            teacher=teacher,
            student=dict(
                type='DecoupledStudent',
                encoder=dict(
                    type='ResNet', depth=18, out_indices=(0, 1, 2, 3)),
                encoder_channels=512,
                out_channels=student_channels),
            seg_head=dict(
                type='MultiPerceptionSegHead',
                in_channels=CHANNELS,
                channels=16),
            distill_iters=distill_iters,
            **kwargs))
    model.init_weights()
    return model


def training_batch(num=2, seed=0):
    np.random.seed(seed)
    synth, pack = SynthesizeAnomaly(), PackAnomalyInputs()
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(num):
        image = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
        samples.append(pack(synth(dict(img=image, img_shape=(64, 64)))))
    return pseudo_collate(samples)


def set_iter(i):
    MessageHub.get_current_instance().update_info('iter', i)


@pytest.mark.slow
def test_decoupled_student_shapes():
    model = build_model()
    normality, abnormality = model.student(torch.zeros(2, 3, 64, 64))
    sizes = [16, 8, 4]
    for n, a, c, s in zip(normality, abnormality, CHANNELS, sizes):
        assert n.shape == a.shape == (2, c, s, s)
    logits = model(torch.zeros(2, 3, 64, 64), mode='tensor')
    assert logits.shape == (2, 1, 16, 16)


def test_distillation_stage_trains_the_student_only():
    model = build_model(distill_iters=2)
    model.train()
    set_iter(1)
    data = model.data_preprocessor(training_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_ngm', 'loss_aim'}
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.student.parameters())
    assert all(p.grad is None for p in model.seg_head.parameters())
    assert all(p.grad is None for p in model.teacher.parameters())
    assert not model.teacher.training


def test_segmentation_stage_freezes_the_student():
    model = build_model(distill_iters=2)
    model.train()
    set_iter(2)
    data = model.data_preprocessor(training_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_focal', 'loss_l1'}
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.student.parameters())
    assert not model.student.training
    assert all(p.grad is not None for p in model.seg_head.parameters()
               if p.requires_grad)


@pytest.mark.slow
def test_losses_go_down_on_a_fixed_batch():
    torch.manual_seed(0)
    model = build_model(distill_iters=15)
    model.train()
    data = model.data_preprocessor(training_batch(4), True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = []
    for i in range(30):
        set_iter(i)
        losses = model(**data, mode='loss')
        total = sum(losses.values())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        history.append(total.item())
    distill, segment = history[:15], history[15:]
    assert distill[-1] < 0.7 * distill[0]
    assert segment[-1] < 0.7 * segment[0]
    assert np.isfinite(history).all()


def test_predict_maps_at_original_size():
    model = build_model(image_score_topk=10)
    model.eval()
    pack = PackAnomalyInputs()
    samples = []
    for ori in [(90, 70), (64, 64)]:
        image = np.zeros((64, 64, 3), np.uint8)
        samples.append(
            pack(
                dict(
                    img=image,
                    img_shape=(64, 64),
                    ori_shape=ori,
                    gt_seg_map=np.zeros(ori, np.uint8))))
    with torch.no_grad():
        outputs = model.test_step(pseudo_collate(samples))
    assert outputs[0].pred_anomaly_map.shape == (90, 70)
    assert outputs[1].pred_anomaly_map.shape == (64, 64)
    for out in outputs:
        score_map = out.pred_anomaly_map.data
        assert ((0 <= score_map) & (score_map <= 1)).all()
        assert 0 <= float(out.pred_score) <= 1
    # The score is the mean of the ten highest values of the input-size map.
    with torch.no_grad():
        data = model.data_preprocessor(pseudo_collate(samples[1:]), False)
        maps = model(data['inputs'], mode='tensor')
        maps = torch.nn.functional.interpolate(
            maps, size=(64, 64), mode='bilinear').sigmoid()
    expected = maps.flatten().topk(10).values.mean()
    assert float(outputs[1].pred_score) == pytest.approx(
        float(expected), rel=1e-5)


def test_predict_maps_at_input_size():
    # DeSTSeg's protocol: the network's own map, against resized masks.
    model = build_model(map_size='input')
    model.eval()
    sample = PackAnomalyInputs()(
        dict(
            img=np.zeros((64, 64, 3), np.uint8),
            img_shape=(64, 64),
            ori_shape=(90, 70),
            gt_seg_map=np.zeros((64, 64), np.uint8)))
    with torch.no_grad():
        outputs = model.test_step(pseudo_collate([sample]))
    assert outputs[0].pred_anomaly_map.shape == (64, 64)
    with pytest.raises(ValueError, match='map_size'):
        build_model(map_size='full')


def test_mismatched_student_is_reported():
    model = build_model(student_channels=(64, 128, 128))
    with pytest.raises(ValueError, match=r'teacher feature \(1, 256, 4, 4\)'):
        model(torch.zeros(1, 3, 64, 64), mode='tensor')
    init_default_scope('mmext')
    student = MODELS.build(
        dict(
            type='DecoupledStudent',
            encoder=dict(type='ResNet', depth=18, out_indices=(0, 1)),
            encoder_channels=128,
            out_channels=CHANNELS))
    with pytest.raises(ValueError, match='gave 2 feature maps'):
        student(torch.zeros(1, 3, 64, 64))


def test_missing_normal_image_is_reported():
    model = build_model()
    batch = training_batch()
    for sample in batch['data_samples']:
        del sample.normal_img
    with pytest.raises(KeyError, match='SynthesizeAnomaly'):
        model.data_preprocessor(batch, True)


def test_bad_arguments():
    with pytest.raises(ValueError, match='image_score_topk'):
        build_model(image_score_topk=0)


def test_discrepancies_by_hand():
    from mmext.models import MultiPerceptionSegHead
    teacher = [
        torch.tensor([3.0, 4.0]).view(1, 2, 1, 1).expand(1, 2, 2, 2),
        torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
    ]
    same = [t * 2 for t in teacher]  # the teacher's direction
    opposite = [-t for t in teacher]
    features, maps = MultiPerceptionSegHead.discrepancies(
        teacher, (same, opposite))
    # Channels: scale 0 (same, opposite), then scale 1, at scale 0's size.
    assert features.shape == (1, 8, 2, 2) and maps.shape == (1, 4, 2, 2)
    assert torch.allclose(features[0, :2, 0, 0], torch.tensor([-.36, -.64]))
    assert torch.allclose(features[0, 2:4, 0, 0], torch.tensor([.36, .64]))
    assert torch.allclose(features[0, 4:6, 1, 1], torch.tensor([-1., 0.]))
    # 1 - cosine: 0 for the same direction, 2 for the opposite one.
    assert torch.allclose(maps[0, :, 0, 0], torch.tensor([0., 2., 0., 2.]))


def test_normal_images_are_normalised_as_the_inputs():
    model = build_model()
    batch = training_batch()
    for sample in batch['data_samples']:
        sample.normal_img.data = batch['inputs'][0].clone()
    data = model.data_preprocessor(batch, True)
    for sample in data['data_samples']:
        assert torch.equal(sample.normal_img.data, data['inputs'][0])
    for sample in batch['data_samples']:
        sample.normal_img = PixelData(
            data=batch['inputs'][0][:, :32, :32].clone())
    with pytest.raises(ValueError, match='differ in size'):
        model.data_preprocessor(batch, True)


@pytest.mark.slow
def test_focal_loss_is_the_binary_focal_loss_of_the_mask():
    """Class-index targets (for mmcv's kernel on CUDA) give the binary focal
    loss of logits against the anomaly mask."""
    from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss

    from mmext.models.utils import mask_at
    torch.manual_seed(0)
    model = build_model(distill_iters=0)
    model.train()
    set_iter(5)
    data = model.data_preprocessor(training_batch(seed=1), True)
    losses = model(**data, mode='loss')
    model.student.eval()
    with torch.no_grad():
        teacher = model.teacher_features(data['inputs'])
        logits = model.seg_head(
            teacher, *model.student_features(data['inputs'], teacher))
        masks = torch.stack([s.gt_sem_seg.data for s in data['data_samples']])
        target = mask_at(masks, logits.shape[-2:])
        focal = model.loss_focal
        expected = focal.loss_weight * py_sigmoid_focal_loss(
            logits.reshape(-1, 1),
            target.reshape(-1, 1),
            gamma=focal.gamma,
            alpha=focal.alpha)
    assert target.sum() > 0
    torch.testing.assert_close(losses['loss_focal'].detach(), expected)
