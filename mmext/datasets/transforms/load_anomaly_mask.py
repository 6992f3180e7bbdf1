import mmcv
import numpy as np
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

    Raises:
        ValueError: If a mask's size differs from its image's.
    """

    def __init__(self, imdecode_backend: str = 'cv2') -> None:
        self.imdecode_backend = imdecode_backend

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
        results['gt_seg_map'] = mask
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results
