"""Train a detector with an mmext or mmdet config.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options KEY=VALUE ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

from mmengine.config import Config

import mmext  # noqa: F401  (lets configs inherit from 'mmext::...')
from mmext.engine.runner import build_runner, release_process_group
from mmext.engine.runner.command_line import (add_run_arguments,
                                              check_before_run,
                                              load_run_config, parse_run_args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='train with automatic mixed '
        'precision')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the total batch size against '
        "the config's auto_scale_lr.base_batch_size")
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    add_run_arguments(
        parser, "train_cfg.max_epochs=3 'optim_wrapper.optimizer.lr=0.01'")
    return parse_run_args(parser)


def enable_amp(cfg: Config) -> None:
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper == 'AmpOptimWrapper':
        return
    if wrapper != 'OptimWrapper':
        raise ValueError('--amp replaces optim_wrapper.type=OptimWrapper '
                         f'with AmpOptimWrapper; this config uses {wrapper}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def enable_auto_scale_lr(cfg: Config) -> None:
    if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
        raise KeyError('--auto-scale-lr needs auto_scale_lr.base_batch_size '
                       'in the config (the total batch size its learning '
                       'rate was set for)')
    cfg.auto_scale_lr.enable = True


def main() -> None:
    args = parse_args()
    cfg = load_run_config(args)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    check_before_run(args, cfg)
    runner = build_runner(cfg)
    runner.train()
    release_process_group()


if __name__ == '__main__':
    main()
