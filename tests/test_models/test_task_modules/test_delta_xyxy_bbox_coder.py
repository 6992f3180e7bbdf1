"""DeltaXYXYBBoxCoder: hand-checked deltas, the authors' outputs (golden
file, tests/data/golden/ssd_det_delta_xyxy_bbox_coder.json: its ``made_by``
says how it was made), round trip, clipping, several classes, errors."""
import json
import os.path as osp

import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes

from mmext.models.task_modules import DeltaXYXYBBoxCoder

GOLDEN = osp.join(
    osp.dirname(osp.dirname(osp.dirname(__file__))), 'data', 'golden',
    'ssd_det_delta_xyxy_bbox_coder.json')


def test_hand_checked_deltas():
    coder = DeltaXYXYBBoxCoder(target_stds=(0.1, 0.1, 0.1, 0.1))
    roi = torch.tensor([[0., 0., 10., 20.]])
    gt = torch.tensor([[1., 2., 12., 18.]])
    # (1 / 10, 2 / 20, 2 / 10, -2 / 20) / 0.1
    deltas = coder.encode(roi, gt)
    torch.testing.assert_close(deltas, torch.tensor([[1., 1., 2., -1.]]))
    torch.testing.assert_close(coder.decode(roi, deltas), gt)
    # clipped to (h, w) = (15, 11)
    torch.testing.assert_close(
        coder.decode(roi, deltas, max_shape=(15, 11)),
        torch.tensor([[1., 2., 11., 15.]]))


def test_equals_the_authors_coder():
    with open(GOLDEN) as f:
        golden = json.load(f)
    coder = DeltaXYXYBBoxCoder(golden['means'], golden['stds'])
    rois = torch.tensor(golden['rois'], dtype=torch.float64)
    gts = torch.tensor(golden['gts'], dtype=torch.float64)
    pred = torch.tensor(golden['pred'], dtype=torch.float64)
    torch.testing.assert_close(
        coder.encode(rois, gts),
        torch.tensor(golden['deltas'], dtype=torch.float32))
    torch.testing.assert_close(
        coder.decode(rois, pred, max_shape=golden['max_shape']),
        torch.tensor(golden['decoded'], dtype=torch.float64),
        rtol=0,
        atol=1e-12)
    torch.testing.assert_close(
        coder.decode(rois, pred),
        torch.tensor(golden['decoded_noclip'], dtype=torch.float64),
        rtol=0,
        atol=1e-12)


def test_batched_boxes_clip_per_image_and_box_type():
    coder = DeltaXYXYBBoxCoder(use_box_type=True)
    rois = torch.tensor([[[0., 0., 10., 20.]], [[0., 0., 10., 20.]]])
    deltas = torch.tensor([[[0.1, 0.1, 0.2, -0.1]], [[0.1, 0.1, 0.2, -0.1]]])
    out = coder.decode(
        HorizontalBoxes(rois),
        deltas,
        max_shape=torch.tensor([[15, 11], [100, 100]]))
    assert isinstance(out, HorizontalBoxes)
    torch.testing.assert_close(
        out.tensor, torch.tensor([[[1., 2., 11., 15.]], [[1., 2., 12., 18.]]]))


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError, match='same shape'):
        DeltaXYXYBBoxCoder().encode(torch.zeros(2, 4), torch.zeros(3, 4))
