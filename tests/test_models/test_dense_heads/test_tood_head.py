"""mmext's TOODHead against mmdet's (the reference): same state dict,
outputs, losses in both assignment stages, and predictions."""
import copy
import os.path as osp

import pytest
import torch
from mmcv.ops import deform_conv2d
from mmdet.models.dense_heads import TOODHead as MMDetTOODHead
from mmengine.config import Config, ConfigDict
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData
from mmengine.utils import get_installed_path

from mmext.models.dense_heads import TOODHead
from mmext.models.task_modules import TaskAlignedAssigner
from mmext.ops import compiled_ops_disabled

IMG_SHAPE = (128, 160)


def head_cfg(anchor_type: str, assigner: str) -> ConfigDict:
    model = Config.fromfile(
        osp.join(
            get_installed_path('mmdet'), '.mim', 'configs', 'tood',
            'tood_r50_fpn_1x_coco.py')).model
    cfg = copy.deepcopy(model.bbox_head)
    cfg.pop('type')
    cfg.pop('_scope_', None)
    cfg.update(
        num_classes=4,
        in_channels=32,  # GroupNorm has 32 groups
        feat_channels=32,
        stacked_convs=2,
        anchor_type=anchor_type)
    train_cfg = copy.deepcopy(model.train_cfg)
    train_cfg.assigner.type = assigner
    cfg.update(train_cfg=train_cfg, test_cfg=copy.deepcopy(model.test_cfg))
    return cfg


def build_pair(anchor_type: str):
    torch.manual_seed(0)
    ref = MMDetTOODHead(**head_cfg(anchor_type, 'TaskAlignedAssigner'))
    ref.init_weights()
    ours = TOODHead(**head_cfg(anchor_type, 'mmext.TaskAlignedAssigner'))
    missing, unexpected = ours.load_state_dict(ref.state_dict(), strict=True)
    assert not missing and not unexpected
    assert isinstance(ours.alignment_assigner, TaskAlignedAssigner)
    return ref, ours


