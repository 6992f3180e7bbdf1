from typing import Optional, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform

from mmext.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadAnomalyMask(BaseTransform):
    """Load an anomaly mask as ``gt_seg_map`` (1 anomalous, 0 normal).

    Reads ``seg_map_path`` (any value > 0 is anomalous: MVTec masks are
    0/255); a sample without one (a normal image) gets an all-zero mask of
    the original image size (``ori_shape``). Put it after ``Resize`` in test
    pipelines: the mask then stays at the original size, where the metrics
    are computed.

    With ``scale`` the mask is resized instead, as DeSTSeg's evaluation
    does (apple/ml-destseg@f6ea31f: data/mvtec_dataset.py:35-42 and 96-99):
    bilinear with antialiasing on the 0/1 mask, then 1 where the result is
    at least 0.5; the metrics are then computed at that size, on the model's
    map at its input size (``DMDD(map_size='input')``).

    Args:
        imdecode_backend (str): mmcv's image decoding backend.
        scale (tuple[int, int], optional): ``(w, h)`` to resize the mask
            to, or None to keep the original size. Defaults to None.

    Raises:
        ValueError: If a mask's size differs from its image's.
    """

    def __init__(self,
                 imdecode_backend: str = 'cv2',
                 scale: Optional[Tuple[int, int]] = None) -> None:
        self.imdecode_backend = imdecode_backend
        self.scale = tuple(scale) if scale is not None else None

    def resized(self, mask: np.ndarray) -> np.ndarray:
        """The 0/1 mask at ``scale``, thresholded at 0.5 after an
        antialiased bilinear resize."""
        width, height = self.scale
        resized = F.interpolate(
            torch.from_numpy(mask)[None, None].float(),
            size=(height, width),
            mode='bilinear',
            align_corners=False,
            antialias=True)[0, 0]
        return (resized >= 0.5).numpy().astype(np.uint8)

    def transform(self, results: dict) -> dict:
        height, width = results['ori_shape'][:2]
        path = results.get('seg_map_path')
        if path is None:
            mask = np.zeros((height, width), dtype=np.uint8)
        else:
            mask = mmcv.imread(
                path, flag='grayscale', backend=self.imdecode_backend)
            if mask is None:
                raise FileNotFoundError(f'cannot read mask {path!r}')
            if mask.shape != (height, width):
                raise ValueError(
                    f'mask {path!r} is {mask.shape[1]}x{mask.shape[0]}, its '
                    f'image {results.get("img_path")!r} {width}x{height}')
            mask = (mask > 0).astype(np.uint8)
        if self.scale is not None:
            mask = self.resized(mask)
        results['gt_seg_map'] = mask
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results
