"""Train a detector with an mmext or mmdet config.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options KEY=VALUE ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

import mmext  # noqa: F401  (lets configs inherit from 'mmext::...')
from mmext.engine.runner import build_runner, release_process_group
from mmext.preflight import check_data_before_run, check_dataset_paths
from mmext.preflight.config_keys import unread_keys


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--work-dir',
        help='where logs and checkpoints go (default: '
        './work_dirs/<config name>)')
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
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=3 '
        "'optim_wrapper.optimizer.lr=0.01'")
    parser.add_argument(
        '--skip-data-check',
        action='store_true',
        help='skip the annotation checks run before the runner is built '
        '(tools/misc/check_dataset.py runs them and more)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (older: --local_rank).
    parser.add_argument('--local_rank', '--local-rank', type=int)
    args = parser.parse_args()
    # Only a launcher's --local-rank: under Slurm, LOCAL_RANK comes from
    # SLURM_LOCALID, read later.
    if args.local_rank is not None:
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


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
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
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

    for warning in unread_keys(args.config, cfg):
        print_log(warning, 'current', logging.WARNING)
    check_dataset_paths(cfg)
    if not args.skip_data_check:
        check_data_before_run(cfg)
    runner = build_runner(cfg)
    runner.train()
    release_process_group()


if __name__ == '__main__':
    main()
