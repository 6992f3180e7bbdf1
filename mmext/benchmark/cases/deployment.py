"""ONNX Runtime against PyTorch: the exported network (``mmext.deployment``)
of DMDD and of single-stage detectors, one image, random weights."""
import os.path as osp
import tempfile
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import Built, models_in_scope, packaged_config


def exported_network(config: str, runtime: str) -> Callable[[str], Built]:
    """``network``: the model of ``config`` (random weights, no download)
    in PyTorch (``runtime='pytorch'``, compiled ops on, as it trains) or
    exported to ONNX at the measured size and run in ONNX Runtime
    (``'onnxruntime'``)."""

    def build(device: str) -> Built:
        from mmext.deployment import OnnxRuntimeNetwork, export_onnx
        from mmext.deployment.model_loading import without_pretrained_backbones
        from mmext.deployment.onnx_export import export_graph
        cfg = packaged_config(config).model
        without_pretrained_backbones(cfg)
        torch.manual_seed(0)
        model = models_in_scope('mmext').build(cfg)
        model.init_weights()
        model.eval()
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


def pair(what: str, config: str, size: Size) -> Case:
    return Case(
        what,
        Side('ONNX Runtime', exported_network(config, 'onnxruntime')),
        Side('PyTorch', exported_network(config, 'pytorch')),
        size=size,
        warmup=size)


register_cases({
    'onnx-dmdd':
    pair('DMDD demo (R-18 teacher), one image',
         'mmext::dmdd/dmdd_r18_800it_demo-brick.py', (256, 256)),
    'onnx-atss':
    pair('ATSS R-50, one image', 'mmdet::atss/atss_r50_fpn_1x_coco.py',
         (800, 1333)),
    'onnx-retinanet-rcnet':
    pair('RetinaNet R-50 with RCNet, one image',
         'mmext::rcnet/retinanet_r50_rcnet_1x_coco.py', (800, 1333)),
    'onnx-tood':
    pair('TOOD R-50, one image', 'mmext::tood/tood_r50_fpn_1x_coco.py',
         (800, 1333)),
})
