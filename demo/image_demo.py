"""Run an mmext (or mmdet) config + checkpoint on images, a folder or a
video: detections drawn for detectors (mmdet's ``DetInferencer``),
image | heat map | overlay panels for anomaly models (mmext's
``AnomalyInferencer``).

Usage::

    python demo/image_demo.py INPUTS CONFIG (--weights CKPT | --onnx FILE)
        [--out-dir outputs] [--device cpu] [--batch-size 1]
        [--pred-score-thr 0.3] [--threshold 0.5] [--show]
        [--no-save-vis] [--no-save-pred] [--print-result] [--overwrite]

Panels go to ``OUT_DIR/vis``, predictions to ``OUT_DIR/preds`` (detectors:
mmdet's json per image; anomaly models: ``<name>.json`` with the score and
``<name>.npy`` with the anomaly map).
"""
import argparse
import os
import os.path as osp
from typing import List

from mmengine.config import Config

import mmext  # noqa: F401  (lets configs inherit from 'mmext::...')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'inputs', help='an image, a folder of images or a video')
    parser.add_argument('model', help='config file')
    parser.add_argument(
        '--weights',
        help='checkpoint file (not needed with --onnx, whose file holds '
        'the weights)')
    parser.add_argument(
        '--onnx',
        help='run the network in ONNX Runtime from this file, exported '
        'from MODEL by tools/deployment/export_onnx.py (MODEL still gives '
        'the pre- and post-processing)')
    parser.add_argument(
        '--onnx-backend',
        choices=['onnxruntime', 'openvino'],
        default='onnxruntime',
        help='the runtime that runs the --onnx file')
    parser.add_argument(
        '--out-dir', default='outputs', help='where vis/ and preds/ go')
    parser.add_argument('--device', default=None, help='e.g. cpu, cuda:0')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--pred-score-thr',
        type=float,
        default=0.3,
        help='detectors: draw boxes scoring at least this')
    parser.add_argument(
        '--threshold',
        type=float,
        default=None,
        help='anomaly models: outline anomaly map >= THRESHOLD and call '
        'images scoring at least this anomalous')
    parser.add_argument('--show', action='store_true')
    parser.add_argument('--no-save-vis', action='store_true')
    parser.add_argument('--no-save-pred', action='store_true')
    parser.add_argument('--print-result', action='store_true')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='write into OUT_DIR/vis and OUT_DIR/preds even when they hold '
        'files already (replacing those with the same names)')
    return parser.parse_args()


def is_anomaly_config(cfg: Config) -> bool:
    """Anomaly models are drawn by mmext's AnomalyLocalVisualizer."""
    visualizer = cfg.get('visualizer') or {}
    return str(visualizer.get('type', '')).endswith('AnomalyLocalVisualizer')


def refuse_overwriting(args: argparse.Namespace) -> None:
    """Refuse output folders that hold files already, unless --overwrite."""
    folders = [] if args.no_save_vis else ['vis']
    folders += [] if args.no_save_pred else ['preds']
    for folder in folders:
        path = osp.join(args.out_dir, folder)
        if not args.overwrite and osp.isdir(path) and os.listdir(path):
            raise FileExistsError(
                f'{path} holds files already, which this run could replace: '
                'choose another --out-dir, or pass --overwrite')


def main() -> None:
    args = parse_args()
    if args.weights is None and args.onnx is None:
        raise ValueError('give --weights (a checkpoint) or --onnx (an '
                         'exported model)')
    if args.weights is not None and not osp.isfile(args.weights):
        raise FileNotFoundError(f'--weights {args.weights!r} not found')
    refuse_overwriting(args)
    cfg = Config.fromfile(args.model)
    # The inferencer writes the drawings to --out-dir itself; the config's
    # visualization backends would want a save_dir of their own (mmengine
    # warns "Failed to add LocalVisBackend" on every run).
    if cfg.get('visualizer'):
        cfg.visualizer.vis_backends = None
    call_args = dict(
        inputs=args.inputs,
        batch_size=args.batch_size,
        out_dir=args.out_dir,
        show=args.show,
        no_save_vis=args.no_save_vis,
        no_save_pred=args.no_save_pred,
        print_result=args.print_result)
    if is_anomaly_config(cfg):
        from mmext.apis import AnomalyInferencer
        inferencer = AnomalyInferencer(cfg, args.weights, args.device)
        call_args['threshold'] = args.threshold
    else:
        from mmdet.apis import DetInferencer
        inferencer = DetInferencer(
            cfg,
            args.weights,
            args.device,
            scope=cfg.get('default_scope', 'mmdet'))
        call_args['pred_score_thr'] = args.pred_score_thr
    if args.onnx is not None:
        from mmext.deployment import attach_onnxruntime
        attach_onnxruntime(inferencer.model, args.onnx, args.onnx_backend)
    predictions = inferencer(**call_args)['predictions']
    print(summary(predictions, call_args))
    if not (args.no_save_vis and args.no_save_pred):
        print(f'results written to {osp.abspath(args.out_dir)}')


def summary(predictions: List[dict], call_args: dict) -> str:
    """One line of what was found: detections at or above the score
    threshold, or images judged anomalous, out of the images read."""
    images = f'{len(predictions)} image{"s" * (len(predictions) != 1)}'
    if 'threshold' in call_args:
        if call_args['threshold'] is None:
            scores = [p['pred_score'] for p in predictions]
            return (f'{images} scored (image scores {min(scores):.3g} to '
                    f'{max(scores):.3g}; --threshold decides)')
        anomalous = sum(bool(p['is_anomalous']) for p in predictions)
        return (f'{anomalous} of {images} anomalous (image score >= '
                f'{call_args["threshold"]})')
    threshold = call_args['pred_score_thr']
    found = sum(
        sum(score >= threshold for score in p['scores']) for p in predictions)
    return f'{found} detections >= {threshold} in {images}'


if __name__ == '__main__':
    main()
