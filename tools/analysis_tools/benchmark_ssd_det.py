"""Benchmark SSD-Det's refinement network against the detector it feeds.

``mmdet`` is mmdet's Faster R-CNN of the SSD-Det demo pipeline (trained on
the noisy or refined boxes), ``mmext`` is ``SSDDet`` (the SSD-Det demo
config): a training step (forward + backward) on the same batch of images
and noisy boxes, and inference (Faster R-CNN's detection vs SSD-Det's
refinement of the batch's boxes). SSD-Det's cost grows with the number of
boxes (three RoIAlign passes over a bag of proposals per box, plus the
negatives); Faster R-CNN's hardly does. Each measurement runs in a fresh
process after a warm-up step: time is the median of ``--repeat`` steps, peak
memory what the first step needs above what was in use before it
(``mmext.utils.peak_memory_mib``). Example (what docs/benchmarks.md
records)::

    python tools/analysis_tools/benchmark_ssd_det.py \\
        --image 256x256 512x512 --gts 5 20 --repeat 3
"""
import argparse
import copy
import json
import sys

import torch

from mmext.utils import describe_device, run_benchmark_worker, step_cost

CONFIGS = dict(
    mmdet='configs/ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40.py',
    mmext='configs/ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mmdet-config', default=CONFIGS['mmdet'])
    parser.add_argument('--mmext-config', default=CONFIGS['mmext'])
    parser.add_argument(
        '--image', nargs='+', default=['256x256'], help='HxW, one or more')
    parser.add_argument(
        '--gts', nargs='+', type=int, default=[5], help='boxes an image')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--worker',
        nargs=4,
        metavar=('IMPL', 'MODE', 'HxW', 'GTS'),
        help=argparse.SUPPRESS)
    return parser.parse_args()


def build_model(config: str, device: str):
    from mmengine.config import Config

    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    return model.to(device)


def make_batch(model, h: int, w: int, num_gts: int, args) -> dict:
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(
        batch_size=args.batch,
        image_shapes=[(3, h, w)] * args.batch,
        num_items=[num_gts] * args.batch,
        num_classes=6,
        device=args.device)
    return model.data_preprocessor(packed, training=True)


def make_step(model, mode: str, batch: dict):
    """A callable running one training step or one inference of ``model``."""
    if mode == 'train':
        model.train()

        def train_step():
            losses = model.loss(batch['inputs'],
                                copy.deepcopy(batch['data_samples']))
            sum(
                torch.stack(v).sum() if isinstance(v, list) else v
                for k, v in losses.items() if 'loss' in k).backward()

        return train_step
    model.eval()

    def inference():
        with torch.no_grad():
            model.predict(batch['inputs'],
                          copy.deepcopy(batch['data_samples']))

    return inference


def worker(args: argparse.Namespace) -> None:
    impl, mode, image, num_gts = args.worker
    h, w = (int(v) for v in image.lower().split('x'))
    torch.set_num_threads(args.threads)
    model = build_model(getattr(args, f'{impl}_config'), args.device)
    make_step(model, mode, make_batch(model, 64, 64, 2, args))()
    step = make_step(model, mode, make_batch(model, h, w, int(num_gts), args))
    print(json.dumps(step_cost(step, args.repeat, args.device)))


def measure(impl: str, mode: str, image: str, num_gts: int, args) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', impl, mode, image,
        str(num_gts), '--mmdet-config', args.mmdet_config, '--mmext-config',
        args.mmext_config, '--batch',
        str(args.batch), '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(
        cmd, f'{impl} {mode} at {image} with {num_gts} GTs')


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    hardware = describe_device(args.device, args.threads)
    print(f'mmdet Faster R-CNN ({args.mmdet_config}) vs mmext SSDDet '
          f'({args.mmext_config}), {args.batch} images, {hardware}, median '
          f'of {args.repeat}')
    print('| image | GTs | train step (ms): mmdet | mmext | ratio | peak '
          '(MiB): mmdet | mmext | ratio | inference (ms): mmdet | mmext | '
          'ratio |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | '
          '--- |')
    for image in args.image:
        for num_gts in args.gts:
            ref, ours = (
                measure(impl, 'train', image, num_gts, args)
                for impl in ('mmdet', 'mmext'))
            ref_inf, our_inf = (
                measure(impl, 'predict', image, num_gts, args)
                for impl in ('mmdet', 'mmext'))
            print(f'| {image} | {num_gts} | {ref["time"]:.0f} | '
                  f'{ours["time"]:.0f} | {ours["time"] / ref["time"]:.2f} | '
                  f'{ref["peak"]:.0f} | {ours["peak"]:.0f} | '
                  f'{ours["peak"] / max(ref["peak"], 1e-6):.2f} | '
                  f'{ref_inf["time"]:.0f} | {our_inf["time"]:.0f} | '
                  f'{our_inf["time"] / ref_inf["time"]:.2f} |')


if __name__ == '__main__':
    main()
