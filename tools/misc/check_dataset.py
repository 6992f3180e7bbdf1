"""Check the data a config trains and evaluates on, before training.

Usage::

    python tools/misc/check_dataset.py CONFIG [--splits train val test]
        [--no-images] [--cfg-options KEY=VALUE ...]

For every dataset of the chosen dataloaders: the paths exist; every COCO
json parses and each annotation has a finite box with positive size inside
its image and a known category; the model's ``num_classes`` cover the
classes; every image is readable and of the size its annotation file says
(anomaly sets: every mask too). Prints per-class counts and every problem;
exits with 1 when there is one. ``tools/train.py`` / ``tools/test.py`` run
the json part themselves.
"""
import argparse
import os.path as osp
import sys
from typing import Iterator, List, Tuple

import mmcv
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import init_default_scope

import mmext  # noqa: F401  (lets configs inherit from 'mmext::...')
from mmext.preflight import (check_annotations, check_dataset_paths,
                             check_num_classes)
from mmext.preflight.annotations import JsonCache
from mmext.preflight.dataset_paths import config_datasets, dataset_json
from mmext.registry import DATASETS
from mmext.utils.progress import progress_bar

SPLITS = ('train', 'val', 'test')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--splits', nargs='+', choices=SPLITS, default=list(SPLITS))
    parser.add_argument(
        '--no-images',
        action='store_true',
        help='check the annotation files only, not every image')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def datasets_of(cfg: Config,
                splits: List[str]) -> Iterator[Tuple[str, ConfigDict]]:
    """Each distinct leaf dataset of the chosen dataloaders."""
    seen = set()
    for key, dataset in config_datasets(
            cfg, [f'{split}_dataloader' for split in splits]):
        identity = repr({k: v for k, v in dataset.items() if k != 'pipeline'})
        if identity not in seen:
            seen.add(identity)
            yield key, dataset


def image_problems(key: str, dataset_cfg: ConfigDict) -> List[str]:
    """Read every image (and mask) of a dataset; compare sizes with the
    ones its annotations give."""
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    problems = []
    print(f'{key}: reading {len(dataset)} images')
    progress = progress_bar(len(dataset))
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        path = info['img_path']
        image = mmcv.imread(path) if osp.isfile(path) else None
        if image is None:
            problems.append(f'{key}: image {path} is missing or unreadable')
        elif 'height' in info and image.shape[:2] != (info['height'],
                                                      info['width']):
            problems.append(
                f'{key}: image {path} is {image.shape[1]}x{image.shape[0]}, '
                f'its annotations say {info["width"]}x{info["height"]} '
                '(boxes would be misplaced)')
        mask_path = info.get('seg_map_path')
        if image is not None and mask_path:
            mask = mmcv.imread(mask_path, flag='grayscale')
            if mask is None:
                problems.append(f'{key}: mask {mask_path} is unreadable')
            elif mask.shape != image.shape[:2]:
                problems.append(f'{key}: mask {mask_path} is {mask.shape[1]}x'
                                f'{mask.shape[0]}, its image {image.shape[1]}x'
                                f'{image.shape[0]}')
        progress.update()
    print()
    return problems


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    for split in SPLITS:
        if split not in args.splits:
            cfg.pop(f'{split}_dataloader', None)
            cfg.pop(f'{split}_evaluator', None)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    check_dataset_paths(cfg)

    jsons = JsonCache()
    problems, warnings = check_num_classes(cfg, jsons)
    empty = set()
    for report in check_annotations(cfg, jsons):
        if report.would_be_empty:
            empty.add(report.path)
        print(f'\n{report.source}: {report.num_images} images, '
              f'{report.num_annotations} annotations')
        width = max([len(n) for n in report.class_counts] + [5])
        for name, count in report.class_counts.items():
            print(f'  {name:<{width}} {count:>8}')
        problems += [f'{report.source}: {e}' for e in report.errors]
        warnings += [f'{report.source}: {w}' for w in report.warnings]
    if not args.no_images:
        print()
        for key, dataset in datasets_of(cfg, args.splits):
            if dataset_json(dataset) in empty:
                print(f'{key}: not reading images (the dataset would be '
                      'empty)')
                continue
            problems += image_problems(key, dataset)

    for warning in warnings:
        print(f'warning: {warning}')
    if problems:
        print(f'\n{len(problems)} problem(s):')
        for problem in problems:
            print(f'  {problem}')
        sys.exit(1)
    print('\nNo problem found' +
          (f' ({len(warnings)} warning(s) above).' if warnings else '.'))


if __name__ == '__main__':
    main()
