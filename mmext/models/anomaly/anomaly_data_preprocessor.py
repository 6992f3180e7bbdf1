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
        # The inference path converts and normalises them as the inputs.
        normal = super().forward(
            dict(inputs=[s.normal_img.data for s in samples]),
            training=False)['inputs']
        if normal.shape != inputs.shape:
            raise ValueError(
                f'normal images {tuple(normal.shape)} and batch inputs '
                f'{tuple(inputs.shape)} differ in size: resize the training '
                'images to one size before SynthesizeAnomaly')
        for sample, image in zip(samples, normal):
            sample.normal_img = PixelData(data=image)
        return data
