"""Checks of a config's data before anything is built, run by
``tools/train.py`` / ``tools/test.py``: every COCO json (boxes, categories,
a dataset that would be empty), the classes the model predicts against the
classes the data hold, and the images (all exist; their headers give the
json's sizes, :mod:`.images`). ``tools/misc/check_dataset.py`` adds
decoding every image."""
import logging
import math
import os.path as osp
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from mmext.datasets.coco_json import load_coco_json
from .dataset_paths import (_is_local, config_datasets, config_evaluators,
                            dataset_json, evaluator_ann_files)
from .images import check_images

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
    would_be_empty: bool = False
    path: str = ''


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


def held_classes(coco: dict,
                 classes: Sequence[str]) -> Optional[Tuple[str, ...]]:
    """The classes a COCO dataset ends up with, label by label.

    mmdet's ``CocoDataset`` (and ``CocoMetric``) keep the file's categories
    whose name is one of ``classes`` and number them in the file's order
    (``get_cat_ids(cat_names=classes)``): label ``i`` is the ``i``-th of
    them, however many of ``classes`` the file lacks. ``None`` for a file
    without annotations (unlabeled data), whose categories decide nothing.
    """
    if not coco.get('annotations'):
        return None
    wanted = set(classes)
    return tuple(c['name'] for c in coco.get('categories', [])
                 if c.get('name') in wanted)


def coco_sources(cfg: Config) -> Iterator[Tuple[str, str, ConfigDict]]:
    """``(config key, json path, dataset config)`` of every local COCO json
    a config's datasets and evaluators read."""
    for key, dataset in config_datasets(cfg):
        path = dataset_json(dataset)
        if path:
            yield f'{key}.ann_file', path, dataset
    for key, path in evaluator_ann_files(cfg):
        if path.endswith('.json') and _is_local(path):
            yield key, path, ConfigDict()


class JsonCache(dict):
    """Each COCO json read once per check (COCO's train json is 450 MB)."""

    def load(self, path: str) -> dict:
        if path not in self:
            self[path] = load_coco_json(path, keys=('images', ))
        return self[path]


def check_annotations(
        cfg: Config,
        jsons: Optional[JsonCache] = None) -> List[AnnotationReport]:
    """Check every COCO json a config reads (each file once)."""
    jsons = JsonCache() if jsons is None else jsons
    reports, seen = [], set()
    for key, path, dataset in coco_sources(cfg):
        if path in seen:
            continue
        seen.add(path)
        classes = dataset_classes(dataset) if dataset else None
        coco = jsons.load(path)
        report = check_coco(coco, f'{key} ({path})', classes)
        problem, report.would_be_empty = _emptiness_problem(
            coco, key, dataset, classes)
        if problem:
            report.errors.insert(0, problem)
        report.path = path
        reports.append(report)
    return reports


def _emptiness_problem(coco: dict, key: str, dataset: ConfigDict,
                       classes: Optional[Sequence[str]]) -> Tuple[str, bool]:
    """``(problem, whether the dataset would be empty)`` of a dataset that
    would be empty or train on no annotation at all; ``('', False)`` for
    one that is fine."""
    training = key.startswith('train_dataloader')
    if not coco.get('images'):
        return 'no images: the dataset would be empty', True
    if 'annotations' not in coco:
        if training:
            return ('no "annotations" list: every image would train as one '
                    'without objects. An unlabeled set says so with '
                    '"annotations": [] (split_coco_semi.py writes it)', False)
        return '', False
    filter_cfg = (dataset or {}).get('filter_cfg') or {}
    if training and filter_cfg.get('filter_empty_gt'):
        ids = _category_ids(coco, classes)
        if not any(
                ann.get('category_id') in ids and not ann.get('iscrowd')
                for ann in coco['annotations']):
            return ('no annotation of the dataset\'s classes, and '
                    f'{key.rsplit(".ann_file", 1)[0]}.filter_cfg.'
                    'filter_empty_gt=True drops every image without one: '
                    'the dataset would be empty', True)
    return '', False


def _category_ids(coco: dict, classes: Optional[Sequence[str]]) -> set:
    wanted = None if classes is None else set(classes)
    return {
        c.get('id')
        for c in coco.get('categories', [])
        if wanted is None or c.get('name') in wanted
    }


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


def _maps_labels_to_categories(evaluator: dict) -> bool:
    """Whether an evaluator indexes the file's category ids by predicted
    label (mmdet's ``CocoMetric`` and its subclasses): a label past the
    dataset's classes fails there (``IndexError`` in ``results2json``)."""
    from mmdet.evaluation import CocoMetric

    from mmext.registry import METRICS
    metric_type = evaluator.get('type')
    if not isinstance(metric_type, str):
        return isinstance(metric_type, type) and issubclass(
            metric_type, CocoMetric)
    metric_class = METRICS.get(metric_type)
    return metric_class is not None and issubclass(metric_class, CocoMetric)


