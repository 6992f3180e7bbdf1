import os.path as osp
from typing import Iterator, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict

DEMO_DATA_HINT = ('The embedded demo data (data/demo_det, data/demo_ad) is '
                  'written by `python tools/misc/make_demo_data.py`, its '
                  'semi-supervised splits (semi_anns/) by '
                  '`tools/dataset_converters/split_coco_semi.py`, its sparse '
                  'annotations (sparse_anns/) by '
                  '`tools/dataset_converters/make_sparse_coco.py`, its noisy '
                  'boxes (noisy_anns/) by '
                  '`tools/dataset_converters/make_noisy_coco.py`; '
                  '`make data` runs them all.')


def leaf_datasets(dataset: ConfigDict,
                  key: str) -> Iterator[Tuple[str, ConfigDict]]:
    """Yield ``(config key, dataset config)`` for every dataset a dataset
    config holds, looking through wrappers such as RepeatDataset and
    ConcatDataset."""
    if 'dataset' in dataset:
        yield from leaf_datasets(dataset['dataset'], f'{key}.dataset')
    elif 'datasets' in dataset:
        for i, child in enumerate(dataset['datasets']):
            yield from leaf_datasets(child, f'{key}.datasets[{i}]')
    else:
        yield key, dataset


def config_datasets(
    cfg: Config,
    loaders: Sequence[str] = ('train_dataloader', 'val_dataloader',
                              'test_dataloader')
) -> Iterator[Tuple[str, ConfigDict]]:
    """``(config key, dataset config)`` of every leaf dataset of a config's
    dataloaders."""
    for loader_key in loaders:
        loader = cfg.get(loader_key)
        if loader and 'dataset' in loader:
            yield from leaf_datasets(loader['dataset'],
                                     f'{loader_key}.dataset')


def config_evaluators(cfg: Config) -> Iterator[Tuple[str, str, ConfigDict]]:
    """``(split, config key, evaluator config)`` of every evaluator of
    ``val_evaluator`` / ``test_evaluator`` (a list's items indexed)."""
    for split in ('val', 'test'):
        evaluators = cfg.get(f'{split}_evaluator') or []
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        for i, evaluator in enumerate(evaluators):
            key = f'{split}_evaluator' + (f'[{i}]'
                                          if len(evaluators) > 1 else '')
            yield split, key, evaluator


def evaluator_ann_files(cfg: Config) -> Iterator[Tuple[str, str]]:
    """``(config key, path)`` of the ``ann_file`` of every evaluator of
    ``val_evaluator`` / ``test_evaluator``."""
    for _, key, evaluator in config_evaluators(cfg):
        if evaluator.get('ann_file'):
            yield f'{key}.ann_file', evaluator['ann_file']


def _is_local(path: str) -> bool:
    return '://' not in path


def dataset_json(dataset: ConfigDict) -> Optional[str]:
    """The local COCO json a dataset config reads, if any."""
    ann_file = dataset.get('ann_file') or ''
    path = osp.join(dataset.get('data_root') or '', ann_file)
    return path if ann_file.endswith('.json') and _is_local(path) else None


def check_dataset_paths(cfg: Config) -> None:
    """Check, before any runner is built, that the data a config names exist.

    Looks at ``data_root``, ``ann_file`` and ``data_prefix`` of every dataset
    under ``train_dataloader``, ``val_dataloader`` and ``test_dataloader``,
    joining relative paths to ``data_root`` as mmengine's ``BaseDataset`` does,
    and at the ``ann_file`` of ``val_evaluator`` / ``test_evaluator``.

    Raises:
        FileNotFoundError: naming the config key, the path as written and
            the path looked at.
    """
    for key, dataset in config_datasets(cfg):
        data_root = dataset.get('data_root') or ''
        hint = DEMO_DATA_HINT if 'demo' in data_root else (
            'Fix the path in the config or with --cfg-options.')
        if data_root and _is_local(data_root) and not osp.isdir(data_root):
            raise FileNotFoundError(
                f'{key}.data_root: directory {data_root!r} does not '
                f'exist (working directory {osp.abspath(".")!r}). {hint}')
        ann_file = dataset.get('ann_file') or ''
        if ann_file:
            path = osp.join(data_root, ann_file)
            if _is_local(path) and not osp.isfile(path):
                raise FileNotFoundError(
                    f'{key}.ann_file: annotation file {ann_file!r} not '
                    f'found at {path!r}. {hint}')
        prefix = (dataset.get('data_prefix') or {}).get('img')
        if prefix:
            path = osp.join(data_root, prefix)
            if _is_local(path) and not osp.isdir(path):
                raise FileNotFoundError(
                    f"{key}.data_prefix['img']: image directory "
                    f'{prefix!r} not found at {path!r}. {hint}')
    for key, path in evaluator_ann_files(cfg):
        if _is_local(path) and not osp.isfile(path):
            hint = DEMO_DATA_HINT if 'demo' in path else (
                'Fix the path in the config or with --cfg-options.')
            raise FileNotFoundError(
                f'{key}: annotation file {path!r} not found. {hint}')
