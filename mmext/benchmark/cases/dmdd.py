"""DMDD: its WideResNet backbone, segmentation head, both training stages
and inference against mmdet's ResNet and mmseg's ASPPHead / DeepLabV3, and
the anomaly metric."""
from typing import Callable, Dict, Optional

import numpy as np
import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import (DEMO_CONFIGS, Built, loss_step, models_in_scope,
                     module_steps, packaged_config, predict_step, pyramid)


def backbone(cfg: dict, scope: str) -> Callable[[str], Built]:
    """A backbone on a ``size`` image."""

    def build(device: str) -> Built:
        torch.manual_seed(0)
        module = models_in_scope(scope).build(cfg)
        module.init_weights()
        module.to(device)
        return module, lambda size, gts: module_steps(module, (torch.randn(
            1, 3, *size, device=device), ))

    return build


def seg_head(impl: str) -> Callable[[str], Built]:
    """DMDD's segmentation head against mmseg's ASPPHead on the same
    ResNet-18 teacher features of two images (64/128/256 channels at strides
    4/8/16; batch 2 for the heads' batch norms after global pooling): DMDD's
    head also reads both student branches."""

    def build(device: str) -> Built:
        torch.manual_seed(0)
        if impl == 'mmext':
            from mmext.models.anomaly import MultiPerceptionSegHead
            head = MultiPerceptionSegHead(
                in_channels=(64, 128, 256), channels=128)
        else:
            head = models_in_scope('mmseg').build(
                dict(
                    type='mmseg.ASPPHead',
                    in_channels=[64, 128, 256],
                    in_index=(0, 1, 2),
                    input_transform='resize_concat',
                    channels=128,
                    dilations=(1, 6, 12, 18),  # DMDD's head's
                    num_classes=1,
                    out_channels=1,
                    norm_cfg=dict(type='BN'),
                    align_corners=False))
        head.init_weights()
        head.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            teacher = pyramid(size, device, (64, 128, 256), (4, 8, 16), 2)
            if impl == 'mmext':
                student = tuple(
                    tuple(torch.randn_like(t) for t in teacher)
                    for _ in range(2))
                return module_steps(head, (teacher, *student))
            return module_steps(head, (list(teacher), ))

        return head, steps_for

    return build


DEEPLABV3 = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size_divisor=32),
    backbone=dict(type='mmseg.ResNet', depth=18, out_indices=(0, 1, 2, 3)),
    decode_head=dict(
        type='mmseg.ASPPHead',
        in_channels=512,
        in_index=3,
        channels=128,
        dilations=(1, 6, 12, 18),
        num_classes=1,
        out_channels=1,
        threshold=0.5,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    test_cfg=dict(mode='whole'))


def anomaly_model(impl: str, batch: int = 4) -> Callable[[str], Built]:
    """DMDD (the demo config, ResNet-18 teacher) or mmseg's DeepLabV3-R18
    with one output channel (a plain supervised segmenter of the synthetic
    anomalies) on ``batch`` images with synthetic anomalies: DMDD's two
    training stages (``distill``: student forward + backward and two
    teacher passes; ``segment``: frozen networks, head forward + backward)
    each against DeepLabV3's training step, and inference."""

    def build(device: str) -> Built:
        from mmengine.config import ConfigDict
        from mmengine.dataset import pseudo_collate
        from mmengine.logging import MessageHub

        from mmext.datasets import PackAnomalyInputs, SynthesizeAnomaly
        torch.manual_seed(0)
        if impl == 'mmext':
            cfg = packaged_config(DEMO_CONFIGS['dmdd']).model
            cfg.teacher.init_cfg = None  # no download: timing only
        else:
            cfg = ConfigDict(DEEPLABV3)
        model = models_in_scope('mmext').build(cfg)
        model.init_weights()
        model.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            np.random.seed(0)
            synth, pack = SynthesizeAnomaly(), PackAnomalyInputs()
            images = np.random.randint(0, 256, (batch, *size, 3), np.uint8)
            data = pseudo_collate([
                pack(synth(dict(img=image, img_shape=size, ori_shape=size)))
                for image in images
            ])
            if getattr(model.data_preprocessor, 'size', None) is not None:
                model.data_preprocessor.size = size  # DMDD's fixed size
            data = model.data_preprocessor(data, training=True)
            train = loss_step(model, data['inputs'], data['data_samples'])
            predict = predict_step(model, data['inputs'], data['data_samples'])
            if impl == 'mmseg':
                return dict(distill=train, segment=train, predict=predict)

            def at_stage(iteration: int) -> Step:

                def step() -> None:
                    MessageHub.get_current_instance().update_info(
                        'iter', iteration)
                    train()

                return step

            return dict(
                distill=at_stage(0),
                segment=at_stage(model.distill_iters),
                predict=predict)

        return model, steps_for

    return build


def anomaly_metric(num_images: int = 20) -> Callable[[str], Built]:
    """``AnomalyMetric`` (image AUROC, pixel AUROC, AUPRO, exact) on
    ``num_images`` random maps and masks of ``size``, half of them with
    three square defects."""

    def build(device: str) -> Built:
        from mmext.evaluation import AnomalyMetric

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            h, w = size
            side = max(1, min(h, w) // 16)
            rng = np.random.default_rng(0)
            metric = AnomalyMetric()
            for i in range(num_images):
                mask = np.zeros((h, w), np.int64)
                if i % 2:
                    for y, x in rng.integers(0, min(h, w) - side, (3, 2)):
                        mask[y:y + side, x:x + side] = 1
                score_map = rng.random((h, w), dtype=np.float32) + 0.5 * mask
                metric.process({}, [
                    dict(
                        pred_anomaly_map=dict(
                            data=torch.from_numpy(score_map)[None]),
                        gt_sem_seg=dict(data=torch.from_numpy(mask)[None]),
                        pred_score=torch.tensor(float(score_map.max())))
                ])
            return dict(compute=lambda: metric.compute_metrics(metric.results))

        return None, steps_for

    return build


register_cases({
    'wide-resnet':
    Case(
        'WideResNet-50 backbone',
        Side('mmext.WideResNet',
             backbone(dict(type='mmext.WideResNet', depth=50), 'mmext')),
        Side('mmdet ResNet-50',
             backbone(dict(type='mmdet.ResNet', depth=50), 'mmdet')),
        size=(256, 256)),
    'seg-head':
    Case(
        'DMDD seg head (2 images)',
        Side('MultiPerceptionSegHead', seg_head('mmext')),
        Side('mmseg ASPPHead', seg_head('mmseg')),
        size=(256, 256)),
    'dmdd':
    Case(
        'DMDD (demo R-18, 4 images)',
        Side('DMDD', anomaly_model('mmext')),
        Side('mmseg DeepLabV3-R18', anomaly_model('mmseg')),
        size=(128, 128)),
    'anomaly-metric':
    Case(
        'AnomalyMetric on 20 maps (exact AUROCs, AUPRO)',
        Side('AnomalyMetric', anomaly_metric()),
        None,
        size=(1024, 1024)),
})
