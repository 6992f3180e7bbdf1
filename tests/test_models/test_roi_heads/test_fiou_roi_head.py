"""FIoURoIHead: mmdet's StandardRoIHead losses with FIoU-weighted
background RoIs, and the box each RoI is judged by."""
import torch
from mmdet.structures import DetDataSample
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

from mmext.registry import MODELS
from mmext.utils import register_all_modules

register_all_modules()


def head_cfg(type_, **fiou):
    cfg = dict(
        type=type_,
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
            out_channels=8,
            featmap_strides=[8]),
        bbox_head=dict(
            type='Shared2FCBBoxHead',
            in_channels=8,
            fc_out_channels=16,
            roi_feat_size=7,
            num_classes=3,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0.] * 4,
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False),
            loss_bbox=dict(type='L1Loss')),
        train_cfg=ConfigDict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=32,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False))
    if type_ == 'mmext.FIoURoIHead':
        cfg['focal_iou_weight'] = dict(type='mmext.FocalIoUWeight', **fiou)
    return cfg


def sample(*boxes):
    data_sample = DetDataSample(
        metainfo=dict(img_shape=(64, 64), batch_input_shape=(64, 64)))
    data_sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.ones(len(boxes), dtype=torch.long))
    return data_sample


def losses(head, samples):
    torch.manual_seed(0)
    feats = (torch.rand(len(samples), 8, 8, 8), )
    proposals = []
    for _ in samples:
        xy = torch.rand(40, 2) * 40
        wh = 8 + torch.rand(40, 2) * 20
        proposals.append(
            InstanceData(
                bboxes=torch.cat([xy, xy + wh], dim=1),
                scores=torch.rand(40),
                labels=torch.zeros(40, dtype=torch.long)))
    return head.loss(feats, proposals, samples)


def pair(**fiou):
    fiou_head = MODELS.build(head_cfg('mmext.FIoURoIHead', **fiou))
    plain = MODELS.build(head_cfg('StandardRoIHead'))
    plain.load_state_dict(fiou_head.state_dict())
    return fiou_head, plain


def test_unit_weight_is_mmdet_standard_roi_head():
    fiou_head, plain = pair(bias=1., k=0.)
    samples = [sample([8, 8, 40, 40]), sample()]
    ours, theirs = losses(fiou_head, samples), losses(plain, samples)
    for key in ('loss_cls', 'loss_bbox', 'acc'):
        assert torch.allclose(ours[key], theirs[key])


def test_background_rois_without_annotations_get_the_bias():
    fiou_head, plain = pair()
    samples = [sample(), sample()]
    ours, theirs = losses(fiou_head, samples), losses(plain, samples)
    assert torch.allclose(ours['loss_cls'], 0.5 * theirs['loss_cls'])


def test_refined_box_uses_the_top_foreground_class():
    head, _ = pair()
    rois = torch.tensor([[0., 0., 0., 20., 20.], [0., 10., 10., 30., 30.]])
    # Background scores highest for RoI 0; its top foreground class is 2.
    cls_score = torch.tensor([[0., 1., 2., 5.], [3., 0., 1., 0.]])
    bbox_pred = torch.zeros(2, 12)
    bbox_pred[0, 8:] = torch.tensor([1., 0., 0., 0.])  # class 2: shift x
    bbox_pred[1, 0:4] = torch.tensor([0., 0., 1., 0.])  # class 0: widen
    refined = head.refined_bboxes(rois, cls_score, bbox_pred)
    coder = head.bbox_head.bbox_coder
    assert torch.allclose(refined[0],
                          coder.decode(rois[:1, 1:], bbox_pred[:1, 8:])[0])
    assert torch.allclose(refined[1],
                          coder.decode(rois[1:, 1:], bbox_pred[1:, :4])[0])
    assert refined[0, 0] > 0  # moved right
