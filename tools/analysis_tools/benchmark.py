"""Benchmark mmext's modules, ops and methods against their baselines.

Every case (``--list`` shows them; ``mmext/benchmark/cases/``
defines them) compares an mmext module, op or training step with the mmdet,
mmseg or mmcv one it replaces or extends (or with its own pure-PyTorch
version), on the same inputs and weights, at each image size of ``--sizes``
(default: the case's own) and, for cases with boxes, each number of GT boxes
of ``--gts``. Each side runs in a fresh process: a warm-up call on a small
image, then the peak memory of the first call at the size (above what was in
use before it: resident-set high-water mark on the CPU,
``torch.cuda.max_memory_allocated`` on CUDA) and the median time of
``--repeat`` more calls. One table row per step, with ``mmext / baseline``
values and their ratio. Examples (what docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark.py
    python tools/analysis_tools/benchmark.py --cases 'neck-*' \\
        --sizes 384x640 800x1333
    python tools/analysis_tools/benchmark.py --cases tal tal-pytorch \\
        --gts 10 100 500
    python tools/analysis_tools/benchmark.py --device cuda
    python tools/analysis_tools/benchmark.py --cases neck-rcnet \\
        --sizes 384x640 --profile

``--profile`` adds, under the table, ``torch.profiler``'s table of each
side and step (``--repeat`` more calls, the operators that took the most
time of their own), to see where a ratio comes from.
"""
import argparse
import os
from typing import List, Optional

import torch

import mmext.benchmark.cases  # noqa: F401  (registers the cases)
from mmext.benchmark import describe_device
from mmext.benchmark.harness import (BENCHMARK_CASES, TABLE_HEADER, parse_size,
                                     profile_blocks, run_case_side,
                                     select_cases, table_rows, worker_report)


def default_threads() -> int:
    """OMP_NUM_THREADS when the environment sets it, else 2."""
    value = os.environ.get('OMP_NUM_THREADS', '')
    return int(value) if value.isdigit() and int(value) > 0 else 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--cases',
        nargs='+',
        default=['*'],
        help='case names or shell patterns (default: all)')
    parser.add_argument(
        '--sizes', nargs='+', help='image sizes HxW (default: each case\'s)')
    parser.add_argument(
        '--gts',
        type=int,
        nargs='+',
        help='GT boxes an image, for cases with boxes (default: each case\'s)')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument(
        '--threads',
        type=int,
        default=default_threads(),
        help='CPU threads of each side (default: OMP_NUM_THREADS if set, '
        'else 2, the development machine\'s cores)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--profile',
        action='store_true',
        help='print the profiler\'s table of each side and step too')
    parser.add_argument(
        '--list', action='store_true', help='list the cases and exit')
    parser.add_argument(
        '--worker', nargs=2, metavar=('CASE', 'SIDE'), help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        names = select_cases(args.cases)
        sizes = [parse_size(s) for s in args.sizes] if args.sizes else None
    except ValueError as e:
        raise SystemExit(str(e))
    if args.list:
        for name in names:
            case = BENCHMARK_CASES[name]
            print(f'{name}: {case.what} ({case.mmext.name} vs '
                  f'{case.baseline.name if case.baseline else "-"})')
        return
    torch.set_num_threads(args.threads)
    if args.worker:
        from mmengine.logging import MMLogger
        MMLogger.get_instance('benchmark', log_level='WARNING')
        case = BENCHMARK_CASES[args.worker[0]]
        gts = args.gts[0] if args.gts and case.gts else None
        print(
            worker_report(case, args.worker[1], sizes[0], gts, args.device,
                          args.repeat, args.profile))
        return
    plan = []
    for name in names:
        case = BENCHMARK_CASES[name]
        gts_list: List[Optional[int]] = [None]
        if case.gts:
            gts_list = args.gts or [case.gts]
        for size in sizes or [case.size]:
            if case.check is not None:
                try:
                    case.check(size)
                except ValueError as e:
                    raise SystemExit(f'{name}: {e}')
            plan += [(name, case, size, gts) for gts in gts_list]
    passed = [
        '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ] + (['--profile'] if args.profile else [])
    from mmext.ops import compiled_ops_available
    compiled = compiled_ops_available(torch.device(args.device))
    print(f'mmext against its baselines, '
          f'{describe_device(args.device, args.threads)}, torch '
          f'{torch.__version__}, mmext._ext '
          f'{"built" if compiled else "NOT built (PyTorch ops)"}; median of '
          f'{args.repeat} calls, peak of the first\n')
    print(TABLE_HEADER, flush=True)
    profiles = []
    for name, case, size, gts in plan:
        ours = run_case_side(__file__, name, 'mmext', size, gts, passed)
        ref = run_case_side(__file__, name, 'baseline', size, gts,
                            passed) if case.baseline else None
        print(
            '\n'.join(table_rows(name, case, size, gts, ours, ref)),
            flush=True)
        if args.profile:
            profiles += profile_blocks(name, case, size, gts, ours, ref)
    if profiles:
        print('\n'.join(profiles))


if __name__ == '__main__':
    main()
