"""Small generated data in the format and at the paths a config reads, for
running a paper-scale config end to end without its data set
(``tools/misc/smoke_paper.py``).

Paths are written relative to a root folder, as the config names them
(``data/coco/annotations/...``), so the config runs unchanged from that
folder. Covered: COCO-format jsons (mmdet's ``CocoDataset`` and mmext's
``CocoWithAnnIdsDataset``, with the dataset's classes; the semi-supervised,
sparse, noisy and VOC-as-COCO files are all of this kind), the MVTec AD,
MVTec 3D-AD and VisA layouts, texture folders of ``SynthesizeAnomaly``, and
the files evaluators read.
"""
import copy
import csv
import json
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np
from mmdet.datasets import CocoDataset

COCO_TYPES = ('CocoDataset', 'CocoWithAnnIdsDataset')
ANOMALY_TYPES = ('MVTecADDataset', 'MVTec3DADDataset', 'VisADataset')


def _type_name(cfg: dict) -> str:
    return str(cfg.get('type', '')).split('.')[-1]


def leaf_datasets(cfg: dict) -> Iterator[dict]:
    """The datasets a (possibly wrapped) dataset config reads from."""
    if 'datasets' in cfg:
        for child in cfg['datasets']:
            yield from leaf_datasets(child)
    elif 'dataset' in cfg:
        yield from leaf_datasets(cfg['dataset'])
    else:
        yield cfg


