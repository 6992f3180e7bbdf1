"""Write mmext's embedded demo sets from photographs: a detection set (COCO
format) and an anomaly-detection texture set (MVTec AD layout).

Every pixel comes from photographs bundled with scikit-image (no download):
textures (brick, grass, gravel, moon surface, Hubble deep field) become
backgrounds, and objects cut out of photographs (the astronaut, the shuttle
and the rocket, Chelsea the cat, a coffee cup, coins segmented from the
``coins`` photograph) are pasted at known boxes. Sizes range from tiny
(< 16 px) to large, some images are crowded and some hold no object.

The anomaly set crops two texture photographs (brick, gravel) into
normal images (train from the photograph's upper part, test from its lower
part) and gives test images real defects with exact masks: a patch of another
photograph (``foreign``), a dark stain (``stain``) and a thin scratch
(``scratch``).

The output is deterministic for a given ``--seed`` and layout::

    data/demo_det/
        train/000000.jpg ...
        val/000000.jpg ...
        annotations/instances_train.json
        annotations/instances_val.json
    data/demo_ad/<brick|gravel>/
        train/good/000.png ...
        test/good/000.png, test/<foreign|stain|scratch>/000.png ...
        ground_truth/<foreign|stain|scratch>/000_mask.png ...

Usage::

    python tools/misc/make_demo_data.py [--out-dir data/demo_det]
        [--ad-out-dir data/demo_ad]

Each output directory gets a list of the files this tool wrote there
(``.mmext_demo_files``). A later run removes those files only, so files a
user or another tool added (the SSD-Det refined json, converters' outputs)
stay; a non-empty directory without that list is refused, nothing deleted.
"""
import argparse
import json
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
from scipy import ndimage
from skimage import data as skdata
from skimage import filters, measure

from mmext.datasets import DemoDetDataset

CLASSES = DemoDetDataset.METAINFO['classes']
# The coins photograph is small: larger coins would show blown-up pixels.
MAX_COIN_SIZE = 48


@dataclass
class Cutout:
    """An object photograph with its alpha matte (float in [0, 1])."""

    label: int
    rgb: np.ndarray
    alpha: np.ndarray


def _ellipse_alpha(h: int, w: int, feather: float = 0.08) -> np.ndarray:
    """A soft-edged elliptical matte filling an ``h x w`` crop."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((ys + 0.5) / h * 2 - 1)**2 + ((xs + 0.5) / w * 2 - 1)**2)
    return np.clip((1 - r) / feather, 0, 1)


def _rect_alpha(h: int, w: int, border: int = 2) -> np.ndarray:
    alpha = np.ones((h, w), np.float32)
    alpha[:border] = alpha[-border:] = 0.5
    alpha[:, :border] = alpha[:, -border:] = 0.5
    return alpha


def load_cutouts() -> List[Cutout]:
    """Cut the demo objects out of scikit-image's bundled photographs."""
    astronaut, rocket = skdata.astronaut(), skdata.rocket()
    cat, coffee = skdata.chelsea(), skdata.coffee()
    label = CLASSES.index
    cutouts = [
        Cutout(
            label('astronaut'), astronaut[5:215, 140:320],
            _ellipse_alpha(210, 180)),
        Cutout(
            label('shuttle'), astronaut[0:270, 350:465], _rect_alpha(270,
                                                                     115)),
        Cutout(
            label('rocket'), rocket[120:420, 295:350], _rect_alpha(300, 55)),
        Cutout(label('cat'), cat[10:290, 90:430], _ellipse_alpha(280, 340)),
        Cutout(label('cup'), coffee[15:390, 40:500], _ellipse_alpha(375, 460)),
    ]
    coins = skdata.coins()
    mask = ndimage.binary_closing(
        coins > filters.threshold_otsu(coins), structure=np.ones((5, 5)))
    for region in measure.regionprops(measure.label(mask)):
        if region.area < 300:  # specks of the photograph's background
            continue
        y0, x0, y1, x1 = region.bbox
        gray = coins[y0:y1, x0:x1]
        rgb = np.stack([gray * 0.95, gray * 0.8, gray * 0.55], -1)
        cutouts.append(
            Cutout(
                label('coin'), rgb.astype(np.uint8),
                region.image.astype(np.float32)))
    return cutouts


