"""Proposal bags, random negatives and the top-k merge of SSD-Det."""
import pytest
import torch
from mmdet.structures.bbox import bbox_overlaps

from mmext.models.utils import (box_bags, merge_bag_topk,
                                random_negative_boxes, widen_to_min_size)


def cxcywh(boxes):
    return torch.stack([(boxes[..., 0] + boxes[..., 2]) / 2,
                        (boxes[..., 1] + boxes[..., 3]) / 2, boxes[..., 2] -
                        boxes[..., 0], boxes[..., 3] - boxes[..., 1]],
                       dim=-1)


def test_bag_geometry_hand_checked():
    box = torch.tensor([[110., 120., 130., 160.]])  # centre (120, 140), 20x40
    bags, valid = box_bags(box, (1., 2.), (0.5, ), (1000, 1000))
    assert bags.shape == (1, 4 * 5, 4) and valid.all()
    c = cxcywh(bags[0]).view(4, 5, 4)
    # Every (width scale, height scale) pair, centred on the box.
    sizes = [(20, 40), (20, 80), (40, 40), (40, 80)]
    for (w, h), group in zip(sizes, c):
        assert torch.allclose(group[:, 2:], torch.tensor([[w, h]] * 5).float())
        # Unshifted, then left, right, up, down by half its own size.
        expected = torch.tensor([[120., 140.], [120 - w / 2, 140.],
                                 [120 + w / 2, 140.], [120., 140 - h / 2],
                                 [120., 140 + h / 2]])
        assert torch.allclose(group[:, :2], expected)


@pytest.mark.parametrize('scales,shifts,num', [
    ((1., 1.2, 1.3, 0.8, 0.7), (0.2, ), 125),
    ((1., 1.1, 0.9), (0.1, ), 45),
    ((1., ), (), 1),
])
def test_bag_sizes_of_the_authors_settings(scales, shifts, num):
    boxes = torch.tensor([[10., 10., 50., 50.], [0., 0., 5., 5.]])
    bags, valid = box_bags(boxes, scales, shifts, (100, 100))
    assert bags.shape == (2, num, 4) and valid.shape == (2, num)


def test_bag_validity_is_the_share_inside_the_image():
    # At the right border: the right-shifted proposals lie half outside.
    box = torch.tensor([[80., 40., 100., 60.]])
    bags, valid = box_bags(box, (1., ), (0.5, ), (100, 100))
    inside = bbox_overlaps(
        bags[0], torch.tensor([[0., 0., 100., 100.]]), mode='iof')[:, 0]
    assert torch.equal(valid[0], inside > 0.7)
    assert valid[0].tolist() == [True, True, False, True, True]


def test_negatives_are_drawn_in_the_enlarged_image_and_avoid_the_bags():
    generator = torch.Generator().manual_seed(0)
    bags = torch.tensor([[[10., 10., 60., 60.], [20., 20., 70., 70.]]])
    negatives, valid = random_negative_boxes(
        2000, (100, 200), bags, iou_thr=0.3, generator=generator)
    assert negatives.shape == (2000, 4) and valid.shape == (2000, )
    assert (negatives[:, 0] >= -40).all() and (negatives[:, 2] <= 240).all()
    assert (negatives[:, 1] >= -20).all() and (negatives[:, 3] <= 120).all()
    assert (negatives[:, 2] >= negatives[:, 0]).all()
    max_iou = bbox_overlaps(negatives, bags[0]).max(dim=1)[0]
    assert torch.equal(valid, max_iou < 0.3)
    assert 0 < valid.sum() < 2000
    # An image without boxes: every negative is valid.
    _, valid = random_negative_boxes(10, (100, 200), torch.zeros((0, 4)))
    assert valid.all()


def test_merge_is_the_score_weighted_mean_of_the_top_k():
    bags = torch.tensor([[[0., 0., 10., 10.], [2., 2., 12., 12.],
                          [100., 100., 110., 110.]]])
    scores = torch.tensor([[3., 1., 0.5]])
    merged = merge_bag_topk(bags, scores, k=2)
    assert torch.allclose(merged, torch.tensor([[0.5, 0.5, 10.5, 10.5]]))
    # k larger than the bag: all proposals.
    merged = merge_bag_topk(bags, scores, k=7)
    expected = (bags[0] * torch.tensor([[3.], [1.], [.5]])).sum(0) / 4.5
    assert torch.allclose(merged[0], expected)
    # All-zero scores: the plain mean, not a box at the origin.
    merged = merge_bag_topk(bags, torch.zeros(1, 3), k=3)
    assert torch.allclose(merged[0], bags[0].mean(0))


def test_widen_to_min_size_keeps_centres():
    boxes = torch.tensor([[5., 5., 5.2, 9.], [0., 0., 4., 4.]])
    widened = widen_to_min_size(boxes, 1.)
    assert torch.allclose(widened[0], torch.tensor([4.6, 5., 5.6, 9.]))
    assert torch.equal(widened[1], boxes[1])


def test_widen_to_min_size_leaves_long_enough_sides_bit_for_bit():
    """A centre / size round trip would move x1 and y1 by float32 round-off
    (1.5e-6 and 4.8e-6 here); sides of at least min_size stay exact."""
    boxes = torch.tensor([[0.1, 0.3, 100.7,
                           50.9], [13.37, -7.21, 211.93, 19.03],
                          [2.3, 4.1, 2.5, 60.7]])
    widened = widen_to_min_size(boxes, 1.)
    assert torch.equal(widened[:2], boxes[:2])
    assert torch.equal(widened[2, 1::2], boxes[2, 1::2])
    assert widened[2, 2] - widened[2, 0] == pytest.approx(1.)
