"""Benchmark a Calibrated Teacher training step against plain RetinaNet.

Both come from one CalibratedTeacher config (default: the demo's RetinaNet
R-18 FPN). ``mmdet`` is mmdet's ``RetinaNet`` (``RetinaHead``) trained on the
student's images and annotations, what plain training on sparse labels costs;
``mmext`` is the whole Calibrated Teacher step: the teacher's prediction,
calibration observations, pseudo labels merged into the annotations and the
student's loss with the Focal IoU weight. The untrained teacher's thresholds
are lowered so that every image gets ``--pseudo-labels`` candidates and all of
them become pseudo labels (the method's worst case). A second pair times the
head losses alone (``RetinaHead`` vs ``FIoURetinaHead``, forward + backward on
the same features), the cost of FIoU. Each measurement runs in a fresh
process after a warm-up step: time is the median of ``--repeat`` steps, peak
memory what the first step needs above what was in use before it
(``mmext.utils.peak_memory_mib``). Example (what docs/benchmarks.md
records)::

    python tools/analysis_tools/benchmark_calibrated_teacher.py \\
        --image 256x256 512x512 --gts 5 50 --repeat 3
"""
import argparse
import copy
import json
import sys

import numpy as np
import torch

from mmext.utils import describe_device, run_benchmark_worker, step_cost

DEMO_CONFIG = (
    'configs/calibrated_teacher/'
    'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py')
STEPS = ('mmdet', 'mmext')
HEADS = ('mmdet-head', 'mmext-head')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEMO_CONFIG)
    parser.add_argument(
        '--image', nargs='+', default=['256x256'], help='HxW, one or more')
    parser.add_argument(
        '--gts', nargs='+', type=int, default=[5], help='annotations an image')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--pseudo-labels', type=int, default=20)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--worker',
        nargs=3,
        metavar=('IMPL', 'HxW', 'GTS'),
        help=argparse.SUPPRESS)
    return parser.parse_args()


def build_models(args: argparse.Namespace) -> tuple:
    """The config's CalibratedTeacher (teacher = student, calibrator fitted
    to the identity, every teacher box a pseudo label) and mmdet's RetinaNet
    with the student's weights."""
    from mmengine.config import Config

    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules()
    cfg = copy.deepcopy(Config.fromfile(args.config).model)
    cfg.semi_train_cfg.update(
        initial_score_thr=0., calibrated_score_thr=0., min_pseudo_bbox_size=0.)
    cfg.detector.test_cfg.update(score_thr=0., max_per_img=args.pseudo_labels)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.teacher.load_state_dict(model.student.state_dict())
    model.calibrator.num_fits.fill_(1)
    plain = copy.deepcopy(cfg.detector)
    plain.type = 'mmdet.RetinaNet'
    plain.bbox_head.type = 'mmdet.RetinaHead'
    plain.bbox_head.pop('focal_iou_weight')
    plain = MODELS.build(plain)
    plain.load_state_dict(model.student.state_dict())
    return model.to(args.device), plain.to(args.device)


def make_batch(model, h: int, w: int, num_gts: int, args):
    from mmdet.testing import demo_mm_inputs
    packed = demo_mm_inputs(
        batch_size=args.batch,
        image_shapes=[(3, h, w)] * args.batch,
        num_items=[num_gts] * args.batch,
        num_classes=model.student.bbox_head.num_classes,
        device=args.device)
    data = model.data_preprocessor.data_preprocessor(packed, training=True)
    for sample in data['data_samples']:
        sample.set_metainfo(dict(homography_matrix=np.eye(3)))
    inputs = dict(teacher=data['inputs'], student=data['inputs'])
    samples = dict(teacher=data['data_samples'], student=data['data_samples'])
    return inputs, samples


def backward(losses: dict) -> None:
    sum(
        torch.stack(v).sum() if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k).backward()


def make_step(impl: str, models: tuple, batch):
    """A callable running one training step (or head loss) of ``impl``."""
    model, plain = models
    inputs, samples = batch
    if impl == 'mmext':
        return lambda: backward(model.loss(inputs, copy.deepcopy(samples)))
    if impl == 'mmdet':
        return lambda: backward(
            plain.loss(inputs['student'], copy.deepcopy(samples['student'])))
    head = model.student.bbox_head if impl == 'mmext-head' else \
        plain.bbox_head
    feats = [
        f.detach().requires_grad_()
        for f in model.student.extract_feat(inputs['student'])
    ]
    return lambda: backward(head.loss(feats, samples['student']))


def worker(args: argparse.Namespace) -> None:
    impl, image, num_gts = args.worker
    h, w = (int(v) for v in image.lower().split('x'))
    torch.set_num_threads(args.threads)
    models = build_models(args)
    for model in models:
        model.train()
    make_step(impl, models, make_batch(models[0], 64, 64, 2, args))()
    step = make_step(impl, models,
                     make_batch(models[0], h, w, int(num_gts), args))
    print(json.dumps(step_cost(step, args.repeat, args.device)))


def measure(impl: str, image: str, num_gts: int, args) -> dict:
    cmd = [
        sys.executable, __file__, '--worker', impl, image,
        str(num_gts), '--config', args.config, '--batch',
        str(args.batch), '--pseudo-labels',
        str(args.pseudo_labels), '--repeat',
        str(args.repeat), '--threads',
        str(args.threads), '--device', args.device
    ]
    return run_benchmark_worker(cmd, f'{impl} at {image} with {num_gts} GTs')


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    hardware = describe_device(args.device, args.threads)
    print(f'Training step of mmdet RetinaNet vs mmext CalibratedTeacher '
          f'(+FIoU), and the head loss RetinaHead vs FIoURetinaHead, '
          f'{args.config}, {args.batch} images, {args.pseudo_labels} pseudo '
          f'labels an image, {hardware}, median of {args.repeat}')
    print('| image | GTs | train step (ms): mmdet | mmext | ratio | peak '
          '(MiB): mmdet | mmext | ratio | head loss (ms): mmdet | mmext | '
          'ratio |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | '
          '--- |')
    for image in args.image:
        for num_gts in args.gts:
            ref, ours = (measure(i, image, num_gts, args) for i in STEPS)
            ref_head, our_head = (
                measure(i, image, num_gts, args) for i in HEADS)
            print(f'| {image} | {num_gts} | {ref["time"]:.0f} | '
                  f'{ours["time"]:.0f} | {ours["time"] / ref["time"]:.2f} | '
                  f'{ref["peak"]:.0f} | {ours["peak"]:.0f} | '
                  f'{ours["peak"] / max(ref["peak"], 1e-6):.2f} | '
                  f'{ref_head["time"]:.0f} | {our_head["time"]:.0f} | '
                  f'{our_head["time"] / ref_head["time"]:.2f} |')


if __name__ == '__main__':
    main()