def load_backgrounds() -> List[np.ndarray]:
    """Grayscale and colour texture photographs used as backgrounds."""
    textures = [skdata.brick(), skdata.grass(), skdata.gravel(), skdata.moon()]
    backgrounds = [np.repeat(t[..., None], 3, -1) for t in textures]
    backgrounds.append(skdata.hubble_deep_field())
    return backgrounds


def make_background(rng: np.random.Generator, textures: Sequence[np.ndarray],
                    h: int, w: int) -> np.ndarray:
    """A random crop of a texture, rescaled, flipped and colour-tinted."""
    tex = textures[rng.integers(len(textures))]
    scale = rng.uniform(0.4, 1.0)
    ch, cw = int(min(tex.shape[0],
                     h / scale)), int(min(tex.shape[1], w / scale))
    y0 = rng.integers(tex.shape[0] - ch + 1)
    x0 = rng.integers(tex.shape[1] - cw + 1)
    img = cv2.resize(
        tex[y0:y0 + ch, x0:x0 + cw], (w, h),
        interpolation=cv2.INTER_LINEAR).astype(np.float32)
    if rng.random() < 0.5:
        img = img[:, ::-1]
    tint = rng.uniform(0.6, 1.2, size=3)
    return np.clip(img * tint, 0, 255)


