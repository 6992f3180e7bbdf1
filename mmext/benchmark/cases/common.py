"""What the benchmark cases share: configs by their ``mmext::`` and
``mmdet::`` names, random inputs (feature pyramids, boxes, detector
batches) and the steps measured on them."""
import copy
from contextlib import nullcontext
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from ..harness import Size, Step, StepsFor

Built = Tuple[Optional[torch.nn.Module], StepsFor]

# The demo configs the method cases build their models from.
DEMO_CONFIGS = dict(
    mixteacher='mmext::mixteacher/'
    'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py',
    calibrated_teacher='mmext::calibrated_teacher/'
    'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py',
    ssd_det='mmext::ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py',
    faster_rcnn='mmext::ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40.py',
    dmdd='mmext::dmdd/dmdd_r18_800it_demo-brick.py')


def models_in_scope(scope: str):
    """mmext's model registry with every module registered and ``scope``
    the default scope."""
    from mmengine.registry import init_default_scope

    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    init_default_scope(scope)
    return MODELS


def packaged_config(name: str):
    """A config by its ``package::path`` name (``mmext::`` or ``mmdet::``),
    as a config's ``_base_`` names it: independent of the working
    directory."""
    from mmengine.config import Config

    import mmext  # noqa: F401  (resolves mmext::)
    return Config.fromstring(f'_base_ = {name!r}\n', '.py')


def total_loss(losses: dict) -> torch.Tensor:
    return sum(
        torch.stack(v).sum() if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k)


def outputs_mean(out) -> torch.Tensor:
    if isinstance(out, (tuple, list)):
        return sum(outputs_mean(o) for o in out)
    return out.float().mean()


def module_steps(module: Callable,
                 inputs: tuple,
                 ops_enabled: bool = True) -> Dict[str, Step]:
    """``forward`` without gradients and ``train`` (forward + backward of
    the outputs' mean), with mmext's compiled ops on or off."""
    from mmext.ops import compiled_ops_disabled
    context = nullcontext if ops_enabled else compiled_ops_disabled

    def forward() -> None:
        with torch.no_grad(), context():
            module(*inputs)

    def train() -> None:
        with context():
            outputs_mean(module(*inputs)).backward()

    return dict(forward=forward, train=train)


def pyramid(size: Size,
            device: str,
            channels: Sequence[int] = (256, ) * 5,
            strides: Sequence[int] = (8, 16, 32, 64, 128),
            batch: int = 1,
            grad: bool = False) -> tuple:
    """Random feature maps of a ``size`` image at ``strides``."""
    torch.manual_seed(0)
    h, w = size
    return tuple(
        torch.randn(
            batch,
            c,
            -(-h // s),
            -(-w // s),
            device=device,
            requires_grad=grad) for c, s in zip(channels, strides))


def random_boxes(size: Size, num: int, device: str, num_classes: int = 80):
    """``num`` random GT boxes (8-208 px sides) inside a ``size`` image."""
    from mmengine.structures import InstanceData
    h, w = size
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(num, 2, generator=g) * torch.tensor([w * .9, h * .9])
    wh = torch.rand(num, 2, generator=g) * 200 + 8
    boxes = torch.cat([xy, xy + wh], 1)
    boxes[:, 0::2] = boxes[:, 0::2].clamp(max=w)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(max=h)
    return InstanceData(
        bboxes=boxes, labels=torch.randint(num_classes, (num, ),
                                           generator=g)).to(device)


def demo_batch(preprocessor, size: Size, num: int, gts: int, num_classes: int,
               device: str) -> Tuple[torch.Tensor, list]:
    """``num`` random images of ``size`` with ``gts`` boxes each, through a
    detector's data preprocessor, with identity homographies."""
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(
        batch_size=num,
        image_shapes=[(3, *size)] * num,
        num_items=[gts] * num,
        num_classes=num_classes,
        device=device)
    data = preprocessor(packed, training=True)
    for sample in data['data_samples']:
        sample.set_metainfo(
            dict(homography_matrix=np.eye(3, dtype=np.float32)))
    return data['inputs'], data['data_samples']


def loss_step(model: torch.nn.Module, inputs, samples) -> Step:
    """One training step (losses and backward, no optimiser step) on a copy
    of ``samples`` (the models write into them)."""

    def train() -> None:
        model.train()
        total_loss(model.loss(inputs, copy.deepcopy(samples))).backward()

    return train


def predict_step(model: torch.nn.Module, inputs, samples) -> Step:

    def predict() -> None:
        model.eval()
        with torch.no_grad():
            model.predict(inputs, copy.deepcopy(samples))

    return predict


def set_roi_layers(cfg, layer_type: str) -> None:
    """Set the ``roi_layer`` type of every RoI extractor in a config."""
    if isinstance(cfg, dict):
        if isinstance(cfg.get('roi_layer'), dict):
            cfg['roi_layer']['type'] = layer_type
        for value in cfg.values():
            set_roi_layers(value, layer_type)


def demo_detector(key: str,
                  roi_layer: Optional[str] = None,
                  batch: int = 2) -> Callable[[str], Built]:
    """A demo detector config's model (``DEMO_CONFIGS[key]``), optionally
    with another RoI layer (``'RoIAlign'``: mmcv's): a training step on
    ``batch`` images with their boxes, and inference (for SSD-Det the
    refinement of the boxes)."""

    def build(device: str) -> Built:
        cfg = packaged_config(DEMO_CONFIGS[key]).model
        if roi_layer is not None:
            set_roi_layers(cfg, roi_layer)
        torch.manual_seed(0)
        model = models_in_scope('mmext').build(cfg)
        model.init_weights()
        model.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            inputs, samples = demo_batch(model.data_preprocessor, size, batch,
                                         gts, 6, device)
            return dict(
                train=loss_step(model, inputs, samples),
                predict=predict_step(model, inputs, samples))

        return model, steps_for

    return build


def dense_head(make_head: Callable[[str, str], torch.nn.Module],
               impl: str) -> Callable[[str], Built]:
    """A detector head (``make_head(impl, device)``) on FPN features:
    ``forward``, and ``train`` (forward, loss with its targets, backward).
    At epoch 4: TOOD's head in its task-aligned stage."""

    def build(device: str) -> Built:
        from mmengine.logging import MessageHub
        head = make_head(impl, device)
        MessageHub.get_current_instance().update_info('epoch', 4)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            feats = pyramid(size, device)
            gt = random_boxes(size, gts, device)
            metas = [dict(img_shape=size, pad_shape=size, scale_factor=(1, 1))]

            def forward() -> None:
                with torch.no_grad():
                    head(feats)

            def train() -> None:
                total_loss(head.loss_by_feat(*head(feats), [gt],
                                             metas)).backward()

            return dict(forward=forward, train=train)

        return head, steps_for

    return build