def inputs():
    torch.manual_seed(1)
    feats = tuple(
        torch.randn(2, 32, -(-IMG_SHAPE[0] // s), -(-IMG_SHAPE[1] // s))
        for s in (8, 16, 32, 64, 128))
    gts = [
        InstanceData(
            bboxes=torch.tensor([[10., 12., 60., 70.], [70., 20., 150., 120.],
                                 [40., 40., 40., 90.]]),  # zero width
            labels=torch.tensor([0, 2, 3])),
        InstanceData(
            bboxes=torch.zeros((0, 4)),
            labels=torch.zeros((0, ), dtype=torch.long)),  # no object
    ]
    metas = [
        dict(img_shape=IMG_SHAPE, pad_shape=IMG_SHAPE, scale_factor=(1., 1.))
        for _ in range(2)
    ]
    return feats, gts, metas


@pytest.mark.parametrize('anchor_type', ['anchor_free', 'anchor_based'])
def test_same_outputs_as_mmdet(anchor_type):
    ref, ours = build_pair(anchor_type)
    feats, _, _ = inputs()
    for a, b in zip(ref(feats), ours(feats)):
        for x, y in zip(a, b):
            torch.testing.assert_close(y, x, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('anchor_type', ['anchor_free', 'anchor_based'])
@pytest.mark.parametrize('epoch', [0, 4])  # ATSS stage, task-aligned stage
def test_same_losses_and_gradients_as_mmdet(anchor_type, epoch):
    ref, ours = build_pair(anchor_type)
    feats, gts, metas = inputs()
    losses = []
    # mmdet's TOODHead reads the epoch from the message hub, as in training
    MessageHub.get_current_instance().update_info('epoch', epoch)
    for head in (ref, ours):
        x = tuple(f.clone().requires_grad_(True) for f in feats)
        loss = head.loss_by_feat(*head(x), gts, metas)
        total = sum(
            sum(v) if isinstance(v, list) else v for v in loss.values())
        total.backward()
        losses.append((loss, x))
    (ref_loss, ref_x), (our_loss, our_x) = losses
    assert ref_loss.keys() == our_loss.keys()
    for key in ref_loss:
        for a, b in zip(ref_loss[key], our_loss[key]):
            assert torch.isfinite(b)
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
    for a, b in zip(ref_x, our_x):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-5)


def test_same_predictions_as_mmdet():
    ref, ours = build_pair('anchor_free')
    feats, _, metas = inputs()
    ref.eval(), ours.eval()
    for head in (ref, ours):  # initial scores sit near the 0.01 prior
        head.test_cfg.score_thr = 0.0
    with torch.no_grad():
        ref_pred = ref.predict_by_feat(*ref(feats), batch_img_metas=metas)
        our_pred = ours.predict_by_feat(*ours(feats), batch_img_metas=metas)
    for a, b in zip(ref_pred, our_pred):
        assert len(a) == len(b) > 0
        torch.testing.assert_close(b.bboxes, a.bboxes, rtol=1e-4, atol=1e-3)
        torch.testing.assert_close(b.scores, a.scores, rtol=1e-4, atol=1e-5)
        assert torch.equal(b.labels, a.labels)


def demo_batch(root: str, num: int = 2):
    """The first images of the demo val split with objects, 128x128, and
    their boxes."""
    import json

    import cv2
    with open(osp.join(root, 'annotations', 'instances_val.json')) as f:
        coco = json.load(f)
    imgs, gts = [], []
    for info in coco['images']:
        anns = [a for a in coco['annotations'] if a['image_id'] == info['id']]
        if not anns:
            continue
        img = cv2.imread(osp.join(root, 'val', info['file_name']))
        sx, sy = 128 / img.shape[1], 128 / img.shape[0]
        imgs.append(
            torch.from_numpy(cv2.resize(img,
                                        (128, 128))).permute(2, 0, 1).float() /
            255)
        boxes = torch.tensor([a['bbox'] for a in anns])
        boxes[:, 2:] += boxes[:, :2]
        gts.append(
            InstanceData(
                bboxes=boxes * torch.tensor([sx, sy, sx, sy]),
                # the six demo classes folded into the test head's four
                labels=torch.tensor([a['category_id'] - 1 for a in anns]) % 4))
        if len(imgs) == num:
            break
    return torch.stack(imgs), gts


@pytest.mark.parametrize('epoch', [0, 4])
def test_same_losses_as_mmdet_on_demo_images(demo_data_root, epoch):
    from mmext.registry import MODELS
    torch.manual_seed(0)
    backbone = MODELS.build(
        dict(type='mmdet.ResNet', depth=18, out_indices=(1, 2, 3)))
    neck = MODELS.build(
        dict(
            type='mmdet.FPN',
            in_channels=[128, 256, 512],
            out_channels=32,
            add_extra_convs='on_output',
            num_outs=5))
    imgs, gts = demo_batch(demo_data_root)
    with torch.no_grad():
        feats = neck(backbone(imgs))
    metas = [
        dict(
            img_shape=(128, 128), pad_shape=(128, 128), scale_factor=(1., 1.))
    ] * len(gts)
    ref, ours = build_pair('anchor_free')
    MessageHub.get_current_instance().update_info('epoch', epoch)
    ref_loss = ref.loss_by_feat(*ref(feats), gts, metas)
    our_loss = ours.loss_by_feat(*ours(feats), gts, metas)
    for key in ref_loss:
        for a, b in zip(ref_loss[key], our_loss[key]):
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
    assert sum(len(g) for g in gts) > 2


def test_deform_sampling_paths_equal_mmcv_in_float64():
    """On CPU the box sides are sampled by mmext's DCN kernel (or by
    grid_sample without mmext._ext): both equal mmcv's deform_conv2d,
    values and gradients."""
    head = TOODHead(**head_cfg('anchor_free', 'TaskAlignedAssigner'))
    torch.manual_seed(0)
    feat = torch.randn(2, 4, 9, 11, dtype=torch.float64, requires_grad=True)
    offset = (torch.randn(2, 8, 9, 11, dtype=torch.float64) *
              3).requires_grad_()
    weight = feat.new_ones(4, 1, 1, 1)
    ref = deform_conv2d(feat, offset, weight, 1, 0, 1, 4, 4)
    ref_grads = torch.autograd.grad(ref.sum(), (feat, offset))
    outputs = [head.deform_sampling(feat, offset)]
    with compiled_ops_disabled():
        outputs.append(head.deform_sampling(feat, offset))
    for out in outputs:
        torch.testing.assert_close(out, ref)
        for grad, expected in zip(
                torch.autograd.grad(out.sum(), (feat, offset)), ref_grads):
            torch.testing.assert_close(grad, expected)
