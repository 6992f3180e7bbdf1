"""Benchmark mmext's modules and ops against their baselines, in one table.

Each row is an mmext module, op or op version next to what it replaces or
extends (mmdet's, mmseg's or mmcv's module, or the op's pure-PyTorch
version), on the same inputs: forward time (no gradients), forward+backward
time, and the peak memory of a forward+backward step, with the ratio
``mmext / baseline`` of each. Every (row, side) runs in a fresh process:
time is the median of ``--repeat`` calls after a warm-up, peak memory what
the first call needs above what was in use before it
(``mmext.utils.peak_memory_mib``: resident-set high-water mark on the CPU,
``torch.cuda.max_memory_allocated`` on CUDA). Rows without a backward pass
(the assigners) report the forward call's peak; a baseline peak under
1 MiB (the allocator reused memory the process already held) gets no ratio.
CPU by default; with
``--device cuda`` on a GPU, where the compiled ops run their CUDA kernels.

Whole detectors and training steps have their own scripts, with the same
method: ``benchmark_necks.py`` (RCNet), ``benchmark_tood.py``,
``benchmark_mixteacher.py``, ``benchmark_calibrated_teacher.py``,
``benchmark_ssd_det.py`` and ``benchmark_dmdd.py``.
Example (what docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark_modules.py
"""
import argparse
import json
import os.path as osp
import sys
from contextlib import nullcontext
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch

from mmext.utils import (describe_device, run_benchmark_worker, step_cost,
                         time_ms)

Step = Callable[[], None]


class Side(NamedTuple):
    name: str
    #: device -> (forward step, forward+backward step or None)
    build: Callable[[str], Tuple[Step, Optional[Step]]]


class Row(NamedTuple):
    what: str
    mmext: Side
    baseline: Side


def _registry(scope: str):
    from mmengine.registry import init_default_scope

    from mmext.registry import MODELS
    init_default_scope(scope)
    return MODELS


def module_steps(module: torch.nn.Module,
                 inputs: tuple,
                 ops_enabled: bool = True) -> Tuple[Step, Step]:
    """Forward without gradients, and forward + backward of the outputs'
    mean (of every output of a tuple or list), with mmext's compiled ops on
    or off."""
    from mmext.ops import compiled_ops_disabled

    def outputs_mean(out) -> torch.Tensor:
        if isinstance(out, (tuple, list)):
            return sum(outputs_mean(o) for o in out)
        return out.float().mean()

    def forward() -> None:
        with torch.no_grad(), (nullcontext()
                               if ops_enabled else compiled_ops_disabled()):
            module(*inputs)

    def train() -> None:
        with nullcontext() if ops_enabled else compiled_ops_disabled():
            outputs_mean(module(*inputs)).backward()

    return forward, train


def pyramid(device: str,
            channels=(256, ) * 5,
            strides=(8, 16, 32, 64, 128),
            size=(512, 512),
            grad: bool = False,
            batch: int = 1) -> tuple:
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


def neck(cfg: dict) -> Callable[[str], Tuple[Step, Step]]:
    """RetinaNet-R50's neck on C2-C5 maps of a 512x512 image."""

    def build(device: str):
        models = _registry('mmext')
        module = models.build(
            dict(
                in_channels=[256, 512, 1024, 2048],
                out_channels=256,
                start_level=1,
                add_extra_convs='on_input',
                num_outs=5,
                **cfg))
        module.init_weights()
        feats = pyramid(device, (256, 512, 1024, 2048), (4, 8, 16, 32))
        return module_steps(module.to(device), (feats, ))

    return build


def csn(ops_enabled: bool) -> Callable[[str], Tuple[Step, Step]]:
    """RCNet's CSN on five 256-channel levels of a 512x512 image."""

    def build(device: str):
        from mmext.models.layers import CrossScaleShift
        module = CrossScaleShift(256, 5, norm_cfg=dict(type='BN'))
        module.init_weights()
        feats = pyramid(device, size=(512, 512), grad=True)
        return module_steps(module.to(device), (feats, ), ops_enabled)

    return build


def shift_op(ops_enabled: bool) -> Callable[[str], Tuple[Step, Step]]:
    """The channel shift alone on CSN's stacked levels (5 x 256 x 64 x 64,
    batch 2)."""

    def build(device: str):
        from mmext.ops import cross_scale_shift
        x = torch.randn(5, 2, 256, 64, 64, device=device, requires_grad=True)
        module = lambda t: cross_scale_shift(t, 16, (-1, 1, -2, 2))  # noqa
        return module_steps(module, (x, ), ops_enabled)

    return build


def dcn(conv_type: str) -> Callable[[str], Tuple[Step, Step]]:
    """RCNet's fusion convolution: 3x3 DCNv2, 256 channels, 2 deformable
    groups, on a 1 x 256 x 64 x 64 map."""

    def build(device: str):
        from mmcv.cnn import build_conv_layer
        _registry('mmext')
        torch.manual_seed(0)
        conv = build_conv_layer(
            dict(type=conv_type, deform_groups=2), 256, 256, 3, padding=1)
        x = torch.randn(1, 256, 64, 64, device=device, requires_grad=True)
        return module_steps(conv.to(device), (x, ))

    return build