def _image(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """A ``(h, w, 3)`` image of smooth noise with a few bright boxes."""
    w, h = size
    small = rng.integers(0, 255, (max(h // 32, 2), max(w // 32, 2), 3))
    image = cv2.resize(small.astype(np.uint8), (w, h))
    return image


def _write_image(path: str, image: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, image):
        raise OSError(f'could not write {path!r}')


class PaperDataWriter:
    """Write what the datasets and evaluators of a config read.

    Args:
        root (str): The folder the config's relative paths start from.
        num_images (int): Images of each detection json.
        image_size (tuple[int, int]): ``(w, h)`` of the detection images.
        anomaly_size (tuple[int, int]): ``(w, h)`` of the anomaly images.
        seed (int): Seed of the generated images and boxes.
    """

    def __init__(self,
                 root: str,
                 num_images: int = 4,
                 image_size: Tuple[int, int] = (640, 480),
                 anomaly_size: Tuple[int, int] = (320, 320),
                 seed: int = 0) -> None:
        self.root = root
        self.num_images = num_images
        self.image_size = image_size
        self.anomaly_size = anomaly_size
        self.rng = np.random.default_rng(seed)
        self.jsons: Dict[str, dict] = {}

    def path(self, *parts: str) -> str:
        return osp.join(self.root, *[p for p in parts if p])

    def coco_json(self, classes: Tuple[str, ...], num_images: int) -> dict:
        w, h = self.image_size
        categories = [
            dict(id=i + 1, name=name) for i, name in enumerate(classes)
        ]
        images, annotations = [], []
        for i in range(num_images):
            images.append(
                dict(id=i + 1, file_name=f'{i:06d}.jpg', width=w, height=h))
            for _ in range(3):
                bw, bh = self.rng.integers(40, 200, 2)
                x, y = self.rng.integers(0,
                                         w - bw), self.rng.integers(0, h - bh)
                annotations.append(
                    dict(
                        id=len(annotations) + 1,
                        image_id=i + 1,
                        category_id=int(self.rng.integers(len(classes))) + 1,
                        bbox=[int(x), int(y), int(bw),
                              int(bh)],
                        area=int(bw * bh),
                        iscrowd=0))
        return dict(
            images=images, annotations=annotations, categories=categories)

    def coco_dataset(self, cfg: dict, num_images: int) -> str:
        """Write a COCO json and its images; return the json's path."""
        data_root = cfg.get('data_root') or ''
        ann_file = self.path(data_root, cfg['ann_file'])
        classes = (cfg.get('metainfo')
                   or {}).get('classes') or (CocoDataset.METAINFO['classes'])
        if ann_file not in self.jsons:
            content = self.coco_json(tuple(classes), num_images)
            os.makedirs(osp.dirname(ann_file), exist_ok=True)
            with open(ann_file, 'w') as f:
                json.dump(content, f)
            self.jsons[ann_file] = content
        prefix = (cfg.get('data_prefix') or {}).get('img', '')
        for image in self.jsons[ann_file]['images']:
            path = self.path(data_root, prefix, image['file_name'])
            if not osp.isfile(path):
                _write_image(path, _image(self.rng, self.image_size))
        return ann_file

    def anomaly_dataset(self, cfg: dict) -> None:
        """MVTec AD, MVTec 3D-AD or VisA layout of ``cfg``'s category."""
        kind = _type_name(cfg)
        root = self.path(cfg.get('data_root') or '')
        category = cfg['category']
        w, h = self.anomaly_size
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4:h // 2, w // 3:w // 2] = 255
        normal = [osp.join('train', 'good'), osp.join('test', 'good')]
        if kind == 'VisADataset':
            rows = []
            for split, label, name in (('train', 'normal',
                                        'n0'), ('train', 'normal', 'n1'),
                                       ('test', 'normal',
                                        'n2'), ('test', 'anomaly', 'a0')):
                folder = 'Anomaly' if label == 'anomaly' else 'Normal'
                image = f'{category}/Data/Images/{folder}/{name}.JPG'
                _write_image(osp.join(root, image), _image(self.rng, (w, h)))
                mask_file = ''
                if label == 'anomaly':
                    mask_file = f'{category}/Data/Masks/Anomaly/{name}.png'
                    _write_image(osp.join(root, mask_file), mask)
                rows.append((category, split, label, image, mask_file))
            split_file = osp.join(root,
                                  cfg.get('split_file', 'split_csv/1cls.csv'))
            os.makedirs(osp.dirname(split_file), exist_ok=True)
            with open(split_file, 'w', newline='') as f:
                writer = csv.writer(f)
                writer.writerow(['object', 'split', 'label', 'image', 'mask'])
                writer.writerows(rows)
            return
        rgb = 'rgb' if kind == 'MVTec3DADDataset' else ''
        for folder in normal:
            for i in range(2):
                _write_image(
                    osp.join(root, category, folder, rgb, f'{i:03d}.png'),
                    _image(self.rng, (w, h)))
        _write_image(
            osp.join(root, category, 'test', 'crack', rgb, '000.png'),
            _image(self.rng, (w, h)))
        mask_path = (
            osp.join(root, category, 'test', 'crack', 'gt', '000.png')
            if kind == 'MVTec3DADDataset' else osp.join(
                root, category, 'ground_truth', 'crack', '000_mask.png'))
        _write_image(mask_path, mask)

    def textures(self, pipeline: List[dict]) -> None:
        """Two images in each texture folder a pipeline reads."""
        for transform in pipeline or []:
            texture_dir = transform.get('texture_dir')
            if texture_dir:
                for i in range(2):
                    _write_image(
                        self.path(texture_dir, 'cloud', f'{i}.jpg'),
                        _image(self.rng, (64, 64)))
            for branch in transform.values():
                if isinstance(branch, list) and branch and isinstance(
                        branch[0], dict):
                    self.textures(branch)

    def dataset(self, cfg: dict, num_images: int) -> Optional[str]:
        """Write one leaf dataset; the json path for COCO datasets."""
        kind = _type_name(cfg)
        self.textures(cfg.get('pipeline'))
        if kind in COCO_TYPES:
            return self.coco_dataset(cfg, num_images)
        if kind in ANOMALY_TYPES:
            self.anomaly_dataset(cfg)
            return None
        raise ValueError(f'PaperDataWriter cannot write a {kind!r} dataset')

    def evaluator(self, cfg, val_jsons: List[str]) -> None:
        """Make the files an evaluator reads: its ``ann_file`` (the val
        dataset's json when it names another path) and ``clean_ann_file``
        (a copy of it); the folder of its ``outfile``."""
        for metric in cfg if isinstance(cfg, list) else [cfg]:
            ann_file = metric.get('ann_file')
            if ann_file:
                ann_file = self.path(ann_file)
                if ann_file not in self.jsons:
                    if not val_jsons:
                        raise ValueError('an evaluator reads '
                                         f'{ann_file!r} but no val json')
                    self._copy(val_jsons[0], ann_file)
            if metric.get('clean_ann_file'):
                self._copy(ann_file, self.path(metric['clean_ann_file']))
            if metric.get('outfile'):
                os.makedirs(
                    osp.dirname(self.path(metric['outfile'])), exist_ok=True)

    def _copy(self, src: str, dst: str) -> None:
        if dst in self.jsons:
            return
        os.makedirs(osp.dirname(dst), exist_ok=True)
        content = copy.deepcopy(self.jsons[src])
        with open(dst, 'w') as f:
            json.dump(content, f)
        self.jsons[dst] = content

    def write(self, cfg, train_images: int, val_images: int = 2) -> None:
        """Everything the config's train, val and test loops read."""
        for leaf in leaf_datasets(cfg.train_dataloader.dataset):
            self.dataset(leaf, train_images)
        val_jsons: List[str] = []
        for split in ('val', 'test'):
            loader = cfg.get(f'{split}_dataloader')
            if not loader:
                continue
            for leaf in leaf_datasets(loader.dataset):
                path = self.dataset(leaf, val_images)
                if path:
                    val_jsons.append(path)
            if cfg.get(f'{split}_evaluator'):
                self.evaluator(cfg[f'{split}_evaluator'], val_jsons)