def _evaluated_classes(
        cfg: Config,
        jsons: JsonCache) -> Iterator[Tuple[str, str, Tuple[str, ...], str]]:
    """``(evaluator key, dataset key, held classes, where they come from)``
    of every label-mapping evaluator: the classes of its dataset's metainfo
    that are categories of the json it evaluates against."""
    for split, key, evaluator in config_evaluators(cfg):
        if not _maps_labels_to_categories(evaluator):
            continue
        datasets = list(config_datasets(cfg, [f'{split}_dataloader']))
        if not datasets:
            continue
        dataset_key, dataset = datasets[0]
        classes = dataset_classes(dataset)
        if classes is None:
            continue
        path = evaluator.get('ann_file')
        if not (path and path.endswith('.json') and _is_local(path)):
            path = dataset_json(dataset)
        held = (
            held_classes(jsons.load(path), classes)
            if path and osp.isfile(path) else None)
        if held is None:
            yield key, dataset_key, classes, f'{dataset_key} classes'
        else:
            yield key, dataset_key, held, (
                f'the {dataset_key} classes that are categories of {path}')


def _train_classes(cfg: Config,
                   jsons: JsonCache) -> Iterator[Tuple[str, Tuple[str, ...]]]:
    """``(dataset key, classes it trains on)`` of every labeled training
    dataset: its classes, narrowed to the categories of its json."""
    for key, dataset in config_datasets(cfg, ['train_dataloader']):
        classes = dataset_classes(dataset)
        if classes is None:
            continue
        path = dataset_json(dataset)
        if path is None or not osp.isfile(path):
            yield key, classes
            continue
        held = held_classes(jsons.load(path), classes)
        if held is not None:
            yield key, held


def check_num_classes(
        cfg: Config,
        jsons: Optional[JsonCache] = None) -> Tuple[List[str], List[str]]:
    """Compare each ``num_classes`` of the model with the classes the data
    hold, after the dataset's class filtering (``held_classes``).

    Errors: fewer ``num_classes`` than a training dataset's classes (the
    losses fail deep inside, or labels are wrong), and more than a
    ``CocoMetric`` evaluates (it fails at the first evaluation, after a
    whole training interval). Warnings: more than the training data hold,
    when no evaluator depends on it (those classes never train).

    Returns:
        ``(errors, warnings)``, each message naming the config keys to set.
    """
    if 'model' not in cfg:
        return [], []
    heads = list(_num_classes_keys(cfg.model, 'model'))
    jsons = JsonCache() if jsons is None else jsons
    errors, warnings = set(), set()
    for key, classes in _train_classes(cfg, jsons):
        for model_key, num_classes in heads:
            if num_classes < len(classes):
                errors.add(
                    f'{model_key} = {num_classes}, but {key} has '
                    f'{len(classes)} classes {_names(classes)}: set '
                    f'{model_key} = {len(classes)}, or give the dataset '
                    'metainfo=dict(classes=(...)) with the classes to keep')
            elif num_classes > len(classes):
                warnings.add(
                    f'{model_key} = {num_classes}, but {key} holds '
                    f'{len(classes)} classes {_names(classes)}: '
                    f'{num_classes - len(classes)} of the model\'s classes '
                    'get no training example')
    for key, dataset_key, held, origin in _evaluated_classes(cfg, jsons):
        for model_key, num_classes in heads:
            if num_classes > len(held):
                errors.add(
                    f'{model_key} = {num_classes}, but {key} evaluates '
                    f'{len(held)} classes ({origin}: {_names(held)}); it '
                    'maps each predicted label to one of them and would '
                    'fail at the first evaluation. Set every num_classes '
                    f'of the model ({", ".join(k for k, _ in heads)}) to '
                    f'{len(held)} and metainfo=dict(classes=(...)) of '
                    f'{dataset_key} and the other datasets to those '
                    'classes')
    return sorted(errors), sorted(warnings)


def check_data_before_run(cfg: Config) -> None:
    """The cheap data checks the tools run before building a runner: every
    COCO json read, checked box by box, against the model's classes; every
    image there, with the size its json says (headers only).

    Raises:
        ValueError: listing the first problems and how to see them all.
    """
    jsons = JsonCache()
    problems, warnings = check_num_classes(cfg, jsons)
    image_errors, notes = check_images(cfg, jsons)
    for message in warnings + notes:
        print_log(message, 'current', logging.WARNING)
    for report in check_annotations(cfg, jsons):
        problems += [f'{report.source}: {e}' for e in report.errors]
        for warning in report.warnings:
            print_log(f'{report.source}: {warning}', 'current',
                      logging.WARNING)
    problems += image_errors
    if problems:
        shown = '\n  '.join(problems[:10])
        more = f'\n  ... and {len(problems) - 10} more' if len(
            problems) > 10 else ''
        raise ValueError(
            f'{len(problems)} problem(s) in the data or classes:\n  '
            f'{shown}{more}\n`python tools/misc/check_dataset.py CONFIG` '
            'lists them all; fix them, or pass --skip-data-check to run '
            'anyway (mmdet then drops or keeps such annotations silently).')
