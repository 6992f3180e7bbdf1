import numpy as np
from mmcv.transforms import to_tensor
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from mmext.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackAnomalyInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` that also packs the normal image of a
    training pair (``normal_img`` from ``SynthesizeAnomaly``) into the data
    sample, and the anomaly datasets' meta keys."""

    def __init__(
        self,
        meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
                   'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                   'anomaly_label', 'defect_type', 'category')
    ) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if 'normal_img' in results:
            image = np.ascontiguousarray(results['normal_img'].transpose(
                2, 0, 1))
            packed['data_samples'].normal_img = PixelData(
                data=to_tensor(image))
        return packed
