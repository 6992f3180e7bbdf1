"""ONNX Runtime against PyTorch: the exported network (``mmext.deployment``)
of DMDD and of single-stage detectors, and a two-stage detector's whole
prediction (its two graphs, proposals and post-processing beside them), one
image, random weights."""
import os.path as osp
import tempfile
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import Built, models_in_scope, packaged_config


def random_model(config: str) -> torch.nn.Module:
    """The model of a packaged ``config`` with seed 0's random weights (no
    download), in eval mode."""
    from mmext.deployment.model_loading import random_weights_model
    models_in_scope('mmext')
    return random_weights_model(packaged_config(config).model)


def exported_network(config: str, runtime: str) -> Callable[[str], Built]:
    """``network``: the model of ``config`` (random weights, no download)
    in PyTorch (``runtime='pytorch'``, compiled ops on, as it trains) or
    exported to ONNX at the measured size and run in ONNX Runtime
    (``'onnxruntime'``)."""

    def build(device: str) -> Built:
        from mmext.deployment import OnnxRuntimeNetwork, export_onnx
        from mmext.deployment.onnx_export import export_graph
        model = random_model(config)
        graph = export_graph(model)[0]
        folder = tempfile.mkdtemp(prefix='mmext-onnx-benchmark-')

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            images = torch.randn(1, 3, *size, device=device)
            if runtime == 'pytorch':

                def network() -> None:
                    with torch.no_grad():
                        graph(images)

                return dict(network=network)
            path = osp.join(folder, f'{size[0]}x{size[1]}.onnx')
            export_onnx(model, path, (1, 3, *size), overwrite=True)
            session = OnnxRuntimeNetwork(path)
            return dict(network=lambda: session(images))

        return model, steps_for

    return build


def exported_prediction(config: str, runtime: str) -> Callable[[str], Built]:
    """``predict``: ``model.predict`` on one image, in PyTorch or with the
    model's network in ONNX Runtime (:func:`attach_onnxruntime`); the
    post-processing beside the graphs is the same PyTorch code."""

    def build(device: str) -> Built:
        from mmdet.structures import DetDataSample

        from mmext.deployment import attach_onnxruntime, export_onnx
        from mmext.deployment.parity import unscaled_sample
        folder = tempfile.mkdtemp(prefix='mmext-onnx-benchmark-')
        model = random_model(config)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            images = torch.randn(1, 3, *size, device=device)
            sample = unscaled_sample(DetDataSample, size)
            predicting = model
            if runtime == 'onnxruntime':
                path = osp.join(folder, f'{size[0]}x{size[1]}.onnx')
                export_onnx(model, path, (1, 3, *size), overwrite=True)
                predicting = attach_onnxruntime(random_model(config), path)

            def predict() -> None:
                with torch.no_grad():
                    predicting.predict(images, [sample.clone()])

            return dict(predict=predict)

        return model, steps_for

    return build


def exported_detector(config: str) -> Callable[[str], Built]:
    """A single-stage detector of ``config`` (random weights) exported at
    the measured size and run in ONNX Runtime: ``network`` (the graph
    alone) and ``predict`` (``model.predict`` with the graph attached, the
    post-processing beside it), as :func:`detector` measures it in
    PyTorch."""

    def build(device: str) -> Built:
        from mmdet.structures import DetDataSample

        from mmext.deployment import (OnnxRuntimeNetwork, attach_onnxruntime,
                                      export_onnx)
        from mmext.deployment.parity import unscaled_sample
        folder = tempfile.mkdtemp(prefix='mmext-onnx-benchmark-')
        model = random_model(config)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            images = torch.randn(1, 3, *size, device=device)
            sample = unscaled_sample(DetDataSample, size)
            path = osp.join(folder, f'{size[0]}x{size[1]}.onnx')
            export_onnx(model, path, (1, 3, *size), overwrite=True)
            session = OnnxRuntimeNetwork(path)
            predicting = attach_onnxruntime(random_model(config), path)

            def predict() -> None:
                with torch.no_grad():
                    predicting.predict(images, [sample.clone()])

            return dict(network=lambda: session(images), predict=predict)

        return model, steps_for

    return build


def pair(
    what: str,
    config: str,
    size: Size,
    measure: Callable[[str, str], Callable[[str], Built]] = exported_network
) -> Case:
    return Case(
        what,
        Side('ONNX Runtime', measure(config, 'onnxruntime')),
        Side('PyTorch', measure(config, 'pytorch')),
        size=size,
        warmup=size)


register_cases({
    'onnx-dmdd':
    pair('DMDD demo (R-18 teacher), one image',
         'mmext::dmdd/dmdd_r18_800it_demo-brick.py', (256, 256)),
    'onnx-atss-demo':
    pair('ATSS demo (R-18), one image', 'mmext::demo/atss_r18_fpn_10e_demo.py',
         (256, 256)),
    'onnx-tood-demo':
    pair('TOOD demo (R-18), one image', 'mmext::tood/tood_r18_fpn_10e_demo.py',
         (256, 256)),
    'onnx-rcnet-demo':
    pair('ATSS with RCNet demo (R-18), one image',
         'mmext::rcnet/atss_r18_rcnet_10e_demo.py', (256, 256)),
    'onnx-calibrated-teacher-demo':
    pair(
        'Calibrated Teacher demo (its RetinaNet R-18 teacher), one image',
        'mmext::calibrated_teacher/calibrated-teacher_retinanet_r18_fpn_'
        '400it_demo-sparse-extreme.py', (256, 256)),
    'onnx-mixteacher-demo':
    pair(
        'MixTeacher demo (its mixed-scale Faster R-CNN R-18 teacher), one '
        'image, whole prediction', 'mmext::mixteacher/mixteacher_faster-'
        'rcnn_r18_fpn_500it_demo-semi-0.1.py', (256, 256),
        exported_prediction),
    'onnx-atss':
    pair('ATSS R-50, one image', 'mmdet::atss/atss_r50_fpn_1x_coco.py',
         (800, 1333)),
    'onnx-retinanet-rcnet':
    pair('RetinaNet R-50 with RCNet, one image',
         'mmext::rcnet/retinanet_r50_rcnet_1x_coco.py', (800, 1333)),
    'onnx-tood':
    pair('TOOD R-50, one image', 'mmext::tood/tood_r50_fpn_1x_coco.py',
         (800, 1333)),
    'onnx-faster-rcnn-demo':
    pair('Faster R-CNN demo (R-18), one image, whole prediction',
         'mmext::ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40.py',
         (256, 256), exported_prediction),
    'onnx-faster-rcnn':
    pair('Faster R-CNN R-50, one image, whole prediction',
         'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', (800, 1333),
         exported_prediction),
})
