"""The benchmark cases of ``tools/analysis_tools/benchmark.py``: every mmext
module, op and method next to what it replaces or extends. Importing this
module registers them (:func:`mmext.utils.benchmark.register_case`).

Sizes are image sizes: an op on feature maps gets the stride-8 map of the
image (512x512 -> 64x64), a neck the ResNet-50 C2-C5 maps, a detector the
image. Models are built with random weights (no download) and the method's
worst case where it has one (every teacher box a pseudo label, every pseudo
label a mining candidate).
"""
import copy
from contextlib import nullcontext
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from .benchmark import Case, Side, Size, Step, StepsFor, register_case

Built = Tuple[Optional[torch.nn.Module], StepsFor]

DEMO_CONFIGS = dict(
    mixteacher='configs/mixteacher/'
    'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py',
    calibrated_teacher='configs/calibrated_teacher/'
    'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py',
    ssd_det='configs/ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py',
    faster_rcnn='configs/ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40.py',
    dmdd='configs/dmdd/dmdd_r18_800it_demo-brick.py')


def _models(scope: str):
    from mmengine.registry import init_default_scope

    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    init_default_scope(scope)
    return MODELS


def _mmdet_config(path: str):
    from mmengine.config import Config
    from mmengine.utils import get_installed_path
    return Config.fromfile(f'{get_installed_path("mmdet")}/.mim/configs/'
                           f'{path}')


def _total_loss(losses: dict) -> torch.Tensor:
    return sum(
        torch.stack(v).sum() if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k)


def _outputs_mean(out) -> torch.Tensor:
    if isinstance(out, (tuple, list)):
        return sum(_outputs_mean(o) for o in out)
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
            _outputs_mean(module(*inputs)).backward()

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


# --- necks and ops -----------------------------------------------------------

RETINANET_NECK = dict(
    in_channels=[256, 512, 1024, 2048],
    out_channels=256,
    start_level=1,
    add_extra_convs='on_input',
    num_outs=5)
BN = dict(type='BN', requires_grad=True)


def neck(cfg: dict) -> Callable[[str], Built]:
    """RetinaNet-R50's neck settings on the ResNet-50 C2-C5 maps."""

    def build(device: str) -> Built:
        module = _models('mmext').build(dict(RETINANET_NECK, **cfg))
        module.init_weights()
        module.to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            feats = pyramid(size, device, RETINANET_NECK['in_channels'],
                            (4, 8, 16, 32))
            steps = module_steps(module, (feats, ))
            forward, train = steps['forward'], steps['train']

            def forward_eval() -> None:
                module.eval()
                forward()

            def train_mode() -> None:
                module.train()
                train()

            return dict(forward=forward_eval, train=train_mode)

        return module, steps_for

    return build


