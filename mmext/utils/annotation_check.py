"""Checks of a config's annotations before anything is built: the json
level (cheap, run by ``tools/train.py`` / ``tools/test.py``) and the
classes the model predicts. ``tools/misc/check_dataset.py`` adds the image
level (every image read, its size compared)."""
import logging
import math
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from .coco_json import load_coco_json
from .dataset_paths import _is_local, config_datasets, evaluator_ann_files

# A box may stick out of its image by this much (COCO's rounding) before it
# is reported.
EDGE_TOLERANCE = 1.0


@dataclass
class AnnotationReport:
    """What a check found in one annotation file.

    ``errors`` make training wrong (it would go on silently); ``warnings``
    are what mmdet drops or keeps by design, counted.
    """
    source: str
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    class_counts: Dict[str, int] = field(default_factory=dict)
    num_images: int = 0
    num_annotations: int = 0


def _names(names: Sequence[str], limit: int = 8) -> str:
    """A list of names, cut after ``limit``."""
    shown = ', '.join(repr(n) for n in names[:limit])
    more = f' and {len(names) - limit} more' if len(names) > limit else ''
    return f'[{shown}{more}]'


def _box_problem(bbox, width: float, height: float) -> Tuple[str, str]:
    """``(severity, reason)`` of a COCO ``[x, y, w, h]`` box, severity ''
    when the box is fine."""
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or not all(
            isinstance(v, (int, float)) for v in bbox):
        return 'error', f'bbox {bbox!r} is not [x, y, w, h]'
    if not all(math.isfinite(v) for v in bbox):
        return 'error', f'bbox {bbox} has a NaN or infinite coordinate'
    x, y, w, h = bbox
    if w < 0 or h < 0:
        return 'error', f'bbox {bbox} has a negative width or height'
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        return 'error', (f'bbox {bbox} lies entirely outside its '
                         f'{width:g}x{height:g} image')
    if w < 1 or h < 1:
        return 'warning', 'narrower than 1 px (mmdet drops it)'
    if (x < -EDGE_TOLERANCE or y < -EDGE_TOLERANCE
            or x + w > width + EDGE_TOLERANCE
            or y + h > height + EDGE_TOLERANCE):
        return 'warning', 'extends beyond its image (kept as is)'
    return '', ''


def check_coco(coco: dict, source: str,
               classes: Optional[Sequence[str]]) -> AnnotationReport:
    """Check a loaded COCO json against the classes a dataset keeps.

    Errors name the annotation and image ids; warnings are counted by
    reason. ``classes`` (the dataset's ``metainfo``) select categories by
    name as mmdet's ``CocoDataset`` does; annotations of other categories
    are dropped there, and counted here.
    """
    report = AnnotationReport(source)
    images = {}
    for image in coco.get('images', []):
        if image.get('id') in images:
            report.errors.append(f'image id {image.get("id")} appears twice')
        if not all(
                isinstance(image.get(k), (int, float)) and image[k] > 0
                for k in ('width', 'height')):
            report.errors.append(
                f'image id {image.get("id")} ({image.get("file_name")}): '
                'no positive width / height')
        images[image.get('id')] = image
    report.num_images = len(images)
    categories = {c['id']: c['name'] for c in coco.get('categories', [])}
    if classes is not None and coco.get('annotations'):
        missing = [c for c in classes if c not in categories.values()]
        message = (f'{_names(missing)} of the dataset\'s classes are not '
                   f'categories of the file (its categories: '
                   f'{_names(sorted(categories.values()))})')
        if len(missing) == len(classes):
            report.errors.append(
                message + ': mmdet would drop every annotation; set '
                "metainfo=dict(classes=(...)) to the file's category names")
        elif missing:
            report.warnings.append(message)
    kept = set(categories.values() if classes is None else classes)
    warnings: Counter = Counter()
    counts: Counter = Counter()
    for ann in coco.get('annotations', []):
        where = (f'annotation id {ann.get("id")} '
                 f'(image id {ann.get("image_id")})')
        name = categories.get(ann.get('category_id'))
        if name is None:
            report.errors.append(f'{where}: category_id '
                                 f'{ann.get("category_id")} is not in '
                                 'categories')
            continue
        if name not in kept:
            warnings[f'of category {name!r}, not one of the dataset\'s '
                     'classes (mmdet drops it)'] += 1
            continue
        image = images.get(ann.get('image_id'), {})
        severity, reason = _box_problem(
            ann.get('bbox'), image.get('width', 0), image.get('height', 0))
        if severity == 'error':
            report.errors.append(f'{where}: {reason}')
            continue
        if severity == 'warning':
            warnings[reason] += 1
        counts[name] += 1
    report.num_annotations = len(coco.get('annotations', []))
    report.warnings += [
        f'{n} annotation(s) {reason}' for reason, n in warnings.items()
    ]
    report.class_counts = {
        name: counts[name]
        for name in (classes if classes is not None else sorted(kept))
    }
    return report


