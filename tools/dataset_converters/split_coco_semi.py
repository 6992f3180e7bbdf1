"""Write the COCO partial-label splits of semi-supervised detection.

For each fold (the random seed, folds 1-5 as in STAC, Unbiased Teacher,
Soft Teacher and MixTeacher) and each percentage, ``percent`` % of the images
of a COCO json, drawn without replacement, become the labeled set with all
their annotations; the other images form the unlabeled set. File names follow
mmdet's semi-supervised configs::

    OUT_DIR/instances_train2017.{fold}@{percent}.json
    OUT_DIR/instances_train2017.{fold}@{percent}-unlabeled.json

The unlabeled json keeps its images' annotations (training ignores them;
they let you score pseudo labels), as mmdet's ``split_coco.py`` does.
mmdet's tool draws with replacement, so its splits hold slightly fewer
images than the percentage; these hold exactly ``int(percent% * N)``.

``--unlabeled-info image_info_unlabeled2017.json`` also writes
``instances_unlabeled2017.json``: COCO's unlabeled2017 image list with the
categories of ANN_FILE and no annotations, the unlabeled set of the
"COCO-full + unlabeled2017" setting.

Usage::

    python tools/dataset_converters/split_coco_semi.py \\
        data/coco/annotations/instances_train2017.json \\
        --out-dir data/coco/semi_anns --percents 1 2 5 10 --folds 1 2 3 4 5
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmext.datasets import load_coco_json, write_coco_json
from mmext.datasets.coco_json import ANNOTATED_KEYS
from mmext.utils import coco_converter_parser


def split_images(coco: dict, percent: float,
                 fold: int) -> Tuple[List[dict], List[dict]]:
    """Labeled and unlabeled image records of one fold and percentage."""
    if not 0 < percent < 100:
        raise ValueError(f'percent must be in (0, 100), got {percent}')
    images = coco['images']
    num_labeled = int(percent / 100. * len(images))
    if num_labeled == 0:
        raise ValueError(f'{percent}% of {len(images)} images is no image')
    rng = np.random.RandomState(fold)
    picked = set(
        rng.choice(len(images), size=num_labeled, replace=False).tolist())
    labeled = [img for i, img in enumerate(images) if i in picked]
    unlabeled = [img for i, img in enumerate(images) if i not in picked]
    return labeled, unlabeled


def subset(coco: dict, images: Sequence[dict]) -> dict:
    """A COCO dict holding ``images`` and their annotations only."""
    ids = {img['id'] for img in images}
    annotations = [
        ann for ann in coco.get('annotations', []) if ann['image_id'] in ids
    ]
    out = {k: v for k, v in coco.items() if k not in ('images', 'annotations')}
    out.update(images=list(images), annotations=annotations)
    return out


def write_splits(coco: dict,
                 out_dir: str,
                 prefix: str,
                 percents: Sequence[float],
                 folds: Sequence[int],
                 overwrite: bool = False) -> List[Dict]:
    """Write every fold/percentage pair; return one summary row each."""
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    for fold in folds:
        for percent in percents:
            labeled, unlabeled = split_images(coco, percent, fold)
            name = f'{prefix}.{fold}@{percent:g}'
            labeled_coco = subset(coco, labeled)
            write_coco_json(labeled_coco, osp.join(out_dir, f'{name}.json'),
                            overwrite)
            write_coco_json(
                subset(coco, unlabeled),
                osp.join(out_dir, f'{name}-unlabeled.json'), overwrite)
            rows.append(
                dict(
                    name=name,
                    labeled=len(labeled),
                    unlabeled=len(unlabeled),
                    boxes=len(labeled_coco['annotations'])))
    return rows


def write_unlabeled_set(info_path: str,
                        categories: List[dict],
                        out_path: str,
                        overwrite: bool = False) -> int:
    """Write COCO unlabeled2017 as a json with categories, no annotations."""
    info = load_coco_json(info_path, keys=('images', ))
    write_coco_json(
        dict(images=info['images'], annotations=[], categories=categories),
        out_path, overwrite)
    return len(info['images'])


def parse_args() -> argparse.Namespace:
    parser = coco_converter_parser(
        __doc__.split('\n')[0], 'COCO json to split')
    parser.add_argument(
        '--percents', type=float, nargs='+', default=[1, 2, 5, 10])
    parser.add_argument(
        '--folds', type=int, nargs='+', default=[1, 2, 3, 4, 5])
    parser.add_argument(
        '--prefix',
        default=None,
        help='output name prefix (default: ANN_FILE name without .json)')
    parser.add_argument(
        '--unlabeled-info',
        help='image_info_unlabeled2017.json to turn into '
        'instances_unlabeled2017.json in OUT_DIR')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    coco = load_coco_json(args.ann_file, ANNOTATED_KEYS, verbose=True)
    prefix = args.prefix or osp.splitext(osp.basename(args.ann_file))[0]
    rows = write_splits(coco, args.out_dir, prefix, args.percents, args.folds,
                        args.overwrite)
    print(f'{"split":<40} {"labeled":>8} {"unlabeled":>10} {"boxes":>8}')
    for row in rows:
        print(f'{row["name"]:<40} {row["labeled"]:>8} '
              f'{row["unlabeled"]:>10} {row["boxes"]:>8}')
    if args.unlabeled_info:
        out_path = osp.join(args.out_dir, 'instances_unlabeled2017.json')
        num = write_unlabeled_set(args.unlabeled_info, coco['categories'],
                                  out_path, args.overwrite)
        print(f'{out_path}: {num} unlabeled images')
    print(f'Wrote {args.out_dir}')


if __name__ == '__main__':
    main()
