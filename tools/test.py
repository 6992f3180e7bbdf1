"""Evaluate (and benchmark) a trained detector or anomaly model with an mmext
or mmdet config.

Usage::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
        [--show] [--show-dir DIR] [--wait-time SECONDS]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]

Prints the metrics at the end; the logs (with per-iteration timing) go to the
work dir.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.evaluator import DumpResults

import mmext  # noqa: F401  (lets configs inherit from 'mmext::...')
from mmext.engine import unwrapped_model
from mmext.engine.runner import build_runner, release_process_group
from mmext.engine.runner.command_line import (add_run_arguments,
                                              check_before_run,
                                              load_run_config, parse_run_args)
from mmext.preflight import check_checkpoint_fits


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a '
                                     'detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='dump the predictions to this pickle file (.pkl)')
    parser.add_argument(
        '--show', action='store_true', help='show predictions in a window')
    parser.add_argument(
        '--show-dir',
        help='write images with predictions drawn to this directory, '
        'relative to the run directory in the work dir')
    parser.add_argument(
        '--wait-time',
        type=float,
        default=2,
        help='seconds each image stays on screen with --show')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='evaluate even when the checkpoint lacks some of the model\'s '
        'weights or holds them in another shape (refused by default)')
    add_run_arguments(parser, 'test_dataloader.batch_size=1')
    return parse_run_args(parser)


def enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Switch on the config's visualization hook for --show/--show-dir
    (mmdet's DetVisualizationHook, or mmext's AnomalyVisualizationHook)."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise KeyError('--show and --show-dir need a visualization hook in '
                       "the config: default_hooks.visualization = dict(type="
                       "'DetVisualizationHook') for a detector, dict(type="
                       "'AnomalyVisualizationHook') for an anomaly model")
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} not found')
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        enable_visualization(cfg, args)

    check_before_run(args, cfg)
    runner = build_runner(cfg)
    if not args.allow_partial_checkpoint:
        check_checkpoint_fits(unwrapped_model(runner), args.checkpoint)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got {args.out!r}')
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    release_process_group()
    if metrics:
        runner.logger.info('Test metrics:\n' +
                           '\n'.join(f'  {name}: {value}'
                                     for name, value in metrics.items()))
    else:
        runner.logger.warning('No metrics were computed: the evaluator got '
                              'no prediction (every score under '
                              'model.test_cfg.score_thr?)')
    if args.show_dir:
        runner.logger.info('Images with predictions written to ' +
                           osp.join(runner.log_dir, args.show_dir))


if __name__ == '__main__':
    main()
