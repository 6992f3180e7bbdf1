"""Benchmark mmext's TOOD (head + assigner) against mmdet's, in one run.

TOOD R-50's head (256 channels, 6 stacked convs, 80 classes) on FPN features
of an 800x1333 image (about 22k priors) with 10 / 100 / 500 GT boxes, in the
task-aligned stage: head forward time, training-step time (forward, loss,
backward) and the assigner's time and peak memory, medians of ``--repeat``.
Each assigner measurement runs in a fresh process; its peak is what one
assignment needs above what was in use before it
(``mmext.utils.peak_memory_mib``: resident-set high-water mark on the CPU,
``torch.cuda.max_memory_allocated`` on CUDA). The two heads (same weights)
are timed in one process, alternately, so that the machine's drift hits both
alike.
Example (what docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark_tood.py --num-gts 10 100 500
"""
import argparse
import json
import statistics
import sys

import torch

from mmext.utils import (describe_device, peak_memory_mib,
                         run_benchmark_worker, time_ms)

IMPLS = ('mmdet', 'mmext')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--num-gts', type=int, nargs='+', default=[10, 100, 500])
    parser.add_argument('--image', default='800x1333', help='HxW')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--no-head', action='store_true', help='assigner rows only')
    parser.add_argument(
        '--worker',
        nargs=2,
        metavar=('IMPL', 'NUM_GTS'),
        help=argparse.SUPPRESS)
    return parser.parse_args()


