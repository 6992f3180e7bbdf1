"""What ``tools/train.py`` and ``tools/test.py`` share: the arguments that
choose how a run starts, the config it runs and the checks made before the
runner is built."""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from mmext.preflight import check_data_before_run, check_dataset_paths
from mmext.preflight.config_keys import unread_keys


def add_run_arguments(parser: argparse.ArgumentParser,
                      cfg_options_example: str) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--skip-data-check``,
    ``--launcher`` and a launcher's ``--local-rank`` to ``parser``."""
    parser.add_argument(
        '--work-dir',
        help='where the logs (and, in training, the checkpoints) go '
        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=f'override config settings, e.g. {cfg_options_example}')
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


def parse_run_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line; a launcher's ``--local-rank`` becomes
    ``LOCAL_RANK`` (under Slurm it comes from ``SLURM_LOCALID``, read
    later)."""
    args = parser.parse_args()
    if args.local_rank is not None:
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_run_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the launcher, ``--cfg-options``
    and the work dir (``--work-dir``, the config's, else
    ``./work_dirs/<config name>``) applied."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def check_before_run(args: argparse.Namespace, cfg: Config) -> None:
    """Warn about top-level keys nothing reads, refuse missing data paths
    and, unless ``--skip-data-check``, check the annotations."""
    for warning in unread_keys(args.config, cfg):
        print_log(warning, 'current', logging.WARNING)
    check_dataset_paths(cfg)
    if not args.skip_data_check:
        check_data_before_run(cfg)
