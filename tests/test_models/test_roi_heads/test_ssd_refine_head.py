"""SSDRefineHead: shapes, SPSD and SISD targets, edge cases (no boxes, a
single tiny box, boxes at borders), rescaling, and learning."""
import math

import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData

from mmext.models.roi_heads import SSDRefineHead
from mmext.utils import register_all_modules

NUM_CLASSES = 3


@pytest.fixture(autouse=True)
def registered():
    register_all_modules()


def make_head(**kwargs) -> SSDRefineHead:
    torch.manual_seed(0)
    cfg = dict(
        num_classes=NUM_CLASSES,
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=1),
            out_channels=8,
            featmap_strides=[4, 8]),
        in_channels=8,
        fc_channels=32,
        train_cfg=dict(num_negatives=50))
    cfg.update(kwargs)
    head = SSDRefineHead(**cfg)
    head.init_weights()
    return head


def features(size: int = 64):
    torch.manual_seed(1)
    return (torch.rand(2, 8, size // 4, size // 4, requires_grad=True),
            torch.rand(2, 8, size // 8, size // 8, requires_grad=True))


def sample(boxes, labels, img_shape=(64, 64), scale=1.):
    data_sample = DetDataSample(
        metainfo=dict(
            img_shape=img_shape,
            ori_shape=(round(img_shape[0] / scale),
                       round(img_shape[1] / scale)),
            scale_factor=(scale, scale)))
    data_sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long))
    return data_sample


def batch():
    return [
        sample([[10., 12., 30., 40.], [40., 40., 60., 50.]], [0, 2]),
        sample([[5., 5., 25., 25.]], [1])
    ]


def test_refine_shapes():
    head = make_head()
    boxes, labels, shapes = head.unpack_boxes(batch())
    bags, spsd, first, second = head.refine(features(), boxes, labels, shapes)
    refined, scores = second.boxes, second.bag_scores
    assert refined.shape == (3, 4) and scores.shape == (3, )
    assert bags.bags.shape == (3, 125, 4)
    assert spsd.bags.shape == (3, 125, 4)
    assert first.bags.shape == (3, 125, 4)
    assert first.cls.shape == (3, 125, NUM_CLASSES + 1)
    assert second.cls.shape == (3, 125, NUM_CLASSES)
    assert second.iou_pred.shape == (3, 125)
    assert first.boxes.shape == (3, 4)
    # Softmax over C + 1 in the first stage, sigmoid in the second.
    assert torch.allclose(first.cls.sum(-1), torch.ones(3, 125))
    assert ((scores >= 0) & (scores <= 1)).all()
    # The score is the bag's class-times-instance score weighted by the SISD
    # confidence (the authors' dynamic_weight in EP2BplusHead / merge_box).
    iou_pred = second.iou_pred
    low, high = iou_pred.min(
        1, keepdim=True)[0], iou_pred.max(
            1, keepdim=True)[0]
    confidence = (iou_pred - low) / (high - low)
    instance = second.ins.softmax(dim=1)
    index = torch.arange(3)
    expected = (second.cls * instance)[index, :, torch.cat(labels)]
    assert torch.allclose(scores, (expected * confidence).sum(1), atol=1e-6)


def test_spsd_target_is_the_noisy_box_from_each_proposal():
    """With a zero SPSD regressor the loss is the summed |target| of the
    proposals' deltas to their noisy box averaged over proposals (the
    authors' loss_distill: L1 with avg_factor = proposals, not the mean over
    coordinates), checked from the bag geometry: a proposal scaled by
    (sw, sh) and shifted by s of its size has deltas
    (-+s / 0.1, 0, -log(sw) / 0.2, -log(sh) / 0.2) (or x / y swapped)."""
    head = make_head()
    torch.nn.init.zeros_(head.spsd_reg.weight)
    torch.nn.init.zeros_(head.spsd_reg.bias)
    # Far from the borders: every proposal is valid and none is clipped.
    data = [
        sample([[24., 24., 40., 40.]], [0], img_shape=(64, 64)),
        sample([], [])
    ]
    losses = head.loss(features(), data)
    total, count = 0., 0
    scales = (1., 1.2, 1.3, 0.8, 0.7)
    for sw in scales:
        for sh in scales:
            base = abs(math.log(sw)) / 0.2 + abs(math.log(sh)) / 0.2
            total += base + (base + 0.2 / 0.1) * 4
            count += 5
    expected = 0.25 * total / count
    assert losses['loss_spsd'].item() == pytest.approx(expected, rel=1e-4)
    # A zero regressor leaves the bag as it is.
    boxes, labels, shapes = head.unpack_boxes(data)
    stages = head.refine(features(), boxes, labels, shapes)
    assert torch.allclose(stages.spsd.bags, stages.bags.bags, atol=1e-4)


def test_regressed_bags_are_not_clipped_to_the_image():
    """The authors decode SPSD's and the cascade's deltas without max_shape:
    with zero regressors a bag at the border passes through unchanged, the
    parts outside the image included; only merged boxes are clipped."""
    head = make_head()
    for layer in (head.spsd_reg, head.cascade_reg):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    data = [sample([[0., 0., 12., 20.]], [0]), sample([], [])]
    boxes, labels, shapes = head.unpack_boxes(data)
    bags, spsd, first, second = head.refine(features(), boxes, labels, shapes)
    assert (bags.bags < 0).any()
    assert torch.allclose(spsd.bags, bags.bags, atol=1e-5)
    assert torch.allclose(first.bags, bags.bags, atol=1e-5)
    assert (second.boxes >= 0).all() and (first.boxes >= 0).all()


def test_sisd_target_is_the_iou_with_the_first_pseudo_box():
    head = make_head()
    x = features()
    boxes, labels, shapes = head.unpack_boxes(batch())
    _, _, first, second = head.refine(x, boxes, labels, shapes)
    target = bbox_overlaps(
        first.bags,
        first.boxes[:, None].expand_as(first.bags),
        is_aligned=True)
    expected = head.loss_sisd(second.iou_pred, (target - 0.5) / 0.5)
    losses = head.loss(x, batch())
    assert losses['loss_sisd'].item() == pytest.approx(
        expected.item(), rel=1e-4)
    assert ((target >= 0) & (target <= 1)).all()


def test_all_losses_are_finite_and_reach_every_branch():
    head = make_head()
    x = features()
    losses = head.loss(x, batch())
    assert set(losses) == {
        'loss_spsd', 'loss_mil_first', 'loss_cascade', 'loss_mil_second',
        'loss_negative', 'loss_sisd'
    }
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name in ('spsd_reg', 'first_cls', 'first_ins', 'cascade_reg',
                 'second_cls', 'second_ins', 'sisd_iou'):
        grad = getattr(head, name).weight.grad
        assert grad is not None and grad.abs().sum() > 0, name
    assert x[0].grad.abs().sum() > 0


def test_batch_without_boxes():
    head = make_head()
    x = features()
    empty = [sample([], []), sample([], [])]
    losses = head.loss(x, empty)
    assert all(v.item() == 0 for v in losses.values())
    sum(losses.values()).backward()
    # DDP needs every parameter in the graph, also without boxes.
    unreached = [name for name, p in head.named_parameters() if p.grad is None]
    assert not unreached
    assert all(p.grad.abs().sum() == 0 for p in head.parameters())
    results = head.predict(x, empty)
    assert [len(r) for r in results] == [0, 0]
    assert head.refine(x, *head.unpack_boxes(empty)) is None
    refined, scores = head.refine_boxes(x, *head.unpack_boxes(empty))
    assert refined.shape == (0, 4) and scores.shape == (0, )


@pytest.mark.parametrize(
    'boxes',
    [
        [[30., 30., 30.4, 30.3]],  # a single tiny box
        [[0., 0., 12., 20.], [50., 44., 64., 64.], [60., 0., 64., 64.]],
    ])
def test_tiny_and_border_boxes_give_finite_losses_and_boxes_in_the_image(
        boxes):
    head = make_head()
    x = features()
    data = [sample(boxes, [0] * len(boxes)), sample([], [])]
    losses = head.loss(x, data)
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    result = head.predict(x, data)[0]
    assert len(result) == len(boxes)
    bboxes = result.bboxes
    assert torch.isfinite(bboxes).all()
    assert (bboxes >= 0).all() and (bboxes <= 64).all()
    assert ((bboxes[:, 2:] - bboxes[:, :2]) >= 1 - 1e-4).all()


def test_predict_keeps_order_labels_and_rescales():
    head = make_head()
    x = features()
    data = batch()
    scaled = [
        sample(
            d.gt_instances.bboxes.tolist(),
            d.gt_instances.labels.tolist(),
            scale=0.5) for d in data
    ]
    plain = head.predict(x, data, rescale=False)
    rescaled = head.predict(x, scaled, rescale=True)
    for p, r, d in zip(plain, rescaled, data):
        assert torch.equal(p.labels, d.gt_instances.labels)
        assert torch.allclose(r.bboxes, p.bboxes * 2, atol=1e-4)
        assert torch.allclose(r.scores, p.scores)


def test_missing_annotations_are_reported():
    head = make_head()
    data_sample = DetDataSample(metainfo=dict(img_shape=(64, 64)))
    with pytest.raises(ValueError, match='add LoadAnnotations'):
        head.predict(features(), [data_sample, data_sample])


def object_features():
    """Two images with one object each, a lit square at [20, 44]^2."""
    maps = []
    for stride in (4, 8):
        feature = torch.zeros(2, 8, 64 // stride, 64 // stride)
        feature[:, :, 20 // stride:44 // stride, 20 // stride:44 // stride] = 1
        maps.append(feature)
    return tuple(maps)


def object_batch():
    return [
        sample([[20., 20., 44., 44.]], [0]),
        sample([[20., 20., 44., 44.]], [1])
    ]


def train(head, loss_names, steps, lr):
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        losses = head.loss(object_features(), object_batch())
        loss = sum(losses[name] for name in loss_names)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append({k: v.item() for k, v in losses.items()})
    return history


@pytest.mark.slow
def test_spsd_learns_to_regress_proposals_onto_the_box():
    history = train(make_head(), ['loss_spsd'], steps=60, lr=3e-3)
    assert history[-1]['loss_spsd'] < 0.8 * history[0]['loss_spsd']


@pytest.mark.slow
def test_joint_training_lowers_both_mil_losses():
    head = make_head()
    history = train(
        head,
        list(head.loss(object_features(), object_batch())),
        steps=40,
        lr=1e-3)
    for name in ('loss_mil_first', 'loss_mil_second'):
        assert history[-1][name] < 0.8 * history[0][name], name