def check_neck_size(size: Size) -> None:
    """The necks' BatchNorm cannot train on one value per channel: the
    coarsest output (stride 128) must hold more than one."""
    h, w = size
    if -(-h // 128) * -(-w // 128) < 2:
        raise ValueError(
            f'size {h}x{w} gives the stride-128 level a 1x1 map, on which '
            'BatchNorm cannot train (one value per channel): use a side '
            'over 128')


def csn(ops_enabled: bool) -> Callable[[str], Built]:
    """RCNet's CSN on five 256-channel levels."""

    def build(device: str) -> Built:
        from mmext.models.layers import CrossScaleShift
        module = CrossScaleShift(256, 5, norm_cfg=dict(type='BN'))
        module.init_weights()
        module.to(device)
        return module, lambda size, gts: module_steps(module, (pyramid(
            size, device, grad=True), ), ops_enabled)

    return build


def shift_op(ops_enabled: bool) -> Callable[[str], Built]:
    """The channel shift alone on CSN's stacked stride-8 levels (5 levels x
    batch 2 x 256 channels)."""

    def build(device: str) -> Built:
        from mmext.ops import cross_scale_shift

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            x = torch.randn(
                5,
                2,
                256,
                -(-size[0] // 8),
                -(-size[1] // 8),
                device=device,
                requires_grad=True)
            return module_steps(
                lambda t: cross_scale_shift(t, 16, (-1, 1, -2, 2)), (x, ),
                ops_enabled)

        return None, steps_for

    return build


def dcn(conv_type: str) -> Callable[[str], Built]:
    """RCNet's fusion convolution (3x3 DCNv2, 256 channels, 2 deformable
    groups) on a stride-8 map."""

    def build(device: str) -> Built:
        from mmcv.cnn import build_conv_layer
        _models('mmext')
        torch.manual_seed(0)
        conv = build_conv_layer(
            dict(type=conv_type, deform_groups=2), 256, 256, 3,
            padding=1).to(device)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            x = pyramid(size, device, (256, ), (8, ), grad=True)[0]
            return module_steps(conv, (x, ))

        return conv, steps_for

    return build


# --- TOOD ----------------------------------------------------------------


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
    model = _mmdet_config('tood/tood_r50_fpn_1x_coco.py').model
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


def retina_head(impl: str, device: str) -> torch.nn.Module:
    """RetinaNet R-50's head; mmext's adds the Focal IoU weight."""
    cfg = _mmdet_config('retinanet/retinanet_r50_fpn_1x_coco.py').model
    head_cfg = cfg.bbox_head
    head_cfg.update(train_cfg=cfg.train_cfg, test_cfg=cfg.test_cfg)
    head_cfg.pop('_scope_', None)
    if impl == 'mmext':
        head_cfg.update(
            type='mmext.FIoURetinaHead',
            focal_iou_weight=dict(type='mmext.FocalIoUWeight'))
    torch.manual_seed(0)
    head = _models('mmdet').build(head_cfg)
    head.init_weights()
    return head.to(device)


def dense_head(kind: str, impl: str) -> Callable[[str], Built]:
    """A detector head on FPN features: ``forward``, and ``train`` (forward,
    loss with its targets, backward). TOOD's in its task-aligned stage."""

    def build(device: str) -> Built:
        from mmengine.logging import MessageHub
        head = (tood_head if kind == 'tood' else retina_head)(impl, device)
        MessageHub.get_current_instance().update_info('epoch', 4)

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            feats = pyramid(size, device)
            gt = random_boxes(size, gts, device)
            metas = [dict(img_shape=size, pad_shape=size, scale_factor=(1, 1))]

            def forward() -> None:
                with torch.no_grad():
                    head(feats)

            def train() -> None:
                _total_loss(head.loss_by_feat(*head(feats), [gt],
                                              metas)).backward()

            return dict(forward=forward, train=train)

        return head, steps_for

    return build


# --- backbones and heads of DMDD ----------------------------------------


def backbone(cfg: dict, scope: str) -> Callable[[str], Built]:
    """A backbone on a ``size`` image."""

    def build(device: str) -> Built:
        torch.manual_seed(0)
        module = _models(scope).build(cfg)
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
            head = _models('mmseg').build(
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


# --- methods: training steps against mmdet's / mmseg's baselines ------------


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
        _total_loss(model.loss(inputs, copy.deepcopy(samples))).backward()

    return train


def predict_step(model: torch.nn.Module, inputs, samples) -> Step:

    def predict() -> None:
        model.eval()
        with torch.no_grad():
            model.predict(inputs, copy.deepcopy(samples))

    return predict


MIXED_SCALE_KEYS = ('fusion', 'train_scales', 'test_scale', 'size_divisor')


def semi_teacher(impl: str,
                 labeled: int = 1,
                 unlabeled: int = 4,
                 pseudo_labels: int = 20) -> Callable[[str], Built]:
    """MixTeacher (the demo's Faster R-CNN R-18 FPN) or mmdet's SoftTeacher
    with the same detector weights and semi-supervised settings, on
    ``labeled`` + ``unlabeled`` images (the paper's 1:4); the untrained
    teacher's thresholds are lowered so that every unlabeled image gets
    ``pseudo_labels`` pseudo labels, every one of them a mining candidate
    (mining's worst case)."""

    def build(device: str) -> Built:
        from mmengine.config import Config
        cfg = copy.deepcopy(Config.fromfile(DEMO_CONFIGS['mixteacher']).model)
        semi = cfg.semi_train_cfg
        semi.update(
            pseudo_label_initial_score_thr=0.,
            rpn_pseudo_thr=0.,
            reg_pseudo_thr=float('inf'),
            unsup_start_iter=0,
            unsup_warmup_iters=0)
        detector = cfg.detector
        detector.test_cfg.rcnn.update(score_thr=0., max_per_img=pseudo_labels)
        if impl == 'mmdet':
            cfg.type = 'mmdet.SoftTeacher'
            detector.type = 'mmdet.FasterRCNN'
            for key in MIXED_SCALE_KEYS:
                detector.pop(key, None)
            semi.pop('miner', None)
        else:  # mining on (the demo config has it off): all are candidates
            semi.miner = dict(
                type='mmext.PromotedPseudoLabelMiner', low_thr=0.)
        torch.manual_seed(0)
        model = _models('mmext').build(cfg)
        model.init_weights()
        model.teacher.load_state_dict(model.student.state_dict())
        model.to(device)
        preprocessor = model.data_preprocessor.data_preprocessor
        num_classes = model.student.roi_head.bbox_head.num_classes

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            sup = demo_batch(preprocessor, size, labeled, 5, num_classes,
                             device)
            unsup = demo_batch(preprocessor, size, unlabeled, 0, num_classes,
                               device)
            inputs = dict(
                sup=sup[0], unsup_teacher=unsup[0], unsup_student=unsup[0])
            samples = dict(
                sup=sup[1], unsup_teacher=unsup[1], unsup_student=unsup[1])
            return dict(train=loss_step(model, inputs, samples))

        return model.student, steps_for

    return build


def calibrated_teacher(impl: str,
                       batch: int = 2,
                       pseudo_labels: int = 20) -> Callable[[str], Built]:
    """The demo's Calibrated Teacher step (teacher's prediction, calibration
    observations, pseudo labels merged into the annotations, the student's
    loss with the Focal IoU weight; thresholds lowered so that every teacher
    box becomes a pseudo label, the worst case), or mmdet's RetinaNet with
    the student's weights trained on the same sparse annotations."""

    def build(device: str) -> Built:
        from mmengine.config import Config
        models = _models('mmext')
        cfg = copy.deepcopy(
            Config.fromfile(DEMO_CONFIGS['calibrated_teacher']).model)
        cfg.semi_train_cfg.update(
            initial_score_thr=0.,
            calibrated_score_thr=0.,
            min_pseudo_bbox_size=0.)
        cfg.detector.test_cfg.update(score_thr=0., max_per_img=pseudo_labels)
        torch.manual_seed(0)
        model = models.build(cfg)
        model.init_weights()
        model.teacher.load_state_dict(model.student.state_dict())
        model.calibrator.num_fits.fill_(1)
        if impl == 'mmdet':
            plain = copy.deepcopy(cfg.detector)
            plain.type = 'mmdet.RetinaNet'
            plain.bbox_head.type = 'mmdet.RetinaHead'
            plain.bbox_head.pop('focal_iou_weight')
            plain = models.build(plain)
            plain.load_state_dict(model.student.state_dict())
            plain.to(device)
        model.to(device)
        preprocessor = model.data_preprocessor.data_preprocessor
        num_classes = model.student.bbox_head.num_classes

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            inputs, samples = demo_batch(preprocessor, size, batch, gts,
                                         num_classes, device)
            if impl == 'mmdet':
                return dict(train=loss_step(plain, inputs, samples))
            return dict(
                train=loss_step(model, dict(teacher=inputs, student=inputs),
                                dict(teacher=samples, student=samples)))

        return model.student if impl == 'mmext' else plain, steps_for

    return build


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
        from mmengine.config import Config
        cfg = Config.fromfile(DEMO_CONFIGS[key]).model
        if roi_layer is not None:
            set_roi_layers(cfg, roi_layer)
        torch.manual_seed(0)
        model = _models('mmext').build(cfg)
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
        from mmengine.config import Config, ConfigDict
        from mmengine.dataset import pseudo_collate
        from mmengine.logging import MessageHub

        from mmext.datasets import PackAnomalyInputs, SynthesizeAnomaly
        torch.manual_seed(0)
        if impl == 'mmext':
            cfg = Config.fromfile(DEMO_CONFIGS['dmdd']).model
            cfg.teacher.init_cfg = None  # no download: timing only
        else:
            cfg = ConfigDict(DEEPLABV3)
        model = _models('mmext').build(cfg)
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


FPN = Side('mmdet FPN', neck(dict(type='mmdet.FPN')))
RCNET = dict(type='mmext.RCNet', norm_cfg=BN)
# neck variants against FPN (RetinaNet-R50 settings): name -> (what, label,
# config)
NECKS = {
    'neck-rcnet': ('RCNet neck', 'RCNet', RCNET),
    'neck-rcnet-mmcv-dcn':
    ('RCNet with mmcv\'s DCNv2 kernel', 'RCNet (mmcv DCNv2)',
     dict(RCNET, fusion_conv_cfg=dict(type='DCNv2', deform_groups=2))),
    'neck-rcnet-plain-fusion':
    ('RCNet with plain fusion convs', 'RCNet (plain fusion)',
     dict(RCNET, fusion_conv_cfg=None)),
    'neck-rcnet-no-csn': ('RCNet without CSN', 'RCNet w/o CSN',
                          dict(RCNET, use_csn=False)),
    'neck-rcnet-no-revfp': ('RCNet without RevFP', 'RCNet w/o RevFP',
                            dict(RCNET, use_revfp=False)),
    'neck-pafpn':
    ('PAFPN (for scale)', 'mmdet PAFPN', dict(type='mmdet.PAFPN')),
}
CASES: Dict[str, Case] = {
    name:
    Case(
        what,
        Side(label, neck(cfg)),
        FPN,
        warmup=(256, 256),
        check=check_neck_size)
    for name, (what, label, cfg) in NECKS.items()
}
CASES.update({
    # RCNet's parts and ops
    'csn':
    Case('CrossScaleShift (5 x 256 ch)', Side('compiled shift', csn(True)),
         Side('PyTorch shift', csn(False))),
    'op-cross-scale-shift':
    Case('cross_scale_shift op (5 x 2 x 256 ch, stride 8)',
         Side('mmext._ext', shift_op(True)),
         Side('PyTorch (roll + cat)', shift_op(False))),
    'op-dcnv2':
    Case('DCNv2 3x3, 256 ch, stride 8',
         Side('mmext.FastDCNv2', dcn('mmext.FastDCNv2')),
         Side('mmcv DCNv2', dcn('DCNv2'))),
    # TOOD
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
        Side('mmext', dense_head('tood', 'mmext')),
        Side('mmdet TOODHead', dense_head('tood', 'mmdet')),
        gts=10),
    # Calibrated Teacher
    'fiou-head':
    Case(
        'FIoURetinaHead (R-50 head)',
        Side('mmext', dense_head('retina', 'mmext')),
        Side('mmdet RetinaHead', dense_head('retina', 'mmdet')),
        gts=10),
    'calibrated-teacher':
    Case(
        'Calibrated Teacher step (demo RetinaNet R-18, 2 images, 20 '
        'pseudo labels each)',
        Side('CalibratedTeacher', calibrated_teacher('mmext')),
        Side('mmdet RetinaNet', calibrated_teacher('mmdet')),
        size=(256, 256),
        gts=5),
    # MixTeacher
    'mixteacher':
    Case(
        'MixTeacher step (demo Faster R-CNN R-18, 1 + 4 images, 20 '
        'pseudo labels each)',
        Side('MixTeacher', semi_teacher('mmext')),
        Side('mmdet SoftTeacher', semi_teacher('mmdet')),
        size=(256, 256)),
    # SSD-Det
    'ssd-det':
    Case(
        'SSD-Det refinement (demo R-18, 2 images)',
        Side('SSDDet', demo_detector('ssd_det')),
        Side('mmdet Faster R-CNN', demo_detector('faster_rcnn')),
        size=(256, 256),
        gts=5),
    # RoIAlign on every CPU thread
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
    # DMDD
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
for _name, _case in CASES.items():
    register_case(_name, _case)
