"""Benchmark a MixTeacher training step against mmdet's SoftTeacher.

Both are built from one MixTeacher config (default: the demo's Faster R-CNN
R-18 FPN); for SoftTeacher the detector is mmdet's ``FasterRCNN`` with the
same weights and the same semi-supervised settings. One step is the
supervised loss on the labeled images, the teacher's pseudo labels on the
unlabeled images and the student's pseudo-label losses, then backward (no
optimiser step). The teachers are untrained, so thresholds are lowered to give
every unlabeled image ``--pseudo-labels`` pseudo labels, and every one of them
is a mining candidate (mining's worst case). Each model runs in a fresh
process, after a warm-up step on 64x64 images: time is the median of
``--repeat`` steps, peak memory what the first step needs at its peak above
what was in use before it (``mmext.utils.peak_memory_mib``: resident-set
high-water mark on CPU, ``max_memory_allocated`` on CUDA). Example (what
docs/benchmarks.md records)::

    python tools/analysis_tools/benchmark_mixteacher.py \\
        --image 256x256 512x512 --repeat 3
"""
import argparse
import copy
import json
import sys

import numpy as np
import torch

from mmext.utils import describe_device, run_benchmark_worker, step_cost

IMPLS = ('mmdet', 'mmext')
DEMO_CONFIG = ('configs/mixteacher/'
               'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py')
MIXED_SCALE_KEYS = ('fusion', 'train_scales', 'test_scale', 'size_divisor')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEMO_CONFIG)
    parser.add_argument(
        '--image', nargs='+', default=['256x256'], help='HxW, one or more')
    parser.add_argument('--labeled', type=int, default=1)
    parser.add_argument('--unlabeled', type=int, default=4)
    parser.add_argument('--pseudo-labels', type=int, default=20)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--worker', nargs=2, metavar=('IMPL', 'HxW'), help=argparse.SUPPRESS)
    return parser.parse_args()


def build_model(impl: str, args: argparse.Namespace) -> torch.nn.Module:
    from mmengine.config import Config

    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules()
    cfg = copy.deepcopy(Config.fromfile(args.config).model)
    semi = cfg.semi_train_cfg
    semi.update(
        pseudo_label_initial_score_thr=0.,
        rpn_pseudo_thr=0.,
        reg_pseudo_thr=float('inf'),
        unsup_start_iter=0,
        unsup_warmup_iters=0)
    detector = cfg.detector
    detector.test_cfg.rcnn.update(score_thr=0., max_per_img=args.pseudo_labels)
    if impl == 'mmdet':
        cfg.type = 'mmdet.SoftTeacher'
        detector.type = 'mmdet.FasterRCNN'
        for key in MIXED_SCALE_KEYS:
            detector.pop(key, None)
        semi.pop('miner', None)
    elif semi.get('miner') is not None:
        semi.miner.low_thr = 0.
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.teacher.load_state_dict(model.student.state_dict())
    return model.to(args.device)


def make_batch(model, h: int, w: int, args: argparse.Namespace):
    from mmdet.testing import demo_mm_inputs
    preprocessor = model.data_preprocessor.data_preprocessor
    num_classes = model.student.roi_head.bbox_head.num_classes

    def branch(num: int, num_gts: int):
        packed = demo_mm_inputs(
            batch_size=num,
            image_shapes=[(3, h, w)] * num,
            num_items=[num_gts] * num,
            num_classes=num_classes,
            device=args.device)
        data = preprocessor(packed, training=True)
        for sample in data['data_samples']:
            sample.set_metainfo(
                dict(homography_matrix=np.eye(3, dtype=np.float32)))
        return data['inputs'], data['data_samples']

    sup = branch(args.labeled, 5)
    unsup = branch(args.unlabeled, 0)
    inputs = dict(sup=sup[0], unsup_teacher=unsup[0], unsup_student=unsup[0])
    samples = dict(sup=sup[1], unsup_teacher=unsup[1], unsup_student=unsup[1])
    return inputs, samples


def train_step(model, batch) -> None:
    inputs, samples = batch
    losses = model.loss(inputs, copy.deepcopy(samples))
    sum(
        torch.stack(v).sum() if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k).backward()


def worker(args: argparse.Namespace) -> None:
    impl = args.worker[0]
    h, w = (int(v) for v in args.worker[1].lower().split('x'))
    torch.set_num_threads(args.threads)
    model = build_model(impl, args)
    model.train()
    train_step(model, make_batch(model, 64, 64, args))  # load code paths
    batch = make_batch(model, h, w, args)
    print(
        json.dumps(
            step_cost(lambda: train_step(model, batch), args.repeat,
                      args.device)))


def measure(impl: str, image: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', impl, image, '--config',
        args.config, '--labeled',
        str(args.labeled), '--unlabeled',
        str(args.unlabeled), '--pseudo-labels',
        str(args.pseudo_labels), '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(cmd, f'{impl} at {image}')


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    hardware = describe_device(args.device, args.threads)
    print(f'Training step of mmdet SoftTeacher vs mmext MixTeacher, '
          f'{args.config}, {args.labeled} labeled + {args.unlabeled} '
          f'unlabeled images, {args.pseudo_labels} pseudo labels an image, '
          f'{hardware}, median of {args.repeat}')
    print('| image | train step (ms): mmdet | mmext | ratio '
          '| peak (MiB): mmdet | mmext | ratio |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for image in args.image:
        ref, ours = (measure(impl, image, args) for impl in IMPLS)
        print(f'| {image} | {ref["time"]:.0f} | {ours["time"]:.0f} | '
              f'{ours["time"] / ref["time"]:.2f} | {ref["peak"]:.0f} | '
              f'{ours["peak"]:.0f} | '
              f'{ours["peak"] / max(ref["peak"], 1e-6):.2f} |')


if __name__ == '__main__':
    main()