def _box_overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over the area of each of ``boxes`` (how much is hidden)."""
    if len(boxes) == 0:
        return np.zeros(0)
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    return inter / areas


def paste(rng: np.random.Generator, img: np.ndarray, cutout: Cutout,
          size: float, placed: np.ndarray) -> Tuple[np.ndarray, bool]:
    """Paste ``cutout`` with its longer side ``size`` pixels long.

    Returns the visible box ``(x1, y1, x2, y2)`` of the matte and whether the
    paste happened (it is skipped if it would hide earlier objects).
    """
    h, w = cutout.alpha.shape
    s = size / max(h, w)
    nh, nw = max(2, round(h * s)), max(2, round(w * s))
    rgb = cv2.resize(cutout.rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cutout.alpha, (nw, nh), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
    ih, iw = img.shape[:2]
    # Objects may be cut by the image border by up to a quarter of their size.
    y0 = int(rng.integers(-nh // 4, ih - 3 * nh // 4 + 1))
    x0 = int(rng.integers(-nw // 4, iw - 3 * nw // 4 + 1))
    sy0, sx0 = max(0, -y0), max(0, -x0)
    sy1, sx1 = min(nh, ih - y0), min(nw, iw - x0)
    alpha = alpha[sy0:sy1, sx0:sx1]
    ys, xs = np.nonzero(alpha > 0.5)
    if len(ys) == 0:
        return np.zeros(4), False
    box = np.array([
        x0 + sx0 + xs.min(), y0 + sy0 + ys.min(), x0 + sx0 + xs.max() + 1,
        y0 + sy0 + ys.max() + 1
    ], np.float32)
    if (_box_overlap(box, placed) > 0.35).any():
        return box, False
    gain = rng.uniform(0.8, 1.2)
    region = img[y0 + sy0:y0 + sy1, x0 + sx0:x0 + sx1]
    a = alpha[..., None]
    fg = rgb[sy0:sy1, sx0:sx1].astype(np.float32) * gain
    region[...] = a * fg + (1 - a) * region
    return box, True


def sample_sizes(rng: np.random.Generator, kind: str, n: int,
                 short: int) -> np.ndarray:
    """Object sizes (longer side, px): log-uniform over tiny..large."""
    hi = {'crowded': 0.25, 'normal': 0.75}[kind] * short
    return np.exp(rng.uniform(np.log(10), np.log(hi), size=n))


def make_image(rng: np.random.Generator, cutouts: List[Cutout],
               textures: Sequence[np.ndarray]) -> Tuple[np.ndarray, list]:
    h, w = (int(v) for v in rng.choice([224, 256, 288], size=2))
    img = make_background(rng, textures, h, w)
    kind = rng.choice(['empty', 'crowded', 'normal'], p=[0.06, 0.14, 0.8])
    num = {
        'empty': 0,
        'crowded': int(rng.integers(20, 41)),
        'normal': int(rng.integers(1, 7))
    }[kind]
    boxes, labels = np.zeros((0, 4), np.float32), []
    # Classes are drawn uniformly, whatever the number of photographs of each.
    by_class = [[c for c in cutouts if c.label == i]
                for i in range(len(CLASSES))]
    if num:
        sizes = sample_sizes(rng, kind, num, min(h, w))
        # Larger objects first, so small ones are pasted on top, not hidden.
        for size in np.sort(sizes)[::-1]:
            cutout = by_class[rng.integers(len(by_class))]
            cutout = cutout[rng.integers(len(cutout))]
            if cutout.label == CLASSES.index('coin'):
                size = min(size, MAX_COIN_SIZE)
            box, ok = paste(rng, img, cutout, size, boxes)
            if ok and (box[2:] - box[:2] >= 2).all():
                boxes = np.vstack([boxes, box])
                labels.append(cutout.label)
    return np.clip(img, 0, 255).astype(np.uint8), list(zip(boxes, labels))


def write_split(out_dir: str, split: str, num_images: int, seed: int,
                cutouts: List[Cutout],
                textures: Sequence[np.ndarray]) -> Dict[str, int]:
    rng = np.random.default_rng(seed)
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for img_id in range(num_images):
        img, objects = make_image(rng, cutouts, textures)
        file_name = f'{img_id:06d}.jpg'
        cv2.imwrite(
            osp.join(img_dir, file_name), img[..., ::-1],
            [cv2.IMWRITE_JPEG_QUALITY, 92])
        images.append(
            dict(
                id=img_id,
                file_name=file_name,
                height=img.shape[0],
                width=img.shape[1]))
        for box, label in objects:
            x1, y1, x2, y2 = (float(v) for v in box)
            annotations.append(
                dict(
                    id=len(annotations) + 1,
                    image_id=img_id,
                    category_id=label + 1,
                    bbox=[x1, y1, x2 - x1, y2 - y1],
                    area=(x2 - x1) * (y2 - y1),
                    iscrowd=0,
                    segmentation=[[x1, y1, x2, y1, x2, y2, x1, y2]]))
    coco = dict(
        info=dict(description='mmext embedded demo detection set'),
        images=images,
        annotations=annotations,
        categories=[
            dict(id=i + 1, name=name) for i, name in enumerate(CLASSES)
        ])
    ann_dir = osp.join(out_dir, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    with open(osp.join(ann_dir, f'instances_{split}.json'), 'w') as f:
        json.dump(coco, f)
    sizes = np.array([max(a['bbox'][2:]) for a in annotations] or [0])
    return dict(
        images=len(images),
        empty_images=len(images) - len({a['image_id']
                                        for a in annotations}),
        boxes=len(annotations),
        tiny_boxes=int((sizes < 16).sum()),
        large_boxes=int((sizes >= 96).sum()))


AD_CATEGORIES = ('brick', 'gravel')
AD_DEFECTS = ('foreign', 'stain', 'scratch')
AD_IMAGE_SIZE = 192
# Share of the photograph's height the train crops come from; test crops
# come from the rest, so test images are unseen texture.
AD_TRAIN_SHARE = 0.6


def load_ad_textures() -> Dict[str, np.ndarray]:
    """The anomaly set's categories: texture photographs, tinted to colour."""
    tints = dict(brick=(0.55, 0.7, 1.0), gravel=(0.85, 0.9, 1.0))  # BGR
    photos = dict(brick=skdata.brick(), gravel=skdata.gravel())
    return {
        name:
        np.clip(photos[name][..., None] * np.array(tints[name]), 0,
                255).astype(np.uint8)
        for name in AD_CATEGORIES
    }


