from typing import Any, Dict

from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor

from mmext.registry import MODELS


@MODELS.register_module()
class AnomalyDataPreProcessor(SegDataPreProcessor):
    """mmseg's ``SegDataPreProcessor`` that, in training, also converts and
    normalises each sample's ``normal_img`` (the normal image of a
    ``SynthesizeAnomaly`` pair) as it does the inputs, in place in the data
    sample. The pair's images must have the batch's input size (resize the
    training images to one size before synthesis)."""

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        data = super().forward(data, training)
        if not training:
            return data
        inputs, samples = data['inputs'], data['data_samples']
        for i, sample in enumerate(samples):
            if 'normal_img' not in sample:
                raise KeyError(
                    f'training sample {sample.get("img_path", i)!r} has no '
                    'normal_img: put SynthesizeAnomaly in the train pipeline '
                    'and PackAnomalyInputs at its end')
            image = sample.normal_img.data.float()
            if image.shape != inputs.shape[1:]:
                raise ValueError(
                    f'normal image {tuple(image.shape)} and batch input '
                    f'{tuple(inputs.shape[1:])} differ in size: resize the '
                    'training images to one size before SynthesizeAnomaly')
            if self._channel_conversion and image.size(0) == 3:
                image = image[[2, 1, 0]]
            if self._enable_normalize:
                image = (image - self.mean) / self.std
            sample.normal_img = PixelData(data=image)
        return data

