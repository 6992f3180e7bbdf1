"""Remove annotations from a COCO json to make a sparsely annotated set.

Settings of the sparsely annotated detection literature (Co-mining, AAAI
2021, whose COCO settings Calibrated Teacher evaluates on; BRL / SparseDet
for uniform dropping). Within each image and category the annotations are
shuffled with the seed and the first ones kept:

==========  ==============================================================
setting     kept per image
==========  ==============================================================
easy        per category, all but one annotation (a category with a single
            annotation keeps it)
hard        per category, half of the annotations, rounded up
extreme     per category, one annotation
keep1       one annotation of the image, whatever its category
dropNN      ``NN`` % of all annotations of the json dropped uniformly at
            random (exactly ``round(NN% * N)``; e.g. ``drop50`` is BRL's
            "missing 50%")
==========  ==============================================================

These are mmext's reading of the settings' descriptions: the original files
were shared as downloads, so a regenerated set holds other instances (and
may differ in how it rounds); pass the original jsons to the configs when you
have them. Every image is kept, including images left without annotations
(``dropNN`` only) and images that had none. Crowd annotations
(``iscrowd=1``) are ignore regions, not objects: they are always kept and not
counted.

The tool prints, per category, how many boxes were kept out of how many, and
writes ``OUT_DIR/{stem}_{setting}.json`` (``{stem}`` is ANN_FILE's name
without ``.json``; ``--seed`` other than 1 adds ``_seed{seed}``).

Usage::

    python tools/dataset_converters/make_sparse_coco.py \\
        data/coco/annotations/instances_train2017.json \\
        --out-dir data/coco/sparse_anns --settings easy hard extreme keep1
"""
import argparse
import math
import os
import os.path as osp
import re
from collections import defaultdict
from typing import Dict, List, Tuple

import numpy as np

from mmext.datasets import load_coco_json, write_coco_json
from mmext.datasets.coco_json import ANNOTATED_KEYS
from mmext.utils import coco_converter_parser

# Annotations kept of a group of n: per image and category, or per image for
# keep1.
KEPT_PER_GROUP = {
    'easy': lambda n: n - 1 if n > 1 else n,
    'hard': lambda n: math.ceil(n / 2),
    'extreme': lambda n: 1,
    'keep1': lambda n: 1,
}
SETTINGS_HELP = 'easy, hard, extreme, keep1 or dropNN (NN in 1-99)'


def check_setting(setting: str) -> str:
    """Return ``setting`` if it names a sparse setting, else raise."""
    if setting in KEPT_PER_GROUP:
        return setting
    match = re.fullmatch(r'drop(\d{1,2})', setting)
    if match and 1 <= int(match.group(1)) <= 99:
        return setting
    raise ValueError(f'unknown sparse setting {setting!r}: use '
                     f'{SETTINGS_HELP}')


def object_annotations(coco: dict) -> Tuple[List[dict], List[dict]]:
    """Non-crowd and crowd annotations, after checking each one's category
    exists (``load_coco_json`` checks the images)."""
    category_ids = {cat['id'] for cat in coco['categories']}
    objects, crowd = [], []
    for ann in coco.get('annotations', []):
        if ann.get('category_id') not in category_ids:
            raise ValueError(f'annotation id {ann.get("id")} has category_id '
                             f'{ann.get("category_id")}, which is not in '
                             'categories')
        (crowd if ann.get('iscrowd', 0) else objects).append(ann)
    return objects, crowd


def sparsify(coco: dict, setting: str, seed: int = 1) -> dict:
    """A copy of ``coco`` with the annotations ``setting`` keeps."""
    check_setting(setting)
    objects, crowd = object_annotations(coco)
    rng = np.random.RandomState(seed)
    kept = {id(ann) for ann in crowd}
    if setting.startswith('drop'):
        ratio = int(setting[4:]) / 100.
        num_keep = len(objects) - int(round(ratio * len(objects)))
        picked = rng.choice(len(objects), size=num_keep, replace=False)
        kept.update(id(objects[i]) for i in picked)
    else:
        groups: Dict[tuple, List[dict]] = defaultdict(list)
        for ann in objects:
            key = (ann['image_id'], ) if setting == 'keep1' else (
                ann['image_id'], ann['category_id'])
            groups[key].append(ann)
        for key in sorted(groups):
            anns = groups[key]
            order = rng.permutation(
                len(anns))[:KEPT_PER_GROUP[setting](len(anns))]
            kept.update(id(anns[i]) for i in order)
    out = {k: v for k, v in coco.items() if k != 'annotations'}
    out['annotations'] = [
        ann for ann in coco.get('annotations', []) if id(ann) in kept
    ]
    return out


def kept_per_category(full: dict, sparse: dict) -> List[Tuple[str, int, int]]:
    """``(category name, kept, total)`` of the non-crowd annotations."""
    total: Dict[int, int] = defaultdict(int)
    kept: Dict[int, int] = defaultdict(int)
    for ann in full.get('annotations', []):
        if not ann.get('iscrowd', 0):
            total[ann['category_id']] += 1
    for ann in sparse['annotations']:
        if not ann.get('iscrowd', 0):
            kept[ann['category_id']] += 1
    return [(cat['name'], kept[cat['id']], total[cat['id']])
            for cat in full['categories']]


def format_report(setting: str, rows: List[Tuple[str, int, int]]) -> str:
    """A text table of kept boxes per category, with the total."""
    width = max([len(name) for name, _, _ in rows] + [8])
    lines = [f'setting {setting}', f'{"category":<{width}}  kept  total  %']
    for name, kept, total in rows + [('all', sum(
            r[1] for r in rows), sum(r[2] for r in rows))]:
        share = f'{100. * kept / total:5.1f}' if total else '    -'
        lines.append(f'{name:<{width}}  {kept:>4}  {total:>5}  {share}')
    return '\n'.join(lines)


def parse_args() -> argparse.Namespace:
    parser = coco_converter_parser(
        'Make sparsely annotated versions of a COCO json',
        'COCO json with full annotations')
    parser.add_argument(
        '--settings',
        nargs='+',
        default=['easy', 'hard', 'extreme', 'keep1'],
        help=f'settings to write: {SETTINGS_HELP}')
    parser.add_argument('--seed', type=int, default=1, help='random seed')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    settings = [check_setting(s) for s in args.settings]
    coco = load_coco_json(args.ann_file, ANNOTATED_KEYS, verbose=True)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.ann_file))[0]
    suffix = '' if args.seed == 1 else f'_seed{args.seed}'
    for setting in settings:
        sparse = sparsify(coco, setting, args.seed)
        out_file = osp.join(args.out_dir, f'{stem}_{setting}{suffix}.json')
        write_coco_json(sparse, out_file, args.overwrite)
        print(format_report(setting, kept_per_category(coco, sparse)))
        print(f'wrote {out_file}\n')


if __name__ == '__main__':
    main()