def load_foreign_patches() -> List[np.ndarray]:
    """Photographs whose patches become foreign-material defects (BGR)."""
    return [
        np.ascontiguousarray(p[..., ::-1])
        for p in (skdata.coffee(), skdata.chelsea(), skdata.astronaut(),
                  skdata.rocket())
    ]


def texture_crop(rng: np.random.Generator, texture: np.ndarray,
                 train: bool) -> np.ndarray:
    """A normal image: a random crop of the texture's train or test part,
    slightly rescaled and flipped."""
    h, w = texture.shape[:2]
    split = int(h * AD_TRAIN_SHARE)
    y_lo, y_hi = (0, split) if train else (split, h)
    size = int(AD_IMAGE_SIZE * rng.uniform(0.9, 1.1))
    size = min(size, y_hi - y_lo, w)
    y0 = rng.integers(y_lo, y_hi - size + 1)
    x0 = rng.integers(0, w - size + 1)
    crop = cv2.resize(
        texture[y0:y0 + size, x0:x0 + size], (AD_IMAGE_SIZE, AD_IMAGE_SIZE),
        interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def blob_mask(rng: np.random.Generator, size: int) -> np.ndarray:
    """An irregular blob: a few overlapping ellipses near a random centre."""
    mask = np.zeros((size, size), np.uint8)
    cy, cx = rng.integers(size // 5, size - size // 5, size=2)
    for _ in range(rng.integers(2, 5)):
        centre = (int(cx + rng.integers(-12, 13)),
                  int(cy + rng.integers(-12, 13)))
        axes = (int(rng.integers(5, 22)), int(rng.integers(5, 22)))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1,
                    -1)
    return mask


def add_defect(rng: np.random.Generator, image: np.ndarray, defect: str,
               patches: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """A defective copy of ``image`` and its exact mask (0/1)."""
    size = image.shape[0]
    out = image.astype(np.float32)
    if defect == 'scratch':
        mask = np.zeros((size, size), np.uint8)
        points = rng.integers(size // 8, size - size // 8, size=(3, 2))
        cv2.polylines(mask, [points.reshape(-1, 1, 2).astype(np.int32)], False,
                      1, int(rng.integers(2, 5)))
        shade = rng.choice([40.0, 235.0])
        out[mask > 0] = 0.2 * out[mask > 0] + 0.8 * shade
    else:
        mask = blob_mask(rng, size)
        inside = mask > 0
        if defect == 'stain':
            out[inside] *= rng.uniform(0.3, 0.5)
        else:
            patch = patches[rng.integers(len(patches))]
            y0 = rng.integers(0, patch.shape[0] - size + 1)
            x0 = rng.integers(0, patch.shape[1] - size + 1)
            foreign = patch[y0:y0 + size, x0:x0 + size].astype(np.float32)
            out[inside] = 0.1 * out[inside] + 0.9 * foreign[inside]
    return np.clip(out, 0, 255).astype(np.uint8), mask


def write_anomaly_category(out_dir: str, name: str, texture: np.ndarray,
                           patches: Sequence[np.ndarray], num_train: int,
                           num_test: int, seed: int) -> Dict[str, int]:
    """One category in MVTec AD's layout; ``num_test`` images per defect
    type and as many normal test images."""
    rng = np.random.default_rng(seed)
    root = osp.join(out_dir, name)
    folders = dict(train=osp.join(root, 'train', 'good'))
    for defect in ('good', ) + AD_DEFECTS:
        folders[defect] = osp.join(root, 'test', defect)
    for defect in AD_DEFECTS:
        folders[f'{defect}_mask'] = osp.join(root, 'ground_truth', defect)
    for folder in folders.values():
        os.makedirs(folder, exist_ok=True)
    for i in range(num_train):
        cv2.imwrite(
            osp.join(folders['train'], f'{i:03d}.png'),
            texture_crop(rng, texture, train=True))
    for i in range(num_test):
        cv2.imwrite(
            osp.join(folders['good'], f'{i:03d}.png'),
            texture_crop(rng, texture, train=False))
    for defect in AD_DEFECTS:
        for i in range(num_test):
            image, mask = add_defect(rng, texture_crop(rng, texture, False),
                                     defect, patches)
            cv2.imwrite(osp.join(folders[defect], f'{i:03d}.png'), image)
            cv2.imwrite(
                osp.join(folders[f'{defect}_mask'], f'{i:03d}_mask.png'),
                mask * 255)
    return dict(
        train=num_train,
        test_good=num_test,
        test_defective=num_test * len(AD_DEFECTS))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', default='data/demo_det')
    parser.add_argument('--num-train', type=int, default=320)
    parser.add_argument('--num-val', type=int, default=80)
    parser.add_argument('--ad-out-dir', default='data/demo_ad')
    parser.add_argument(
        '--ad-num-train',
        type=int,
        default=60,
        help='normal train images per anomaly-set category')
    parser.add_argument(
        '--ad-num-test',
        type=int,
        default=10,
        help='normal test images, and defective ones per defect type')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


MANIFEST = '.mmext_demo_files'


def _files(root: str) -> set:
    return {
        osp.relpath(osp.join(dirpath, name), root)
        for dirpath, _, names in os.walk(root)
        for name in names
    }


def clear_previous_output(out_dir: str) -> set:
    """Delete the files an earlier run listed in ``out_dir``'s manifest and
    return the files left there (not ours: kept). Refuses a non-empty
    ``out_dir`` without a manifest."""
    if not osp.isdir(out_dir) or not os.listdir(out_dir):
        return set()
    manifest = osp.join(out_dir, MANIFEST)
    if not osp.isfile(manifest):
        raise SystemExit(
            f'{out_dir} is not empty and was not written by this tool (no '
            f'{MANIFEST} in it): nothing was deleted. Choose another '
            'directory (--out-dir / --ad-out-dir) or move it away.')
    with open(manifest) as f:
        ours = f.read().split('\n')
    for name in filter(None, ours):
        path = osp.join(out_dir, name)
        if osp.isfile(path):
            os.remove(path)
    os.remove(manifest)
    return _files(out_dir)


def write_manifest(out_dir: str, kept: set) -> None:
    ours = sorted(_files(out_dir) - kept - {MANIFEST})
    with open(osp.join(out_dir, MANIFEST), 'w') as f:
        f.write('\n'.join(ours) + '\n')


def main() -> None:
    args = parse_args()
    start = time.time()
    kept = clear_previous_output(args.out_dir)
    ad_kept = clear_previous_output(args.ad_out_dir)
    cutouts, textures = load_cutouts(), load_backgrounds()
    for split, num, seed in (('train', args.num_train, args.seed),
                             ('val', args.num_val, args.seed + 1)):
        stats = write_split(args.out_dir, split, num, seed, cutouts, textures)
        print(f'{split}: ' + ', '.join(f'{k}={v}' for k, v in stats.items()))
    write_manifest(args.out_dir, kept)
    print(f'Wrote {args.out_dir} ({len(CLASSES)} classes: '
          f'{", ".join(CLASSES)}) in {time.time() - start:.1f}s')
    start = time.time()
    patches = load_foreign_patches()
    for i, (name, texture) in enumerate(load_ad_textures().items()):
        stats = write_anomaly_category(args.ad_out_dir, name, texture, patches,
                                       args.ad_num_train, args.ad_num_test,
                                       args.seed + 10 + i)
        print(f'{name}: ' + ', '.join(f'{k}={v}' for k, v in stats.items()))
    write_manifest(args.ad_out_dir, ad_kept)
    print(f'Wrote {args.ad_out_dir} (MVTec AD layout: '
          f'{", ".join(AD_CATEGORIES)}) in {time.time() - start:.1f}s')


if __name__ == '__main__':
    main()