def make_inputs(num_gts: int, h: int, w: int, device: str):
    from mmdet.models.task_modules.prior_generators import AnchorGenerator
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(0)
    generator = AnchorGenerator(
        strides=[8, 16, 32, 64, 128],
        ratios=[1.0],
        octave_base_scale=8,
        scales_per_octave=1)
    sizes = [(-(-h // s), -(-w // s)) for s in (8, 16, 32, 64, 128)]
    priors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    n = priors.size(0)
    decoded = priors + torch.randn(n, 4, generator=g) * 16
    decoded[:, 2:] = torch.maximum(decoded[:, 2:], decoded[:, :2] + 1)
    scores = torch.rand(n, 80, generator=g)
    xy = torch.rand(num_gts, 2, generator=g) * torch.tensor([w * .9, h * .9])
    wh = torch.rand(num_gts, 2, generator=g) * 200 + 8
    gt = InstanceData(
        bboxes=torch.cat([xy, xy + wh], 1),
        labels=torch.randint(80, (num_gts, ), generator=g))
    pred = InstanceData(priors=priors, bboxes=decoded, scores=scores)
    return pred.to(device), gt.to(device)


def build(impl: str):
    if impl == 'mmdet':
        from mmdet.models.task_modules.assigners import TaskAlignedAssigner
    else:
        from mmext.models.task_modules import TaskAlignedAssigner
    return TaskAlignedAssigner(topk=13)


def build_head(impl: str, device: str) -> torch.nn.Module:
    """TOOD R-50's head as mmdet's config has it, with either
    implementation of head and assigner."""
    from mmengine.config import Config
    from mmengine.utils import get_installed_path
    model = Config.fromfile(f'{get_installed_path("mmdet")}/.mim/configs/tood/'
                            'tood_r50_fpn_1x_coco.py').model
    cfg = model.bbox_head
    cfg.pop('_scope_', None)
    cfg.pop('type')
    cfg.update(train_cfg=model.train_cfg, test_cfg=model.test_cfg)
    if impl == 'mmdet':
        from mmdet.models.dense_heads import TOODHead
    else:
        from mmext.models.dense_heads import TOODHead
        cfg.train_cfg.assigner.type = 'mmext.TaskAlignedAssigner'
    head = TOODHead(**cfg)
    head.init_weights()
    return head.to(device)


def median_ms(fn, repeat: int, device: str) -> float:
    return statistics.median(time_ms(fn, device) for _ in range(repeat))


def head_times(gt, h: int, w: int, args) -> dict:
    """Forward and training-step times of mmdet's and mmext's heads in the
    task-aligned stage, timed in alternation (one run of each per round) so
    that the machine's drift hits both alike."""
    from mmengine.logging import MessageHub
    torch.manual_seed(0)
    heads = {impl: build_head(impl, args.device) for impl in IMPLS}
    heads['mmext'].load_state_dict(heads['mmdet'].state_dict())
    feats = tuple(
        torch.randn(1, 256, -(-h // s), -(-w // s), device=args.device)
        for s in (8, 16, 32, 64, 128))
    metas = [dict(img_shape=(h, w), pad_shape=(h, w), scale_factor=(1, 1))]
    MessageHub.get_current_instance().update_info('epoch', 4)

    def forward(head) -> None:
        with torch.no_grad():
            head(feats)

    def train_step(head) -> None:
        losses = head.loss_by_feat(*head(feats), [gt], metas)
        sum(sum(v) if isinstance(v, list) else v
            for v in losses.values()).backward()

    times = {impl: dict(forward=[], train=[]) for impl in IMPLS}
    for key, fn in (('forward', forward), ('train', train_step)):
        for head in heads.values():
            fn(head)  # warm-up
        for _ in range(args.repeat):
            for impl, head in heads.items():
                times[impl][key].append(time_ms(lambda: fn(head), args.device))
    return {
        impl: {
            key: statistics.median(v)
            for key, v in t.items()
        }
        for impl, t in times.items()
    }


def worker(args: argparse.Namespace) -> None:
    impl, num_gts = args.worker[0], int(args.worker[1])
    torch.set_num_threads(args.threads)
    h, w = (int(v) for v in args.image.lower().split('x'))
    if impl == 'heads':
        _, gt = make_inputs(num_gts, h, w, args.device)
        print(json.dumps(head_times(gt, h, w, args)))
        return
    assigner = build(impl)
    pred, gt = make_inputs(num_gts, h, w, args.device)
    small_pred, small_gt = make_inputs(1, 64, 64, args.device)
    assigner.assign(small_pred, small_gt)  # load code paths
    peak = peak_memory_mib(lambda: assigner.assign(pred, gt), args.device)
    result = dict(
        time=median_ms(lambda: assigner.assign(pred, gt), args.repeat,
                       args.device),
        peak=peak,
        priors=pred.priors.size(0))
    print(json.dumps(result))


def measure(impl: str, num_gts: int, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', impl,
        str(num_gts), '--image', args.image, '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(cmd, f'{impl} with {num_gts} GTs')


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    hardware = describe_device(args.device, args.threads)
    rows = []
    for num_gts in args.num_gts:
        ref, ours = (measure(impl, num_gts, args) for impl in IMPLS)
        if not args.no_head:
            heads = measure('heads', num_gts, args)
            ref.update(heads['mmdet'])
            ours.update(heads['mmext'])
        rows.append((num_gts, ref, ours))
    print(f'TOOD R-50 head + TaskAlignedAssigner (topk 13), {args.image} '
          f'image ({rows[0][1]["priors"]} priors), 80 classes, {hardware}, '
          f'torch {torch.__version__}; median of {args.repeat} runs\n')
    columns = [('assigner (ms)', 'time'), ('assigner peak (MiB)', 'peak')]
    if not args.no_head:
        columns = [('head forward (ms)', 'forward'),
                   ('train step (ms)', 'train')] + columns
    print('| GTs | ' + ' | '.join(f'{name}: mmdet | mmext | x mmdet'
                                  for name, _ in columns) + ' |')
    print('| --- ' * (1 + 3 * len(columns)) + '|')
    for num_gts, ref, ours in rows:
        cells = [str(num_gts)]
        for _, key in columns:
            cells += [
                f'{ref[key]:.1f}', f'{ours[key]:.1f}',
                f'{ours[key] / max(ref[key], 1e-6):.2f}'
            ]
        print('| ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
