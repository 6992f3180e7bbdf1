"""Run paper-scale configs end to end on CPU: a few training iterations and
one evaluation each, at the config's real input size and pipeline, on small
generated data in the config's own format (mmext.testing.paper_data),
with pretrained-weight downloads switched off. Prints a table of seconds
per iteration and peak memory; exits 1 when a config does not run.

Usage::

    python tools/misc/smoke_paper.py [CONFIG ...] [--iters 2]
        [--out-dir work_dirs/smoke_paper] [--markdown FILE [--resume]]

Without configs: every paper-scale config (configs/<method>/, not the
demos). What a smoke run changes, besides data and iterations, is printed
in the table's last column: stages that the schedule starts late are
started at once so that every branch runs (the unsupervised loss, the Focal
IoU weight, TOOD's task-aligned stage, DMDD's segmentation stage), and the
calibrator refits every iteration. Each run starts from an existing folder
only if that folder is empty; the output folder is never overwritten.

``--markdown FILE`` writes the table there after every config, so that a
run stopped part-way keeps the rows it has; the file must not exist, or,
with ``--resume``, it is a table of an earlier run: its configs that ran
(``ok``) keep their rows and are not run again, the others run. The whole
set (hours on 2 cores) can so be run in several sittings.
"""
import argparse
import glob
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

import mmext  # noqa: F401  (mmext:: configs)
from mmext.testing import REPO_ROOT as ROOT
from mmext.testing.paper_data import PaperDataWriter

METHODS = ('rcnet', 'tood', 'mixteacher', 'calibrated_teacher', 'ssd_det',
           'dmdd')
# One light config per method, for CI (make smoke-paper-ci).
CI_CONFIGS = (
    'configs/rcnet/retinanet_r50_rcnet_1x_coco.py',
    'configs/tood/tood_r50_fpn_1x_coco.py',
    'configs/mixteacher/mixteacher_faster-rcnn_r50-caffe_fpn_180k_'
    'semi-0.1-coco.py',
    'configs/calibrated_teacher/calibrated-teacher_retinanet_r50-caffe_fpn_'
    '180k_coco-sparse-extreme.py',
    'configs/ssd_det/ssd-det_r50_fpn_1x_voc07-noise40.py',
    'configs/dmdd/dmdd_wrn50_5k_mvtec-bottle.py',
)
# Schedule switches started at once, so that a few iterations run every
# branch: key -> value.
STAGE_KEYS = dict(
    unsup_start_iter=0,
    unsup_warmup_iters=0,
    start_iter=0,
    initial_epoch=0,
    distill_iters=1)


def paper_configs() -> List[str]:
    found = []
    for method in METHODS:
        for path in sorted(
                glob.glob(osp.join(ROOT, 'configs', method, '*.py'))):
            if 'demo' not in osp.basename(path):
                found.append(osp.relpath(path, ROOT))
    return found


def _walk(node, changes: List[str], where: str = '') -> None:
    """Switch pretrained weights off and start late stages at once."""
    if isinstance(node, dict):
        init_cfg = node.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            node['init_cfg'] = None
        if node.get('pretrained'):
            node['pretrained'] = None
        for key, value in STAGE_KEYS.items():
            if key in node and node[key] != value:
                changes.append(f'{where}{key}={value}')
                node[key] = value
        for key, child in node.items():
            _walk(child, changes, f'{where}{key}.')
    elif isinstance(node, list):
        for i, child in enumerate(node):
            _walk(child, changes, f'{where}{i}.')


