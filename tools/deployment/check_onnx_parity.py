"""Check that a model predicts the same through ONNX Runtime as in PyTorch.

Usage::

    python tools/deployment/check_onnx_parity.py CONFIG [--checkpoint CKPT] \\
        [--shape N H W] [--score-thr T] [--seed S] [--backend openvino]

Exports the model (the checkpoint's weights, or random ones of ``--seed``
without a checkpoint: no download) at ``--shape``, predicts on random
normalised images of that shape in PyTorch and with the network in ONNX
Runtime, and prints, image by image, the largest differences against the
tolerances (boxes 1e-3, scores 1e-4, anomaly maps 1e-4; detections must
have the same labels). Exits with 1 when an image is out of tolerance.
``--score-thr`` replaces the detector's test score threshold (random
weights score about 1 / classes: give 0 to compare every box).
"""
import argparse
import sys

import torch
from mmengine.config import Config

from mmext.deployment import load_model
from mmext.deployment.model_loading import random_weights_model
from mmext.deployment.parity import compare_with_onnxruntime, within_tolerance
from mmext.utils import register_all_modules


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
        default=[1, 256, 256],
        metavar=('N', 'H', 'W'))
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
    n, h, w = args.shape
    results = compare_with_onnxruntime(model, (n, 3, h, w), args.seed,
                                       args.backend)
    failed = 0
    for i, result in enumerate(results):
        ok = within_tolerance(result)
        failed += not ok
        fields = ', '.join(
            f'{k} {v:.3g}' if isinstance(v, float) else f'{k} {v}'
            for k, v in result.items())
        print(f'image {i}: {fields}: {"ok" if ok else "OUT OF TOLERANCE"}')
    print(f'{len(results) - failed} of {len(results)} images within '
          'tolerance')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