def dataset_classes(dataset: ConfigDict) -> Optional[Tuple[str, ...]]:
    """The classes a dataset config keeps: its ``metainfo``'s, else its
    dataset class's (mmdet's ``CocoDataset``: COCO's 80)."""
    from mmext.registry import DATASETS
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes is None and isinstance(dataset.get('type'), str):
        dataset_type = DATASETS.get(dataset['type'])
        classes = getattr(dataset_type, 'METAINFO', {}).get('classes')
    return tuple(classes) if classes is not None else None


def coco_sources(cfg: Config) -> Iterator[Tuple[str, str, ConfigDict]]:
    """``(config key, json path, dataset config)`` of every local COCO json
    a config's datasets and evaluators read."""
    for key, dataset in config_datasets(cfg):
        ann_file = dataset.get('ann_file') or ''
        path = osp.join(dataset.get('data_root') or '', ann_file)
        if ann_file.endswith('.json') and _is_local(path):
            yield f'{key}.ann_file', path, dataset
    for key, path in evaluator_ann_files(cfg):
        if path.endswith('.json') and _is_local(path):
            yield key, path, ConfigDict()


def check_annotations(cfg: Config) -> List[AnnotationReport]:
    """Check every COCO json a config reads (each file once)."""
    reports, seen = [], set()
    for key, path, dataset in coco_sources(cfg):
        if path in seen:
            continue
        seen.add(path)
        coco = load_coco_json(path, keys=('images', ))
        classes = dataset_classes(dataset) if dataset else None
        report = check_coco(coco, f'{key} ({path})', classes)
        reports.append(report)
    return reports


def _num_classes_keys(node, key: str) -> Iterator[Tuple[str, int]]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == 'num_classes' and isinstance(value, int):
                yield f'{key}.{name}', value
            else:
                yield from _num_classes_keys(value, f'{key}.{name}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _num_classes_keys(value, f'{key}[{i}]')


def check_num_classes(cfg: Config) -> List[str]:
    """Each ``num_classes`` of the model must cover the training data's
    classes (else the losses fail deep inside, or labels are wrong)."""
    if 'model' not in cfg:
        return []
    problems = []
    for key, dataset in config_datasets(cfg, ['train_dataloader']):
        classes = dataset_classes(dataset)
        if classes is None:
            continue
        for model_key, num_classes in _num_classes_keys(cfg.model, 'model'):
            if num_classes < len(classes):
                problems.append(
                    f'{model_key} = {num_classes}, but {key} has '
                    f'{len(classes)} classes {_names(classes)}: set '
                    f'{model_key} = {len(classes)}, or give the dataset '
                    'metainfo=dict(classes=(...)) with the classes to keep')
    return sorted(set(problems))


def check_data_before_run(cfg: Config) -> None:
    """The cheap data checks the tools run before building a runner: every
    COCO json read, checked box by box, against the model's classes.

    Raises:
        ValueError: listing the first problems and how to see them all.
    """
    problems = check_num_classes(cfg)
    for report in check_annotations(cfg):
        problems += [f'{report.source}: {e}' for e in report.errors]
        for warning in report.warnings:
            print_log(f'{report.source}: {warning}', 'current',
                      logging.WARNING)
    if problems:
        shown = '\n  '.join(problems[:10])
        more = f'\n  ... and {len(problems) - 10} more' if len(
            problems) > 10 else ''
        raise ValueError(
            f'{len(problems)} problem(s) in the data or classes:\n  '
            f'{shown}{more}\n`python tools/misc/check_dataset.py CONFIG` '
            'lists them all; fix them, or pass --skip-data-check to run '
            'anyway (mmdet then drops or keeps such annotations silently).')
