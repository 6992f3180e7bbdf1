"""TOOD: task-aligned assignment (mmext's compiled op and its PyTorch
version) and the T-Head against mmdet's."""
from contextlib import nullcontext
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import Built, dense_head, packaged_config, random_boxes


def assigner_inputs(size: Size, gts: int, device: str):
    """TOOD's priors of a ``size`` image (strides 8-128, one anchor a
    point), predictions near them, 80 classes, ``gts`` random GT boxes."""
    from mmdet.models.task_modules.prior_generators import AnchorGenerator
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(0)
    generator = AnchorGenerator(
        strides=[8, 16, 32, 64, 128],
        ratios=[1.0],
        octave_base_scale=8,
        scales_per_octave=1)
    sizes = [(-(-size[0] // s), -(-size[1] // s))
             for s in (8, 16, 32, 64, 128)]
    priors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    n = priors.size(0)
    decoded = priors + torch.randn(n, 4, generator=g) * 16
    decoded[:, 2:] = torch.maximum(decoded[:, 2:], decoded[:, :2] + 1)
    pred = InstanceData(
        priors=priors, bboxes=decoded, scores=torch.rand(n, 80, generator=g))
    return pred.to(device), random_boxes(size, gts, device)


def assigner(impl: str) -> Callable[[str], Built]:
    """Task-aligned assignment (topk 13): mmdet's, or mmext's with the
    compiled op (``compiled``) or its PyTorch version (``pytorch``)."""

    def build(device: str) -> Built:
        from mmdet.models.task_modules.assigners import \
            TaskAlignedAssigner as MMDetTaskAlignedAssigner

        from mmext.models.task_modules import TaskAlignedAssigner
        from mmext.ops import compiled_ops_disabled
        if impl == 'mmdet':
            module, context = MMDetTaskAlignedAssigner(13), nullcontext
        else:
            module = TaskAlignedAssigner(13)
            context = nullcontext if impl == 'compiled' else \
                compiled_ops_disabled

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            pred, gt = assigner_inputs(size, gts, device)

            def assign() -> None:
                with context():
                    module.assign(pred, gt)

            return dict(assign=assign)

        return None, steps_for

    return build


def tood_head(impl: str, device: str) -> torch.nn.Module:
    """TOOD R-50's head as mmdet's config has it (256 channels, 6 stacked
    convs, 80 classes), with either implementation of head and assigner."""
    model = packaged_config('mmdet::tood/tood_r50_fpn_1x_coco.py').model
    cfg = model.bbox_head
    cfg.pop('_scope_', None)
    cfg.pop('type')
    cfg.update(train_cfg=model.train_cfg, test_cfg=model.test_cfg)
    if impl == 'mmdet':
        from mmdet.models.dense_heads import TOODHead
    else:
        from mmext.models.dense_heads import TOODHead
        cfg.train_cfg.assigner.type = 'mmext.TaskAlignedAssigner'
    torch.manual_seed(0)
    head = TOODHead(**cfg)
    head.init_weights()
    return head.to(device)


register_cases({
    'tal':
    Case(
        'TaskAlignedAssigner (topk 13, 80 classes)',
        Side('mmext (compiled)', assigner('compiled')),
        Side('mmdet', assigner('mmdet')),
        size=(800, 1333),
        gts=10),
    'tal-pytorch':
    Case(
        'TaskAlignedAssigner (topk 13, 80 classes)',
        Side('mmext (PyTorch)', assigner('pytorch')),
        Side('mmdet', assigner('mmdet')),
        size=(800, 1333),
        gts=10),
    'tood-head':
    Case(
        'TOODHead + TaskAlignedAssigner (R-50 head)',
        Side('mmext', dense_head(tood_head, 'mmext')),
        Side('mmdet TOODHead', dense_head(tood_head, 'mmdet')),
        gts=10),
})