def assigner(impl: str, num_gts: int) -> Callable[[str], Tuple[Step, None]]:
    """Task-aligned assignment of an 800x1333 image (about 22k priors),
    80 classes (``benchmark_tood.py``'s inputs)."""

    def build(device: str):
        sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
        from benchmark_tood import make_inputs
        from mmdet.models.task_modules.assigners import \
            TaskAlignedAssigner as MMDetTaskAlignedAssigner

        from mmext.models.task_modules import TaskAlignedAssigner
        from mmext.ops import compiled_ops_disabled
        pred, gt = make_inputs(num_gts, 800, 1333, device)
        if impl == 'mmdet':
            module, context = MMDetTaskAlignedAssigner(13), nullcontext
        else:
            module = TaskAlignedAssigner(13)
            context = nullcontext if impl == 'compiled' else \
                compiled_ops_disabled

        def forward() -> None:
            with context():
                module.assign(pred, gt)

        return forward, None

    return build


def dense_head(kind: str, impl: str) -> Callable[[str], Tuple[Step, Step]]:
    """A detector head on FPN features of a 512x512 image with 10 GTs:
    forward, and forward + loss (targets included) + backward."""

    def build(device: str):
        from mmengine.config import Config
        from mmengine.logging import MessageHub
        from mmengine.structures import InstanceData
        models = _registry('mmdet')
        if kind == 'tood':
            sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
            from benchmark_tood import build_head
            head = build_head(impl, device)
            MessageHub.get_current_instance().update_info('epoch', 4)
        else:  # RetinaNet's head, with the Focal IoU weight for mmext
            from mmengine.utils import get_installed_path
            cfg = Config.fromfile(
                f'{get_installed_path("mmdet")}/.mim/configs/retinanet/'
                'retinanet_r50_fpn_1x_coco.py').model
            head_cfg = cfg.bbox_head
            head_cfg.update(train_cfg=cfg.train_cfg, test_cfg=cfg.test_cfg)
            head_cfg.pop('_scope_', None)
            if impl == 'mmext':
                head_cfg.update(
                    type='mmext.FIoURetinaHead',
                    focal_iou_weight=dict(type='mmext.FocalIoUWeight'))
            torch.manual_seed(0)
            head = models.build(head_cfg)
            head.init_weights()
            head = head.to(device)
        feats = pyramid(device)
        g = torch.Generator().manual_seed(0)
        xy = torch.rand(10, 2, generator=g) * 400
        gt = InstanceData(
            bboxes=torch.cat(
                [xy, xy + 16 + torch.rand(10, 2, generator=g) * 96], 1),
            labels=torch.randint(80, (10, ), generator=g)).to(device)
        metas = [
            dict(
                img_shape=(512, 512),
                pad_shape=(512, 512),
                scale_factor=(1, 1))
        ]

        def forward() -> None:
            with torch.no_grad():
                head(feats)

        def train() -> None:
            losses = head.loss_by_feat(*head(feats), [gt], metas)
            sum(sum(v) if isinstance(v, list) else v
                for v in losses.values()).backward()

        return forward, train

    return build


def backbone(cfg: dict, scope: str) -> Callable[[str], Tuple[Step, Step]]:
    """A backbone on a 1 x 3 x 256 x 256 image."""

    def build(device: str):
        models = _registry(scope)
        torch.manual_seed(0)
        module = models.build(cfg)
        module.init_weights()
        x = torch.randn(1, 3, 256, 256, device=device)
        return module_steps(module.to(device), (x, ))

    return build


