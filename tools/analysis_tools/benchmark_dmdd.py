"""Benchmark DMDD against mmseg's DeepLabV3 and time its metric.

Models: ``mmseg`` is mmseg's DeepLabV3 (``EncoderDecoder``, ResNet-18,
``ASPPHead``, one output channel: what a plain supervised segmenter of the
synthetic masks costs); ``mmext`` is ``DMDD`` from the demo config (ResNet-18
teacher) or, with ``--mmext-config``, the MVTec one (WideResNet-50 teacher).
Steps: a training step of each of DMDD's stages (distillation: student
forward + backward, two teacher passes; segmentation: frozen student and
teacher, head forward + backward) against DeepLabV3's training step, and
inference. Each case runs in a fresh process after a warm-up step: time is
the median of ``--repeat`` steps, peak memory what the first step needs above
what was in use before it (``mmext.utils.peak_memory_mib``).

Metric: ``AnomalyMetric`` on ``--metric-images`` random maps and masks of
``--metric-size`` (MVTec's 1024 x 1024 by default): seconds and peak memory
to compute image AUROC, pixel AUROC and AUPRO exactly. Example (what
docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark_dmdd.py --image 128x128 256x256 \\
        --repeat 3 --metric-images 100
"""
import argparse
import copy
import json
import sys
import time

import numpy as np
import torch

from mmext.utils import (describe_device, peak_memory_mib,
                         run_benchmark_worker, step_cost)

MMEXT_CONFIG = 'configs/dmdd/dmdd_r18_800it_demo-brick.py'
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mmext-config', default=MMEXT_CONFIG)
    parser.add_argument(
        '--image', nargs='+', default=['128x128'], help='HxW, one or more')
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--metric-images', type=int, default=20)
    parser.add_argument(
        '--metric-size', default='1024x1024', help='HxW of each map')
    parser.add_argument(
        '--worker',
        nargs=3,
        metavar=('IMPL', 'MODE', 'HxW'),
        help=argparse.SUPPRESS)
    return parser.parse_args()


def build_model(impl: str, args: argparse.Namespace):
    from mmengine.config import Config, ConfigDict
    from mmengine.registry import init_default_scope

    from mmext.registry import MODELS
    init_default_scope('mmext')
    torch.manual_seed(0)
    cfg = ConfigDict(DEEPLABV3) if impl == 'mmseg' else Config.fromfile(
        args.mmext_config).model
    if impl == 'mmext':
        cfg.teacher.init_cfg = None  # no download: timing only
    model = MODELS.build(cfg)
    model.init_weights()
    return model.to(args.device)


def make_batch(model, h: int, w: int, args: argparse.Namespace) -> dict:
    from mmengine.dataset import pseudo_collate

    from mmext.datasets import PackAnomalyInputs, SynthesizeAnomaly
    np.random.seed(0)
    synth, pack = SynthesizeAnomaly(), PackAnomalyInputs()
    images = np.random.randint(0, 256, (args.batch, h, w, 3), np.uint8)
    batch = pseudo_collate([
        pack(synth(dict(img=image, img_shape=(h, w), ori_shape=(h, w))))
        for image in images
    ])
    if model.data_preprocessor.size is not None:  # DMDD's fixed size
        model.data_preprocessor.size = (h, w)
    return model.data_preprocessor(batch, training=True)


def make_step(model, mode: str, batch: dict):
    """One training step (``distill`` / ``segment`` / ``train``) or one
    inference (``predict``) of ``model`` on ``batch``."""
    from mmengine.logging import MessageHub
    if mode == 'predict':
        model.eval()

        def inference():
            with torch.no_grad():
                model.predict(batch['inputs'],
                              copy.deepcopy(batch['data_samples']))

        return inference
    model.train()
    if mode in ('distill', 'segment'):
        MessageHub.get_current_instance().update_info(
            'iter', 0 if mode == 'distill' else model.distill_iters)

    def train_step():
        losses = model.loss(batch['inputs'],
                            copy.deepcopy(batch['data_samples']))
        sum(v for k, v in losses.items() if 'loss' in k).backward()

    return train_step


def worker(args: argparse.Namespace) -> None:
    impl, mode, image = args.worker
    h, w = (int(v) for v in image.lower().split('x'))
    torch.set_num_threads(args.threads)
    model = build_model(impl, args)
    make_step(model, mode, make_batch(model, 64, 64, args))()
    step = make_step(model, mode, make_batch(model, h, w, args))
    print(json.dumps(step_cost(step, args.repeat, args.device)))


def measure(impl: str, mode: str, image: str, args) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', impl, mode, image,
        '--mmext-config', args.mmext_config, '--batch',
        str(args.batch), '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(cmd, f'{impl} {mode} at {image}')


def metric_cost(args: argparse.Namespace) -> dict:
    """Seconds and peak MiB of AnomalyMetric on full-size random maps."""
    from mmext.evaluation import AnomalyMetric
    h, w = (int(v) for v in args.metric_size.lower().split('x'))
    rng = np.random.default_rng(0)
    metric = AnomalyMetric()
    for i in range(args.metric_images):
        mask = np.zeros((h, w), np.int64)
        if i % 2:  # half the images hold a few square defects
            for y, x in rng.integers(0, min(h, w) - 64, size=(3, 2)):
                mask[y:y + 64, x:x + 48] = 1
        score_map = rng.random((h, w), dtype=np.float32) + 0.5 * mask
        metric.process({}, [
            dict(
                pred_anomaly_map=dict(data=torch.from_numpy(score_map)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(mask)[None]),
                pred_score=torch.tensor(float(score_map.max())))
        ])
    start = time.perf_counter()
    peak = peak_memory_mib(lambda: metric.compute_metrics(metric.results))
    return dict(seconds=time.perf_counter() - start, peak=peak)


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    torch.set_num_threads(args.threads)
    hardware = describe_device(args.device, args.threads)
    print(f'mmseg DeepLabV3 R-18 vs mmext DMDD ({args.mmext_config}), '
          f'{args.batch} images, {hardware}, median of {args.repeat}')
    print('| image | step | time (ms): mmseg | mmext | ratio | peak (MiB): '
          'mmseg | mmext | ratio |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for image in args.image:
        train_ref = measure('mmseg', 'train', image, args)
        infer_ref = measure('mmseg', 'predict', image, args)
        for mode, ref in (('distill', train_ref), ('segment', train_ref),
                          ('predict', infer_ref)):
            ours = measure('mmext', mode, image, args)
            peak_ratio = (f'{ours["peak"] / ref["peak"]:.2f}'
                          if ref['peak'] >= 1 else 'n/a')
            print(f'| {image} | {mode} | {ref["time"]:.0f} | '
                  f'{ours["time"]:.0f} | {ours["time"] / ref["time"]:.2f} | '
                  f'{ref["peak"]:.0f} | {ours["peak"]:.0f} | {peak_ratio} |')
    cost = metric_cost(args)
    pixels = args.metric_images * np.prod(
        [int(v) for v in args.metric_size.lower().split('x')])
    print(f'\nAnomalyMetric, {args.metric_images} maps of '
          f'{args.metric_size} ({pixels / 1e6:.1f} M pixels): '
          f'{cost["seconds"]:.1f} s, peak {cost["peak"]:.0f} MiB')


if __name__ == '__main__':
    main()
