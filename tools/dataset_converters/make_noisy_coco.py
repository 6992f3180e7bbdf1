"""Perturb every box of a COCO json to simulate inaccurate annotations.

The noise model of the noisy-box detection literature (OA-MIL, ECCV 2022,
whose noisy COCO / VOC sets SSD-Det, ICCV 2023, trains on): for a box of
centre ``(cx, cy)`` and size ``(w, h)`` and a noise level ``n``,

.. code-block:: none

    cx' = cx + w * U(-n, n)        w' = w * (1 + U(-n, n))
    cy' = cy + h * U(-n, n)        h' = h * (1 + U(-n, n))

four independent uniform draws per box, then clipped to the image. A box left
without area by the clipping keeps its clean coordinates (as OA-MIL does).
mmext clips to ``[0, width] x [0, height]`` (COCO's continuous coordinates;
OA-MIL clips to ``width - 1`` in its pixel-index convention). Crowd
annotations (``iscrowd=1``) are ignore regions, not objects: they stay clean.
Annotation ids, images, categories and every other field are kept, so the
clean json evaluates the noisy one annotation by annotation (the mean IoU
printed here, and ``mmext.BoxRefinementMetric`` for refined boxes).

VOC is used the same way once converted to COCO json with mmdet's
``tools/dataset_converters/pascal_voc.py``.

Writes ``OUT_DIR/{stem}_noise{NN}.json`` for each level (``NN`` the level in
percent; ``--seed`` other than 1 adds ``_seed{seed}``).

Usage::

    python tools/dataset_converters/make_noisy_coco.py \\
        data/coco/annotations/instances_train2017.json \\
        --out-dir data/coco/noisy_anns --levels 0.1 0.2 0.3 0.4
"""
import argparse
import os
import os.path as osp
from typing import List

import numpy as np

from mmext.datasets import load_coco_json, write_coco_json
from mmext.datasets.coco_json import ANNOTATED_KEYS
from mmext.evaluation import matched_box_ious
from mmext.utils import coco_converter_parser


def check_level(level: float) -> float:
    """Return ``level`` if it is a noise level in ``[0, 1)``, else raise."""
    if not 0 <= level < 1:
        raise ValueError(f'noise level must be in [0, 1), got {level}')
    return level


def perturb_boxes(boxes: np.ndarray, width: float, height: float, level: float,
                  rng: np.random.RandomState) -> np.ndarray:
    """Noisy copies of ``boxes`` (``(N, 4)`` COCO ``x, y, w, h``) inside a
    ``width`` x ``height`` image, with the module's noise model."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    draws = rng.uniform(-level, level, size=(len(boxes), 4))
    w, h = boxes[:, 2], boxes[:, 3]
    cx = boxes[:, 0] + w / 2 + w * draws[:, 0]
    cy = boxes[:, 1] + h / 2 + h * draws[:, 1]
    half_w = w * (1 + draws[:, 2]) / 2
    half_h = h * (1 + draws[:, 3]) / 2
    x1 = np.clip(cx - half_w, 0, width)
    y1 = np.clip(cy - half_h, 0, height)
    x2 = np.clip(cx + half_w, 0, width)
    y2 = np.clip(cy + half_h, 0, height)
    noisy = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
    degenerate = (noisy[:, 2] <= 0) | (noisy[:, 3] <= 0)
    noisy[degenerate] = boxes[degenerate]
    return noisy


def noisy_annotation(ann: dict, bbox: List[float]) -> dict:
    """``ann`` with the noisy box, its area, and no segmentation (the clean
    object's outline, which the noisy box no longer matches)."""
    noisy = {k: v for k, v in ann.items() if k != 'segmentation'}
    noisy.update(bbox=bbox, area=round(bbox[2] * bbox[3], 2))
    return noisy


def add_box_noise(coco: dict, level: float, seed: int = 1) -> dict:
    """A copy of ``coco`` whose non-crowd boxes carry noise of ``level``.

    Boxes are drawn image by image in the json's image order, annotations in
    their json order, so a seed gives the same file on every machine."""
    check_level(level)
    rng = np.random.RandomState(seed)
    by_image = {img['id']: [] for img in coco['images']}
    for ann in coco.get('annotations', []):
        if not ann.get('iscrowd', 0):
            by_image[ann['image_id']].append(ann)
    noisy_bbox = {}
    for img in coco['images']:
        anns = by_image[img['id']]
        if not anns:
            continue
        for ann in anns:
            bbox = ann.get('bbox')
            if bbox is None or len(bbox) != 4 or bbox[2] <= 0 or bbox[3] <= 0:
                raise ValueError(
                    f'annotation id {ann.get("id")} has bbox {bbox}: '
                    'expected [x, y, w, h] with w, h > 0')
        boxes = perturb_boxes([ann['bbox'] for ann in anns], img['width'],
                              img['height'], level, rng)
        for ann, box in zip(anns, boxes):
            noisy_bbox[id(ann)] = [round(float(v), 2) for v in box]
    out = {k: v for k, v in coco.items() if k != 'annotations'}
    out['annotations'] = [
        noisy_annotation(ann, noisy_bbox[id(ann)])
        if id(ann) in noisy_bbox else ann
        for ann in coco.get('annotations', [])
    ]
    return out


def parse_args() -> argparse.Namespace:
    parser = coco_converter_parser('Write noisy-box versions of a COCO json',
                                   'clean COCO json')
    parser.add_argument(
        '--levels',
        type=float,
        nargs='+',
        default=[0.1, 0.2, 0.3, 0.4],
        help='noise levels in [0, 1)')
    parser.add_argument('--seed', type=int, default=1, help='random seed')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    levels: List[float] = [check_level(level) for level in args.levels]
    coco = load_coco_json(args.ann_file, ANNOTATED_KEYS, verbose=True)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.ann_file))[0]
    suffix = '' if args.seed == 1 else f'_seed{args.seed}'
    print('level  boxes  mean IoU to clean')
    for level in levels:
        noisy = add_box_noise(coco, level, args.seed)
        out_file = osp.join(
            args.out_dir, f'{stem}_noise{round(level * 100):02d}'
            f'{suffix}.json')
        write_coco_json(noisy, out_file, args.overwrite)
        ious = matched_box_ious(coco, noisy)
        mean = f'{ious.mean():.4f}' if len(ious) else '-'
        print(f'{level:5.2f}  {len(ious):5d}  {mean}   {out_file}')


if __name__ == '__main__':
    main()
