"""Measure how well a Calibrated Teacher's confidences match its precision.

Runs the teacher of a trained ``CalibratedTeacher`` checkpoint on the
config's test set (fully annotated, so precision is known), keeps the
detections the method considers (score >= ``initial_score_thr``), marks
each correct when it overlaps an annotated box of its class by IoU >
``--iou-thr`` (the calibrator's own definition, default its training value
0.75), and reports, before and after the checkpoint's calibrator:

* the expected calibration error (ECE, ``--num-bins`` equal-width bins);
* a reliability diagram, ``OUT_DIR/reliability_diagram.png`` (precision per
  confidence bin against the diagonal, with the share of boxes per bin);
* the numbers, ``OUT_DIR/calibration_report.json``.

Usage::

    python tools/analysis_tools/calibration_report.py CONFIG CHECKPOINT \\
        --out-dir work_dirs/calibration [--predict-on teacher|student] \\
        [--max-images N] [--overwrite] [--cfg-options KEY=VALUE ...]
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.config import DictAction

from mmext.evaluation import expected_calibration_error, reliability_bins
from mmext.utils.progress import progress_bar


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a CalibratedTeacher config')
    parser.add_argument('checkpoint', help='its trained checkpoint')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--predict-on',
        choices=['teacher', 'student'],
        default='teacher',
        help='whose detections to measure')
    parser.add_argument(
        '--iou-thr',
        type=float,
        help='IoU a correct detection needs (default: the config\'s '
        'semi_train_cfg.match_iou_thr)')
    parser.add_argument('--num-bins', type=int, default=20)
    parser.add_argument(
        '--max-images', type=int, help='stop after this many images')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace a report that OUT_DIR holds already')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=2')
    return parser.parse_args()


def annotations_by_image(dataset) -> Dict[int, Tuple[torch.Tensor, ...]]:
    """``img_id -> (boxes (m, 4), labels (m, ))`` of the dataset's
    annotations in original image coordinates, ignored boxes left out."""
    annotations = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        instances = [
            inst for inst in info.get('instances', [])
            if not inst.get('ignore_flag', 0)
        ]
        boxes = torch.tensor([inst['bbox'] for inst in instances],
                             dtype=torch.float32).reshape(-1, 4)
        labels = torch.tensor([inst['bbox_label'] for inst in instances],
                              dtype=torch.long)
        annotations[info['img_id']] = (boxes, labels)
    return annotations


def collect(model: torch.nn.Module,
            dataloader,
            predict_on: str,
            iou_thr: float,
            max_images=None) -> Tuple[np.ndarray, np.ndarray]:
    """Scores of the detections at or above ``initial_score_thr`` and
    whether each is correct, over the dataloader's images."""
    from mmext.models.task_modules.calibration import matches_annotation
    detector = getattr(model, predict_on)
    score_thr = model.semi_train_cfg.initial_score_thr
    annotations = annotations_by_image(dataloader.dataset)
    scores, correct, seen = [], [], 0
    total = len(dataloader.dataset)
    progress = progress_bar(
        total if max_images is None else min(total, max_images))
    with torch.no_grad():
        for batch in dataloader:
            data = model.data_preprocessor(batch, False)
            results = detector.predict(
                data['inputs'], data['data_samples'], rescale=True)
            for result in results:
                pred = result.pred_instances.cpu()
                pred = pred[pred.scores >= score_thr]
                gt_bboxes, gt_labels = annotations[result.img_id]
                scores.append(pred.scores)
                correct.append(
                    matches_annotation(pred.bboxes, pred.labels, gt_bboxes,
                                       gt_labels, iou_thr))
                seen += 1
                progress.update()
            if max_images is not None and seen >= max_images:
                break
    print()
    return torch.cat(scores).numpy(), torch.cat(correct).numpy()


def summarise(scores: np.ndarray, calibrated: np.ndarray, correct: np.ndarray,
              num_bins: int) -> Dict[str, dict]:
    """ECE and reliability bins before and after calibration."""
    report = {}
    for name, conf in (('before', scores), ('after', calibrated)):
        bins = reliability_bins(conf, correct, num_bins)
        report[name] = dict(
            ece=expected_calibration_error(conf, correct, num_bins),
            mean_confidence=float(conf.mean()) if conf.size else 0.,
            **{
                k: [None if np.isnan(v) else float(v) for v in vals]
                for k, vals in bins.items()
            })
    report['num_detections'] = int(scores.size)
    report['precision'] = float(correct.mean()) if correct.size else 0.
    return report


