"""Whole detectors at COCO's test size (800x1333), one image, inference: the
frames per second detectors are compared by (1000 / the time in ms), each
mmext detector against the mmdet detector it changes, in PyTorch and
(``fps-onnx-*``) both exported to ONNX and run in ONNX Runtime. Random
weights, no download."""
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import (Built, demo_batch, models_in_scope, packaged_config,
                     predict_step, set_roi_layers)
from .deployment import exported_detector


def use_mmext_roi_align(cfg: dict) -> None:
    """mmext's RoIAlign in every RoI extractor of a model config (mmext's
    SingleRoIExtractor builds registered layers, mmdet's only mmcv's)."""
    set_roi_layers(cfg, 'mmext.RoIAlign')
    for key, value in cfg.items():
        if key.endswith('roi_extractor') and isinstance(value, dict):
            value['type'] = 'mmext.SingleRoIExtractor'
        elif isinstance(value, dict):
            use_mmext_roi_align(value)


def detector(config: str,
             mmext_roi_align: bool = False) -> Callable[[str], Built]:
    """The model of ``config`` (an ``mmext::`` or ``mmdet::`` name) without
    its pretrained backbone, optionally with mmext's RoIAlign, on one
    image: ``network`` (backbone, neck and head, no post-processing) and
    ``predict`` (with the post-processing, whose cost depends on how many
    of the random-weight model's boxes pass its score threshold)."""

    def build(device: str) -> Built:
        cfg = packaged_config(config).model
        cfg.backbone.init_cfg = None
        if mmext_roi_align:
            use_mmext_roi_align(cfg)
        torch.manual_seed(0)
        model = models_in_scope('mmext').build(cfg)
        model.init_weights()
        model.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            inputs, samples = demo_batch(model.data_preprocessor, size, 1, 1,
                                         80, device)

            def network() -> None:
                model.eval()
                with torch.no_grad():
                    model._forward(inputs, samples)

            return dict(
                network=network, predict=predict_step(model, inputs, samples))

        return model, steps_for

    return build


COCO_TEST_SIZE = (800, 1333)
register_cases({
    'fps-retinanet-rcnet':
    Case(
        'RetinaNet R-50, one image',
        Side('with RCNet',
             detector('mmext::rcnet/retinanet_r50_rcnet_1x_coco.py')),
        Side('mmdet, with FPN',
             detector('mmdet::retinanet/retinanet_r50_fpn_1x_coco.py')),
        size=COCO_TEST_SIZE),
    'fps-tood':
    Case(
        'TOOD R-50 against ATSS R-50, one image',
        Side('mmext TOOD', detector('mmext::tood/tood_r50_fpn_1x_coco.py')),
        Side('mmdet ATSS', detector('mmdet::atss/atss_r50_fpn_1x_coco.py')),
        size=COCO_TEST_SIZE),
    'fps-faster-rcnn':
    Case(
        'Faster R-CNN R-50, one image',
        Side(
            'mmext.RoIAlign',
            detector(
                'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
                mmext_roi_align=True)),
        Side('mmdet (mmcv RoIAlign)',
             detector('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py')),
        size=COCO_TEST_SIZE),
    'fps-onnx-retinanet-rcnet':
    Case(
        'RetinaNet R-50 in ONNX Runtime, one image',
        Side('with RCNet',
             exported_detector('mmext::rcnet/retinanet_r50_rcnet_1x_coco.py')),
        Side(
            'mmdet, with FPN',
            exported_detector(
                'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py')),
        size=COCO_TEST_SIZE,
        warmup=COCO_TEST_SIZE),
    'fps-onnx-tood':
    Case(
        'TOOD R-50 against ATSS R-50 in ONNX Runtime, one image',
        Side('mmext TOOD',
             exported_detector('mmext::tood/tood_r50_fpn_1x_coco.py')),
        Side('mmdet ATSS',
             exported_detector('mmdet::atss/atss_r50_fpn_1x_coco.py')),
        size=COCO_TEST_SIZE,
        warmup=COCO_TEST_SIZE),
})