def seg_head(impl: str) -> Callable[[str], Tuple[Step, Step]]:
    """DMDD's segmentation head against mmseg's ASPPHead on the same
    ResNet-18 teacher features of two 256x256 images (64/128/256 channels at
    strides 4/8/16; batch 2 for the heads' batch norms after global
    pooling): DMDD's head also reads both student branches."""

    def build(device: str):
        torch.manual_seed(0)
        teacher = pyramid(
            device, (64, 128, 256), (4, 8, 16), (256, 256), batch=2)
        if impl == 'mmext':
            from mmext.models.anomaly import MultiPerceptionSegHead
            head = MultiPerceptionSegHead(
                in_channels=(64, 128, 256), channels=128)
            student = tuple(
                tuple(torch.randn_like(t) for t in teacher) for _ in range(2))
            inputs = (teacher, *student)
        else:
            models = _registry('mmseg')
            head = models.build(
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
            inputs = (list(teacher), )
        head.init_weights()
        return module_steps(head.to(device), inputs)

    return build


BN = dict(type='BN', requires_grad=True)
ROWS: Dict[str, Row] = {
    'rcnet':
    Row('RCNet neck (RetinaNet-R50, 512x512)',
        Side('RCNet', neck(dict(type='RCNet', norm_cfg=BN))),
        Side('mmdet FPN', neck(dict(type='mmdet.FPN')))),
    'csn':
    Row('CrossScaleShift (CSN, 5 x 256 ch, 512x512)',
        Side('compiled shift', csn(True)), Side('PyTorch shift', csn(False))),
    'shift':
    Row('cross_scale_shift op (5 x 2 x 256 x 64 x 64)',
        Side('mmext._ext', shift_op(True)),
        Side('PyTorch (roll + cat)', shift_op(False))),
    'dcn':
    Row('DCNv2 3x3, 256 ch, 64x64',
        Side('mmext.FastDCNv2', dcn('mmext.FastDCNv2')),
        Side('mmcv DCNv2', dcn('DCNv2'))),
    'tal-10':
    Row('TaskAlignedAssigner, 22k priors, 10 GTs',
        Side('mmext (compiled)', assigner('compiled', 10)),
        Side('mmdet', assigner('mmdet', 10))),
    'tal-100':
    Row('TaskAlignedAssigner, 22k priors, 100 GTs',
        Side('mmext (compiled)', assigner('compiled', 100)),
        Side('mmdet', assigner('mmdet', 100))),
    'tal-100-pytorch':
    Row('TaskAlignedAssigner, 22k priors, 100 GTs',
        Side('mmext (PyTorch)', assigner('pytorch', 100)),
        Side('mmdet', assigner('mmdet', 100))),
    'tood':
    Row('TOODHead + TaskAlignedAssigner (512x512, 10 GTs)',
        Side('mmext', dense_head('tood', 'mmext')),
        Side('mmdet TOODHead', dense_head('tood', 'mmdet'))),
    'fiou':
    Row('FIoURetinaHead (512x512, 10 GTs)',
        Side('mmext', dense_head('fiou', 'mmext')),
        Side('mmdet RetinaHead', dense_head('fiou', 'mmdet'))),
    'wrn':
    Row(
        'WideResNet-50 (256x256)',
        Side('mmext.WideResNet',
             backbone(dict(type='WideResNet', depth=50), 'mmext')),
        Side('mmdet ResNet-50',
             backbone(dict(type='mmdet.ResNet', depth=50), 'mmdet'))),
    'seg-head':
    Row('DMDD seg head (2 x 256x256 teacher features)',
        Side('MultiPerceptionSegHead', seg_head('mmext')),
        Side('mmseg ASPPHead', seg_head('mmseg'))),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--rows', nargs='+', default=list(ROWS), choices=list(ROWS))
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--worker', nargs=2, metavar=('ROW', 'SIDE'), help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(args: argparse.Namespace) -> None:
    from mmengine.logging import MMLogger
    MMLogger.get_instance('benchmark_modules', log_level='WARNING')
    torch.set_num_threads(args.threads)
    row, side = ROWS[args.worker[0]], args.worker[1]
    forward, train = getattr(row, side).build(args.device)
    result = {}
    for key, step in (('forward', forward), ('train', train)):
        if step is None:
            continue
        time_ms(step, args.device)  # warm-up
        result[key] = step_cost(step, args.repeat, args.device)
    print(json.dumps(result))


def measure(key: str, side: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', key, side, '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(cmd, f'{key} ({side})')


def ratio(ours: Optional[float], ref: Optional[float]) -> str:
    if ours is None or ref is None:
        return '-'
    return f'{ours / max(ref, 1e-6):.2f}'


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    from mmext.ops import compiled_ops_available
    compiled = compiled_ops_available(torch.device(args.device))
    hardware = describe_device(args.device, args.threads)
    print(f'mmext modules against their baselines, {hardware}, '
          f'torch {torch.__version__}, mmext._ext '
          f'{"built" if compiled else "NOT built (PyTorch ops)"}; median of '
          f'{args.repeat} calls, peak of the first (forward+backward where '
          'there is one)\n')
    print('| module | mmext | baseline | forward (ms) | x | fwd+bwd (ms) | x '
          '| peak (MiB) | x |')
    print('| --- ' * 9 + '|')
    for key in args.rows:
        row = ROWS[key]
        ours, ref = measure(key, 'mmext', args), measure(key, 'baseline', args)
        peak_key = 'train' if 'train' in ours else 'forward'
        fmt = lambda r, k, f: f'{r[k][f]:.1f}' if k in r else '-'  # noqa
        cells = [
            row.what,
            row.mmext.name,
            row.baseline.name,
            f'{fmt(ours, "forward", "time")} / {fmt(ref, "forward", "time")}',
            ratio(ours['forward']['time'], ref['forward']['time']),
            f'{fmt(ours, "train", "time")} / {fmt(ref, "train", "time")}',
            ratio(
                ours.get('train', {}).get('time'),
                ref.get('train', {}).get('time')),
            f'{fmt(ours, peak_key, "peak")} / {fmt(ref, peak_key, "peak")}',
            # under 1 MiB the baseline reused memory its process already
            # held (resident-set measurement): no meaningful ratio
            ratio(
                ours[peak_key]['peak'],
                ref[peak_key]['peak'] if ref[peak_key]['peak'] >= 1 else None)
        ]
        print('| ' + ' | '.join(cells) + ' |', flush=True)


if __name__ == '__main__':
    main()
