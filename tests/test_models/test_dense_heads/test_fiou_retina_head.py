"""FIoURetinaHead: mmdet's RetinaHead losses with FIoU-weighted negatives."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmext.registry import MODELS
from mmext.utils import register_all_modules

register_all_modules()

METAS = [
    dict(img_shape=(64, 64), pad_shape=(64, 64), batch_input_shape=(64, 64))
] * 2


def head_cfg(type_, **fiou):
    cfg = dict(
        type=type_,
        num_classes=3,
        in_channels=8,
        stacked_convs=1,
        feat_channels=8,
        anchor_generator=dict(
            type='AnchorGenerator',
            octave_base_scale=4,
            scales_per_octave=1,
            ratios=[1.0],
            strides=[8, 16]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[0.] * 4,
            target_stds=[1.] * 4),
        loss_cls=dict(
            type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25),
        loss_bbox=dict(type='L1Loss'),
        train_cfg=ConfigDict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4,
                min_pos_iou=0,
                ignore_iof_thr=-1),
            sampler=dict(type='PseudoSampler'),
            allowed_border=-1,
            pos_weight=-1,
            debug=False))
    if type_ == 'mmext.FIoURetinaHead':
        cfg['focal_iou_weight'] = dict(type='mmext.FocalIoUWeight', **fiou)
    return cfg


def losses(head, gts, seed=0):
    torch.manual_seed(seed)
    feats = [torch.rand(2, 8, 8, 8), torch.rand(2, 8, 4, 4)]
    cls_scores, bbox_preds = head(feats)
    return head.loss_by_feat(cls_scores, bbox_preds, gts, METAS)


def gt(*boxes, label=1):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.full((len(boxes), ), label, dtype=torch.long))


def pair(**fiou):
    fiou_head = MODELS.build(head_cfg('mmext.FIoURetinaHead', **fiou))
    plain = MODELS.build(head_cfg('RetinaHead'))
    plain.load_state_dict(fiou_head.state_dict())
    return fiou_head, plain


def test_unit_weight_is_mmdet_retina_head():
    fiou_head, plain = pair(bias=1., k=0.)
    gts = [gt([8, 8, 40, 40]), gt()]
    ours, theirs = losses(fiou_head, gts), losses(plain, gts)
    for key in ('loss_cls', 'loss_bbox'):
        for a, b in zip(ours[key], theirs[key]):
            assert torch.allclose(a, b)


def test_negatives_without_annotations_get_the_bias():
    fiou_head, plain = pair()
    gts = [gt(), gt()]
    ours, theirs = losses(fiou_head, gts), losses(plain, gts)
    for a, b in zip(ours['loss_cls'], theirs['loss_cls']):
        assert torch.allclose(a, 0.5 * b)


@pytest.mark.parametrize('detach', [False, True])
def test_weights_pass_gradient_to_regression_unless_detached(detach):
    fiou_head, _ = pair(detach_iou=detach)
    # Widen the regression outputs so predicted boxes overlap the annotation.
    torch.nn.init.normal_(fiou_head.retina_reg.weight, std=0.5)
    out = losses(fiou_head, [gt([8, 8, 40, 40]), gt([0, 0, 30, 30])])
    sum(out['loss_cls']).backward()
    grad = fiou_head.retina_reg.weight.grad
    if detach:
        assert grad is None or grad.abs().sum() == 0
    else:
        assert grad.abs().sum() > 0