def smoke_config(cfg: Config, iters: int) -> Tuple[Config, List[str], int]:
    """The config changed for a smoke run; the changes said in the table;
    the number of training images to write."""
    changes: List[str] = []
    _walk(cfg.model, changes, 'model.')
    cfg.load_from = None
    for hook in cfg.get('custom_hooks', []):
        if str(hook.get('type', '')).endswith('CalibratorRefitHook'):
            hook['interval'] = 1
            changes.append('calibrator refit every iteration')
    batch = cfg.train_dataloader.batch_size
    loop = cfg.train_cfg
    if 'max_iters' in loop:
        loop.update(max_iters=iters, val_interval=iters)
        train_images = 2 * batch
    else:
        loop.update(max_epochs=1, val_interval=1)
        repeat = cfg.train_dataloader.dataset.get('times', 1)
        train_images = max(1, -(-iters * batch // repeat))
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            loader.update(num_workers=0, persistent_workers=False)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=10**9, save_last=False)
    cfg.default_hooks.pop('visualization', None)
    return cfg, changes, train_images


def parse_times(log: str) -> List[float]:
    """Per-iteration times of the training log (logger interval 1)."""
    return [
        float(m.group(1)) for m in re.finditer(
            r'(?:Iter|Epoch)\(train\).*?\stime: ([0-9.]+)', log)
    ]


def run_one(config: str, out_dir: str, iters: int) -> dict:
    name = osp.splitext(osp.basename(config))[0]
    work = osp.join(out_dir, name)
    if osp.exists(work) and os.listdir(work):
        raise SystemExit(f'smoke_paper: {work} is not empty; give another '
                         '--out-dir (nothing is overwritten)')
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg, changes, train_images = smoke_config(cfg, iters)
    data_root = osp.join(work, 'root')
    PaperDataWriter(data_root).write(cfg, train_images)
    smoke_cfg = osp.join(work, f'{name}.py')
    cfg.dump(smoke_cfg)
    log_path = osp.join(work, 'train.log')
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.Popen([
            sys.executable,
            osp.join(ROOT, 'tools', 'train.py'),
            osp.abspath(smoke_cfg), '--work-dir',
            osp.abspath(osp.join(work, 'run'))
        ],
                                cwd=data_root,
                                stdout=log,
                                stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    with open(log_path) as f:
        text = f.read()
    times = parse_times(text)
    returncode = os.waitstatus_to_exitcode(status)
    evaluated = 'Epoch(val)' in text or 'Iter(val)' in text
    error: Optional[str] = None
    if returncode != 0 or not evaluated:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        error = lines[-1][:200] if lines else f'exit {returncode}'
    return dict(
        config=config,
        batch=cfg.train_dataloader.batch_size,
        sec_per_iter=(sum(times[1:]) / len(times[1:]) if len(times) > 1 else
                      (times[0] if times else float('nan'))),
        peak_gib=usage.ru_maxrss / 2**20,
        wall=time.time() - start,
        changes=changes,
        error=error,
        log=log_path)


TABLE_HEADER = [
    '| config | images a batch | s / iteration | peak memory (GiB) | '
    'wall (s) | result | changed for the smoke run |',
    '| --- | --- | --- | --- | --- | --- | --- |'
]


def table_row(r: dict) -> str:
    result = 'ok' if r['error'] is None else f'FAILED: {r["error"]}'
    return (f'| {r["config"]} | {r["batch"]} | {r["sec_per_iter"]:.1f} | '
            f'{r["peak_gib"]:.1f} | {r["wall"]:.0f} | {result} | '
            f'{", ".join(r["changes"]) or "-"} |')


def table(results: List[dict]) -> str:
    return '\n'.join(TABLE_HEADER + [table_row(r) for r in results])


def earlier_rows(path: str) -> Tuple[Dict[str, str], List[str]]:
    """``config: row`` of the table at ``path`` written by an earlier run,
    and the configs that ran there (``ok``); a file that is not such a
    table is refused."""
    with open(path) as f:
        lines = [line.rstrip('\n') for line in f if line.strip()]
    if lines[:2] != TABLE_HEADER:
        raise SystemExit(f'smoke_paper: {path} is not a table of this tool; '
                         'give another --markdown (nothing is overwritten)')
    rows, ran = {}, []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip('|').split(' | ')]
        if len(cells) != len(TABLE_HEADER[1].split(' | ')):
            raise SystemExit(f'smoke_paper: {path}: cannot read the row '
                             f'{line!r}')
        rows[cells[0]] = line
        if cells[5] == 'ok':
            ran.append(cells[0])
    return rows, ran


def ordered_rows(rows: Dict[str, str], configs: List[str]) -> List[str]:
    """The rows of ``configs`` in their order, then any others (an earlier
    run's configs that this run does not name)."""
    named = [rows[c] for c in configs if c in rows]
    return named + [row for c, row in rows.items() if c not in configs]


def write_table(path: str, rows: List[str]) -> None:
    """Write the table through a temporary file, so that a run stopped at
    any moment leaves a whole table."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(TABLE_HEADER + rows) + '\n')
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'configs', nargs='*', help='default: all paper '
        'configs')
    parser.add_argument(
        '--ci', action='store_true', help='one config a '
        'method')
    parser.add_argument('--iters', type=int, default=2)
    parser.add_argument('--out-dir', default='work_dirs/smoke_paper')
    parser.add_argument(
        '--markdown', help='also write the table here, after every config')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='--markdown is an earlier run\'s table: run only the configs '
        'that did not run there')
    args = parser.parse_args()
    if args.iters < 1:
        parser.error('--iters must be >= 1')
    if args.resume and not args.markdown:
        parser.error('--resume needs --markdown (the earlier run\'s table)')
    rows: Dict[str, str] = {}
    done: List[str] = []
    if args.markdown and osp.exists(args.markdown):
        if not args.resume:
            parser.error(f'{args.markdown} exists; give --resume to go on '
                         'from that run, or another --markdown (nothing is '
                         'overwritten)')
        rows, done = earlier_rows(args.markdown)
    configs = args.configs or (list(CI_CONFIGS)
                               if args.ci else paper_configs())
    # Rows by config: the earlier run's, replaced by this run's.
    failed = False
    for config in configs:
        if config in done:
            print(
                f'[smoke-paper] {config}: ran in {args.markdown}', flush=True)
            continue
        print(f'[smoke-paper] {config}', flush=True)
        result = run_one(config, args.out_dir, args.iters)
        status = 'ok' if result['error'] is None else result['error']
        print(
            f'[smoke-paper]   {result["sec_per_iter"]:.1f} s/iter, '
            f'{result["peak_gib"]:.1f} GiB, {status} ({result["log"]})',
            flush=True)
        rows[config] = table_row(result)
        failed |= result['error'] is not None
        if args.markdown:
            write_table(args.markdown, ordered_rows(rows, configs))
    print('\n'.join(TABLE_HEADER + ordered_rows(rows, configs)))
    sys.exit(int(failed))


if __name__ == '__main__':
    main()
