import csv
import os.path as osp
from typing import List

from mmengine.dataset import BaseDataset

from mmext.registry import DATASETS

SPLIT_COLUMNS = ('object', 'split', 'label', 'image', 'mask')


@DATASETS.register_module()
class VisADataset(BaseDataset):
    """One category of VisA (Zou et al., ECCV 2022), read from its split
    file (``split_csv/1cls.csv``: ``object,split,label,image,mask`` with
    paths relative to ``data_root``). Gives the fields of
    :class:`MVTecADDataset` (``defect_type`` is ``'good'`` or ``'bad'``).

    Args:
        category (str): The ``object`` column's value, e.g. ``'candle'``.
        split (str): ``'train'`` or ``'test'``.
        data_root (str): The VisA folder.
        split_file (str): The split csv, relative to ``data_root``.

    Raises:
        FileNotFoundError: For a missing split file, image or mask (naming
            the csv line).
        ValueError: For a csv without the split columns, or a category it
            does not list.
    """
    METAINFO = dict(
        classes=('normal', 'anomalous'),
        categories=('candle', 'capsules', 'cashew', 'chewinggum', 'fryum',
                    'macaroni1', 'macaroni2', 'pcb1', 'pcb2', 'pcb3', 'pcb4',
                    'pipe_fryum'))

    def __init__(self,
                 category: str,
                 split: str = 'train',
                 data_root: str = 'data/visa',
                 split_file: str = 'split_csv/1cls.csv',
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.category = category
        self.split = split
        self.split_file = split_file
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        path = osp.join(self.data_root, self.split_file)
        if not osp.isfile(path):
            raise FileNotFoundError(f'VisA split file {path!r} not found')
        with open(path, newline='') as f:
            reader = csv.DictReader(f)
            missing = set(SPLIT_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f'{path}: no column(s) {sorted(missing)}')
            rows = [(line, row) for line, row in enumerate(reader, 2)
                    if row['object'] == self.category
                    and row['split'] == self.split]
        if not rows:
            raise ValueError(f'{path} lists no {self.split} image of '
                             f'category {self.category!r}')
        data_list = []
        for line, row in rows:
            anomalous = row['label'] != 'normal'
            img_path = osp.join(self.data_root, row['image'])
            seg_map_path = (
                osp.join(self.data_root, row['mask']) if anomalous else None)
            for file in (img_path, seg_map_path):
                if file is not None and not osp.isfile(file):
                    raise FileNotFoundError(
                        f'{path}, line {line}: {file!r} not found')
            data_list.append(
                dict(
                    img_path=img_path,
                    seg_map_path=seg_map_path,
                    anomaly_label=int(anomalous),
                    defect_type='bad' if anomalous else 'good',
                    category=self.category))
        return data_list