def plot(report: Dict[str, dict], out_file: str) -> None:
    """Reliability diagrams before / after calibration, side by side."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.5), sharey=True)
    for ax, name in zip(axes, ('before', 'after')):
        part = report[name]
        edges = np.array(part['edges'])
        width = edges[1] - edges[0]
        accuracy = np.array(
            [np.nan if v is None else v for v in part['accuracy']])
        counts = np.array(part['counts'])
        share = counts / max(counts.sum(), 1)
        ax.bar(
            edges[:-1],
            np.nan_to_num(accuracy),
            width=width,
            align='edge',
            edgecolor='black',
            label='precision')
        ax.bar(
            edges[:-1],
            share,
            width=width,
            align='edge',
            alpha=0.4,
            color='gray',
            label='share of boxes')
        ax.plot([0, 1], [0, 1], 'r--', label='perfect calibration')
        ax.set_title(f'{name} calibration: ECE {part["ece"]:.3f}')
        ax.set_xlabel('confidence')
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel('precision')
    axes[0].legend(loc='upper left')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    from mmengine.config import Config
    from mmengine.runner import Runner, load_checkpoint

    from mmext.preflight import check_checkpoint_fits, check_dataset_paths
    from mmext.registry import MODELS
    from mmext.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    outputs = [
        osp.join(args.out_dir, name)
        for name in ('calibration_report.json', 'reliability_diagram.png')
    ]
    existing = [path for path in outputs if osp.exists(path)]
    if existing and not args.overwrite:
        raise FileExistsError(f'{existing} exist: choose another --out-dir, '
                              'or pass --overwrite to replace them')
    if not cfg.model.get('type', '').endswith('CalibratedTeacher'):
        raise ValueError(f'{args.config}: model.type must be '
                         f'CalibratedTeacher, got {cfg.model.get("type")}')
    check_dataset_paths(cfg)
    model = MODELS.build(cfg.model)
    check_checkpoint_fits(model, args.checkpoint)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    if not model.calibrator.is_fitted:
        raise ValueError(
            f'{args.checkpoint}: its calibrator was never '
            'fitted (the training log says why each refit was skipped)')
    iou_thr = args.iou_thr or model.semi_train_cfg.match_iou_thr
    dataloader = Runner.build_dataloader(cfg.test_dataloader)
    scores, correct = collect(model, dataloader, args.predict_on, iou_thr,
                              args.max_images)
    if not len(scores):
        raise SystemExit(
            f'nothing to calibrate: the {args.predict_on} made no detection '
            f'with a score >= semi_train_cfg.initial_score_thr '
            f'({model.semi_train_cfg.initial_score_thr}) on these images; '
            'no report written')
    with torch.no_grad():
        calibrated = model.calibrator(torch.from_numpy(scores)).numpy()
    report = summarise(scores, calibrated, correct, args.num_bins)
    report.update(
        config=args.config,
        checkpoint=args.checkpoint,
        predict_on=args.predict_on,
        iou_thr=iou_thr,
        slope=float(model.calibrator.slope),
        intercept=float(model.calibrator.intercept))
    os.makedirs(args.out_dir, exist_ok=True)
    with open(outputs[0], 'w') as f:
        json.dump(report, f, indent=1)
    plot(report, outputs[1])
    print(f'{report["num_detections"]} detections (score >= '
          f'{model.semi_train_cfg.initial_score_thr}) of the '
          f'{args.predict_on}, precision {report["precision"]:.3f} at IoU > '
          f'{iou_thr}')
    print('             ECE    mean confidence')
    for name in ('before', 'after'):
        print(f'{name:<10} {report[name]["ece"]:7.4f}  '
              f'{report[name]["mean_confidence"]:7.4f}')
    print(f'wrote {args.out_dir}/reliability_diagram.png and '
          'calibration_report.json')


if __name__ == '__main__':
    main()
