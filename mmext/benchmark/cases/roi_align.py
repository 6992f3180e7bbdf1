"""mmext's RoIAlign (deterministic, on every CPU thread) against mmcv's:
the op alone and inside the demo Faster R-CNN and SSD-Det."""
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import Built, demo_detector, module_steps, pyramid


def roi_align_op(impl: str, num_rois: int = 512) -> Callable[[str], Built]:
    """RoIAlign (7 x 7, adaptive sampling as mmdet's R-CNNs) of
    ``num_rois`` boxes (8-200 px) on a 256-channel stride-8 map of two
    images: mmext's kernels or mmcv's."""

    def build(device: str) -> Built:
        from mmcv.ops import RoIAlign as MMCVRoIAlign

        from mmext.ops import RoIAlign
        layer = (RoIAlign if impl == 'mmext' else MMCVRoIAlign)(7, 1 / 8, 0)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            feats = pyramid(
                size, device, (256, ), (8, ), batch=2, grad=True)[0]
            g = torch.Generator().manual_seed(0)
            h, w = size
            xy = torch.rand(num_rois, 2, generator=g) * torch.tensor([w, h])
            wh = torch.rand(num_rois, 2, generator=g) * 192 + 8
            rois = torch.cat([
                torch.randint(0, 2,
                              (num_rois, 1), generator=g).float(), xy, xy + wh
            ], 1).to(device)
            return module_steps(lambda x: layer(x, rois), (feats, ))

        return None, steps_for

    return build


register_cases({
    'op-roi-align':
    Case('RoIAlign 7x7, 512 RoIs, 256 ch, stride 8, 2 images',
         Side('mmext.RoIAlign', roi_align_op('mmext')),
         Side('mmcv RoIAlign', roi_align_op('mmcv'))),
    'roi-align-faster-rcnn':
    Case(
        'demo Faster R-CNN R-18 (2 images) with each RoIAlign',
        Side('mmext.RoIAlign', demo_detector('faster_rcnn')),
        Side('mmcv RoIAlign', demo_detector('faster_rcnn', 'RoIAlign')),
        size=(256, 256),
        gts=5),
    'roi-align-ssd-det':
    Case(
        'demo SSD-Det (2 images) with each RoIAlign',
        Side('mmext.RoIAlign', demo_detector('ssd_det')),
        Side('mmcv RoIAlign', demo_detector('ssd_det', 'RoIAlign')),
        size=(256, 256),
        gts=5),
})
