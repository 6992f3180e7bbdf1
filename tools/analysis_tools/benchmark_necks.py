"""Benchmark feature-pyramid necks on RetinaNet-R50 backbone features.

Prints, for each image size, the parameters, FLOPs (mmengine's counter),
forward time and forward+backward time of each neck, with ratios to FPN
measured in the same run. Example (what docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark_necks.py --sizes 384x640 800x1333

Times are medians over ``--repeat`` rounds after one warm-up; each round runs
every neck once, so that the machine's drift hits them alike. On the CPU with
``--threads`` threads, or on the GPU with ``--device cuda``.
"""
import argparse
import statistics
import sys
from typing import Callable, Dict, List, Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.logging import MMLogger

from mmext.registry import MODELS
from mmext.utils import describe_device, time_ms

RETINANET_NECK = dict(
    in_channels=[256, 512, 1024, 2048],
    out_channels=256,
    start_level=1,
    add_extra_convs='on_input',
    num_outs=5)
BN = dict(type='BN', requires_grad=True)
NECKS = {
    'FPN':
    dict(type='FPN'),
    'PAFPN':
    dict(type='PAFPN'),
    'RCNet':
    dict(type='RCNet', norm_cfg=BN),
    'RCNet (mmcv DCNv2 kernel)':
    dict(
        type='RCNet',
        norm_cfg=BN,
        fusion_conv_cfg=dict(type='DCNv2', deform_groups=2)),
    'RCNet (plain fusion convs)':
    dict(type='RCNet', norm_cfg=BN, fusion_conv_cfg=None),
    'RCNet w/o CSN':
    dict(type='RCNet', norm_cfg=BN, use_csn=False),
    'RCNet w/o RevFP':
    dict(type='RCNet', norm_cfg=BN, use_revfp=False),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--sizes',
        nargs='+',
        default=['384x640', '800x1333'],
        help='image sizes HxW')
    parser.add_argument('--necks', nargs='+', default=list(NECKS))
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def check_size(h: int, w: int, batch: int) -> None:
    """The necks' BatchNorm cannot train on one value per channel: the
    coarsest output (stride 128) must hold more than one at this batch."""
    if batch * -(-h // 128) * -(-w // 128) < 2:
        raise SystemExit(
            f'size {h}x{w} at --batch {batch} gives the stride-128 level a '
            '1x1 map, on which BatchNorm cannot train (one value per '
            'channel): use --batch 2 or more, or a side over 128')


def backbone_features(h: int, w: int, batch: int,
                      device: str) -> Tuple[torch.Tensor, ...]:
    """ResNet-50 C2-C5 maps of an ``h x w`` image (strides 4-32)."""
    return tuple(
        torch.randn(batch, c, -(-h // s), -(-w // s), device=device)
        for c, s in zip(RETINANET_NECK['in_channels'], (4, 8, 16, 32)))


def count_flops(neck: torch.nn.Module, feats: tuple) -> float:
    analyzer = FlopAnalyzer(neck, (feats, ))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def measure_all(names: List[str], feats: tuple,
                args: argparse.Namespace) -> Dict[str, Dict]:
    """Time every neck round by round (one run of each per round), so that
    the machine's drift hits all of them alike; report medians."""
    necks = {}
    for name in names:
        neck = MODELS.build(dict(RETINANET_NECK, **NECKS[name]))
        neck.init_weights()
        necks[name] = neck.to(args.device)
    train_feats = tuple(f.clone().requires_grad_(True) for f in feats)

    def forward(neck: torch.nn.Module) -> Callable[[], None]:

        def run() -> None:
            with torch.no_grad():
                neck(feats)

        return run

    def train_step(neck: torch.nn.Module) -> Callable[[], None]:
        return lambda: sum(o.mean() for o in neck(train_feats)).backward()

    results = {name: dict(forward=[], train=[]) for name in names}
    for mode, make_fn in (('forward', forward), ('train', train_step)):
        for neck in necks.values():
            neck.train(mode == 'train')
            time_ms(make_fn(neck), args.device)  # warm-up
        for _ in range(args.repeat):
            for name, neck in necks.items():
                results[name][mode].append(time_ms(make_fn(neck), args.device))
    for name, neck in necks.items():
        neck.eval()
        with torch.no_grad():
            flops = count_flops(neck, feats)
        results[name] = dict(
            params=sum(p.numel() for p in neck.parameters()) / 1e6,
            flops=flops,
            forward=statistics.median(results[name]['forward']),
            train=statistics.median(results[name]['train']))
    return results


def main() -> None:
    args = parse_args()
    # Keep mmengine's per-parameter initialisation report out of the table.
    MMLogger.get_instance('benchmark_necks', log_level='WARNING')
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = args.device
    hardware = describe_device(device, args.threads)
    print(f'Necks on RetinaNet-R50 features, batch {args.batch}, {hardware}, '
          f'torch {torch.__version__}; median of {args.repeat} rounds; FLOPs '
          'as counted by mmengine (it skips mmcv\'s compiled ops)')
    sizes = [
        tuple(int(v) for v in size.lower().split('x')) for size in args.sizes
    ]
    for h, w in sizes:
        check_size(h, w, args.batch)
    for h, w in sizes:
        print(
            f'measuring {len(args.necks)} necks at {h}x{w} ...',
            file=sys.stderr,
            flush=True)
        feats = backbone_features(h, w, args.batch, device)
        results = measure_all(args.necks, feats, args)
        rows: List[Tuple[str, Dict]] = list(results.items())
        base = results.get('FPN')
        print(f'\n### {h}x{w}\n')
        print('| neck | params (M) | FLOPs (G) | forward (ms) | x FPN '
              '| fwd+bwd (ms) | x FPN |')
        print('| --- | --- | --- | --- | --- | --- | --- |')
        for name, r in rows:
            fwd_ratio = f'{r["forward"] / base["forward"]:.2f}' if base \
                else '-'
            train_ratio = f'{r["train"] / base["train"]:.2f}' if base else '-'
            print(f'| {name} | {r["params"]:.2f} | {r["flops"]:.1f} | '
                  f'{r["forward"]:.1f} | {fwd_ratio} | {r["train"]:.1f} | '
                  f'{train_ratio} |')


if __name__ == '__main__':
    main()
