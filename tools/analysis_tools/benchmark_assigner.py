"""Benchmark mmext's TaskAlignedAssigner against mmdet's, in one run.

TOOD's priors for an 800x1333 image (strides 8-128, about 22k), 80 classes,
10 / 100 / 500 GT boxes: assignment time (median of ``--repeat``) and peak
memory of the assignment. Each measurement runs in a fresh process, so that
peaks do not mask each other: on the CPU the peak is the growth of the
process' maximum resident set during the call, on CUDA it is
``torch.cuda.max_memory_allocated``. Example (what docs/benchmarks.md
records)::

    python tools/analysis_tools/benchmark_assigner.py --num-gts 10 100 500
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-gts', type=int, nargs='+',
                        default=[10, 100, 500])
    parser.add_argument('--image', default='800x1333', help='HxW')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
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


def worker(args: argparse.Namespace) -> None:
    impl, num_gts = args.worker[0], int(args.worker[1])
    torch.set_num_threads(args.threads)
    h, w = (int(v) for v in args.image.lower().split('x'))
    assigner = build(impl)
    pred, gt = make_inputs(num_gts, h, w, args.device)
    small_pred, small_gt = make_inputs(1, 64, 64, args.device)
    assigner.assign(small_pred, small_gt)  # load code paths
    cuda = args.device.startswith('cuda')
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assigner.assign(pred, gt)
    if cuda:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    times = []
    for _ in range(args.repeat):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        assigner.assign(pred, gt)
        if cuda:
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps(dict(
        time=statistics.median(times), peak=peak / 2**20,
        priors=pred.priors.size(0))))


def measure(impl: str, num_gts: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, '--worker', impl, str(num_gts),
           '--image', args.image, '--repeat', str(args.repeat),
           '--threads', str(args.threads), '--device', args.device]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    hardware = torch.cuda.get_device_name(args.device) if \
        args.device.startswith('cuda') else f'CPU, {args.threads} threads'
    rows = []
    for num_gts in args.num_gts:
        ref, ours = (measure(impl, num_gts, args)
                     for impl in ('mmdet', 'mmext'))
        rows.append((num_gts, ref, ours))
    print(f'TaskAlignedAssigner (topk 13), {args.image} image '
          f'({rows[0][1]["priors"]} priors), 80 classes, {hardware}, '
          f'torch {torch.__version__}; median of {args.repeat} runs\n')
    print('| GTs | mmdet (ms) | mmext (ms) | x mmdet | mmdet peak (MiB) '
          '| mmext peak (MiB) | x mmdet |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for num_gts, ref, ours in rows:
        print(f'| {num_gts} | {ref["time"]:.1f} | {ours["time"]:.1f} | '
              f'{ours["time"] / ref["time"]:.2f} | {ref["peak"]:.1f} | '
              f'{ours["peak"]:.1f} | '
              f'{ours["peak"] / max(ref["peak"], 1e-6):.2f} |')


if __name__ == '__main__':
    main()
