import os
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset

from mmext.registry import DATASETS

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp')
NORMAL_FOLDER = 'good'


def _images_in(folder: str) -> List[str]:
    return sorted(
        name for name in os.listdir(folder)
        if name.lower().endswith(IMAGE_EXTENSIONS))


@DATASETS.register_module()
class MVTecADDataset(BaseDataset):
    """One category of MVTec AD (Bergmann et al., CVPR 2019), on disk as::

        data_root/<category>/train/good/000.png
        data_root/<category>/test/good/000.png
        data_root/<category>/test/<defect>/000.png
        data_root/<category>/ground_truth/<defect>/000_mask.png

    The train split holds the normal images only; the test split every
    image, with its defect type, ``anomaly_label`` (0 for ``good``, else 1)
    and ``seg_map_path`` (None for normal images). Any category name works,
    so MVTec-layout sets of one's own load too.

    Args:
        category (str): The category folder, e.g. ``'bottle'``.
        split (str): ``'train'`` or ``'test'``.
        data_root (str): The folder holding the category folders.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``test_mode``, ...).

    Raises:
        FileNotFoundError: Naming the missing folder, or the anomalous image
            whose mask is missing.
    """
    METAINFO = dict(
        classes=('normal', 'anomalous'),
        categories=('bottle', 'cable', 'capsule', 'carpet', 'grid', 'hazelnut',
                    'leather', 'metal_nut', 'pill', 'screw', 'tile',
                    'toothbrush', 'transistor', 'wood', 'zipper'))
    # Where a split's images and the masks sit, relative to the category.
    image_folder = '{split}/{defect}'
    mask_path = 'ground_truth/{defect}/{stem}_mask.png'

    def __init__(self,
                 category: str,
                 split: str = 'train',
                 data_root: str = 'data/mvtec_ad',
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.category = category
        self.split = split
        super().__init__(data_root=data_root, **kwargs)

    def _category_root(self) -> str:
        if not osp.isdir(self.data_root):
            raise FileNotFoundError(
                f'data_root {self.data_root!r} is not a directory')
        root = osp.join(self.data_root, self.category)
        if not osp.isdir(root):
            found = sorted(
                d for d in os.listdir(self.data_root)
                if osp.isdir(osp.join(self.data_root, d)))
            raise FileNotFoundError(
                f'category {self.category!r} not found in data_root '
                f'{self.data_root!r} (it holds: {", ".join(found) or "none"})')
        return root

    def defect_types(self, root: str) -> List[str]:
        """The split's defect folders, ``good`` first."""
        split_root = osp.join(root, self.split)
        if not osp.isdir(split_root):
            raise FileNotFoundError(
                f'{self.category}: split folder {split_root!r} not found')
        if self.split == 'train':
            return [NORMAL_FOLDER]
        defects = sorted(
            d for d in os.listdir(split_root)
            if osp.isdir(osp.join(split_root, d)) and d != NORMAL_FOLDER)
        has_normal = osp.isdir(osp.join(split_root, NORMAL_FOLDER))
        return [NORMAL_FOLDER] * has_normal + defects

    def load_data_list(self) -> List[dict]:
        root = self._category_root()
        data_list = []
        for defect in self.defect_types(root):
            folder = osp.join(
                root,
                self.image_folder.format(split=self.split, defect=defect))
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'{self.category}: image folder {folder!r} not found')
            for name in _images_in(folder):
                data_list.append(self._data_info(root, folder, name, defect))
        if not data_list:
            raise FileNotFoundError(
                f'no {self.split} images of category {self.category!r} under '
                f'{osp.join(root, self.split)!r}')
        return data_list

    def _data_info(self, root: str, folder: str, name: str,
                   defect: str) -> dict:
        seg_map_path: Optional[str] = None
        if defect != NORMAL_FOLDER:
            seg_map_path = osp.join(
                root,
                self.mask_path.format(
                    defect=defect, stem=osp.splitext(name)[0], name=name))
            if not osp.isfile(seg_map_path):
                raise FileNotFoundError(
                    f'{self.category}: anomalous image '
                    f'{osp.join(folder, name)!r} has no mask at '
                    f'{seg_map_path!r}')
        return dict(
            img_path=osp.join(folder, name),
            seg_map_path=seg_map_path,
            anomaly_label=int(defect != NORMAL_FOLDER),
            defect_type=defect,
            category=self.category)


@DATASETS.register_module()
class MVTec3DADDataset(MVTecADDataset):
    """The RGB images of one MVTec 3D-AD category (Bergmann et al., VISAPP
    2022): ``<category>/<split>/<defect>/rgb/000.png`` with masks at
    ``<category>/test/<defect>/gt/000.png``. Same arguments and fields as
    :class:`MVTecADDataset`."""
    METAINFO = dict(
        classes=('normal', 'anomalous'),
        categories=('bagel', 'cable_gland', 'carrot', 'cookie', 'dowel',
                    'foam', 'peach', 'potato', 'rope', 'tire'))
    image_folder = '{split}/{defect}/rgb'
    mask_path = 'test/{defect}/gt/{name}'
