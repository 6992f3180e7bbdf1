"""Check that a model predicts the same through ONNX Runtime as in PyTorch.

Usage::

    python tools/deployment/check_onnx_parity.py CONFIG [--checkpoint CKPT] \\
        [--shape N H W | --images PATH ...] [--score-thr T] [--seed S] \\
        [--backend openvino]

Exports the model (the checkpoint's weights, or random ones of ``--seed``
without a checkpoint: no download) at ``--shape``, predicts on random
normalised images of that shape in PyTorch and with the network in ONNX
Runtime, and prints, image by image, the largest differences against the
tolerances (boxes 1e-3, scores 1e-4, anomaly maps 1e-4; detections must
have the same labels). Exits with 1 when an image is out of tolerance.
``--images`` (files or folders) checks on those images instead, read by
the config's test pipeline (without its annotation loading) and the model's
data preprocessor, as a test would; one export per padded shape.
``--score-thr`` replaces the detector's test score threshold (random
weights score about 1 / classes: give 0 to compare every box).
"""
import argparse
import os
import os.path as osp
import sys
from typing import List

import torch
from mmengine.config import Config

from mmext.deployment import load_model
from mmext.deployment.model_loading import random_weights_model
from mmext.deployment.parity import (compare_with_onnxruntime, image_batches,
                                     within_tolerance)
from mmext.utils import register_all_modules

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='PyTorch against ONNX Runtime predictions')
    parser.add_argument('config')
    parser.add_argument(
        '--checkpoint', help='weights to check (default: random weights)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=3,
        metavar=('N', 'H', 'W'),
        help='random images of this shape (default: 1 256 256)')
    parser.add_argument(
        '--images',
        nargs='+',
        metavar='PATH',
        help='check on these images (files or folders) instead')
    parser.add_argument('--score-thr', type=float)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--backend',
        choices=['onnxruntime', 'openvino'],
        default='onnxruntime',
        help='the runtime to compare with PyTorch')
    return parser.parse_args()


def set_score_threshold(model: torch.nn.Module, score_thr: float) -> None:
    """The detector's (or the predicting model's) test score threshold."""
    for module in model.modules():
        test_cfg = getattr(module, 'test_cfg', None)
        if test_cfg is not None and 'score_thr' in test_cfg:
            test_cfg['score_thr'] = score_thr


def image_files(paths: List[str]) -> List[str]:
    """The files of ``paths``, folders expanded to their images (sorted);
    a path that does not exist, or a folder without images, is refused."""
    files = []
    for path in paths:
        if osp.isdir(path):
            found = sorted(
                osp.join(path, name) for name in os.listdir(path)
                if name.lower().endswith(IMAGE_SUFFIXES))
            if not found:
                raise SystemExit(f'--images: {path} holds no image '
                                 f'({", ".join(IMAGE_SUFFIXES)})')
            files += found
        elif osp.isfile(path):
            files.append(path)
        else:
            raise SystemExit(f'--images: {path} not found')
    return files


def main() -> int:
    args = parse_args()
    if args.checkpoint:
        model = load_model(args.config, args.checkpoint)
    else:
        register_all_modules()
        model = random_weights_model(
            Config.fromfile(args.config).model, args.seed)
    if args.score_thr is not None:
        set_score_threshold(model, args.score_thr)
    if args.images:
        if args.shape:
            raise SystemExit('give --shape (random images) or --images, '
                             'not both')
        files = image_files(args.images)
        by_file = {}
        cfg = Config.fromfile(args.config)
        for paths, inputs, samples in image_batches(model, cfg, files):
            by_file.update(
                zip(
                    paths,
                    compare_with_onnxruntime(model, tuple(inputs.shape),
                                             args.seed, args.backend, inputs,
                                             samples)))
        names = list(dict.fromkeys(files))
        results = [by_file[name] for name in names]
    else:
        n, h, w = args.shape or (1, 256, 256)
        results = compare_with_onnxruntime(model, (n, 3, h, w), args.seed,
                                           args.backend)
        names = [f'image {i}' for i in range(n)]
    failed = 0
    for name, result in zip(names, results):
        ok = within_tolerance(result)
        failed += not ok
        fields = ', '.join(
            f'{k} {v:.3g}' if isinstance(v, float) else f'{k} {v}'
            for k, v in result.items())
        print(f'{name}: {fields}: {"ok" if ok else "OUT OF TOLERANCE"}')
    print(f'{len(results) - failed} of {len(results)} images within '
          'tolerance')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
