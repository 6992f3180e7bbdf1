"""MixTeacher's Faster R-CNN on regular, down-scaled and mixed scale
pyramids (Sec. 3.2).

Paper: MixTeacher: Mining Promising Labels with Mixed Scale Teacher for Semi-
Supervised Object Detection (Liu et al., CVPR 2023),
https://arxiv.org/abs/2303.09061.
Compared with the authors' code: docs/fidelity.md#mixteacher.
"""
import copy
from typing import Dict, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmdet.models.detectors import FasterRCNN
from mmdet.structures import SampleList
from mmdet.structures.bbox import scale_boxes
from mmdet.utils import ConfigType
from mmengine.config import ConfigDict
from torch import Tensor

from mmext.registry import MODELS
from ..utils import heads_in_float32

SCALES = ('regular', 'downscaled', 'mixed')
ScaleInputs = Dict[str, Tuple[Tuple[Tensor, ...], SampleList]]


def average_scale_losses(per_scale: Dict[str, dict]) -> dict:
    """Merge per-scale loss dicts: keys get a ``_<scale>`` suffix and every
    loss is divided by the number of scales (MixTeacher, Sec. 3.2: the
    detector is trained on each scale and the losses are averaged)."""
    merged = {}
    for scale, losses in per_scale.items():
        for name, value in losses.items():
            if 'loss' in name:
                value = ([v / len(per_scale) for v in value] if isinstance(
                    value, list) else value / len(per_scale))
            merged[f'{name}_{scale}'] = value
    return merged


@MODELS.register_module()
class MixedScaleFasterRCNN(FasterRCNN):
    """Faster R-CNN that sees each image at its size, at 0.5x, and mixed.

    MixTeacher (Liu et al., CVPR 2023), Sec. 3.2. The image and its 0.5x
    copy (nearest-neighbour resize, padded to ``size_divisor``) go through the
    same backbone and neck; :class:`MixedScaleFusion` mixes the two pyramids.
    Training computes the RPN and RoI losses on each scale in
    ``train_scales`` and averages them; prediction runs on ``test_scale``
    (the paper evaluates the teacher on the mixed pyramid). The extra weights
    are the fusion block's only, so a plain Faster R-CNN checkpoint loads with
    just those missing.

    Args:
        fusion (dict): Config of the pyramid fusion; ``in_channels``
            defaults to the neck's ``out_channels``.
        train_scales (Sequence[str]): Scales trained on, any of
            ``('regular', 'downscaled', 'mixed')``.
        test_scale (str): Scale predicted on.
        size_divisor (int): The 0.5x input is padded to a multiple of it; it
            must be at least the largest stride of the pyramid.
        **kwargs: Arguments of :class:`mmdet.models.FasterRCNN`.
    """

    def __init__(self,
                 *args,
                 fusion: ConfigType = dict(type='mmext.MixedScaleFusion'),
                 train_scales: Sequence[str] = SCALES,
                 test_scale: str = 'mixed',
                 size_divisor: int = 32,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for scale in (*train_scales, test_scale):
            if scale not in SCALES:
                raise ValueError(f'unknown scale {scale!r} in train_scales / '
                                 f'test_scale; choose from {SCALES}')
        if not train_scales:
            raise ValueError('train_scales must name at least one scale')
        self.train_scales = tuple(train_scales)
        self.test_scale = test_scale
        self.size_divisor = size_divisor
        fusion = copy.deepcopy(dict(fusion))
        fusion.setdefault('in_channels', self.neck.out_channels)
        self.fusion = MODELS.build(fusion)
        # Mixed precision: the heads' scores and box deltas in float32, as
        # the anchors and proposals (mmcv's CPU NMS refuses bfloat16 scores
        # with float32 boxes; SoftTeacher's background weights are float32).
        heads_in_float32(self)

    def downscale_inputs(self, batch_inputs: Tensor) -> Tensor:
        """The 0.5x copy of padded images ``(N, C, H, W)`` (nearest
        neighbour), padded to ``size_divisor``."""
        small = F.interpolate(batch_inputs, scale_factor=0.5, mode='nearest')
        h, w = small.shape[-2:]
        return F.pad(small,
                     (0, -w % self.size_divisor, 0, -h % self.size_divisor))

    def downscale(self, batch_inputs: Tensor,
                  batch_data_samples: SampleList) -> Tuple[Tensor, SampleList]:
        """The 0.5x copy of a batch and data samples that describe it.

        Args:
            batch_inputs (Tensor): Padded images ``(N, C, H, W)``.
            batch_data_samples (list[DetDataSample]): Their samples; the
                copies get the new image, pad and batch shapes, scale factor
                and homography, and ground-truth boxes scaled alike.

        Returns:
            tuple: Images ``(N, C, H', W')`` (``H'`` is ``H / 2`` rounded up
            to ``size_divisor``) and the new data samples.
        """
        small = self.downscale_inputs(batch_inputs)
        padded = tuple(small.shape[-2:])
        samples = []
        for data_sample in batch_data_samples:
            data_sample = copy.deepcopy(data_sample)
            img_h, img_w = data_sample.img_shape
            # ceil: the rows / columns of the 0.5x copy read from the image
            # (nearest resize keeps every other one, the first included);
            # the authors' resize_info rounds half up, the same.
            new_h, new_w = -(-img_h // 2), -(-img_w // 2)
            factor = (new_w / img_w, new_h / img_h)
            meta = dict(
                img_shape=(new_h, new_w),
                pad_shape=padded,
                batch_input_shape=padded)
            if 'scale_factor' in data_sample:
                sx, sy = data_sample.scale_factor
                meta['scale_factor'] = (sx * factor[0], sy * factor[1])
            if 'homography_matrix' in data_sample:
                matrix = data_sample.homography_matrix
                meta['homography_matrix'] = (
                    np.diag([factor[0], factor[1], 1.]) @ matrix).astype(
                        matrix.dtype)
            data_sample.set_metainfo(meta)
            for field in ('gt_instances', 'ignored_instances'):
                if field in data_sample and 'bboxes' in data_sample.get(field):
                    instances = data_sample.get(field)
                    instances.bboxes = scale_boxes(instances.bboxes, factor)
            samples.append(data_sample)
        return small, samples

    def extract_scale_feats(self, batch_inputs: Tensor,
                            batch_data_samples: SampleList,
                            scales: Sequence[str]) -> ScaleInputs:
        """Pyramids and matching data samples of the requested scales.

        The regular and down-scaled pyramids are computed once each, and only
        when a requested scale needs them.

        Returns:
            dict: ``{scale: (pyramid, data_samples)}`` in ``scales`` order.
        """
        out = {}
        if {'regular', 'mixed'} & set(scales):
            out['regular'] = (self.extract_feat(batch_inputs),
                              batch_data_samples)
        if {'downscaled', 'mixed'} & set(scales):
            small, small_samples = self.downscale(batch_inputs,
                                                  batch_data_samples)
            out['downscaled'] = (self.extract_feat(small), small_samples)
        if 'mixed' in scales:
            out['mixed'] = (self.fusion(out['regular'][0],
                                        out['downscaled'][0]),
                            batch_data_samples)
        return {scale: out[scale] for scale in scales}

    def test_pyramid(self, batch_inputs: Tensor) -> Tuple[Tensor, ...]:
        """The ``test_scale`` pyramid, which :meth:`predict` detects on
        (what the ONNX export traces: no data samples needed)."""
        if self.test_scale == 'regular':
            return self.extract_feat(batch_inputs)
        small = self.extract_feat(self.downscale_inputs(batch_inputs))
        if self.test_scale == 'downscaled':
            return small
        return self.fusion(self.extract_feat(batch_inputs), small)

    @property
    def rpn_proposal_cfg(self) -> ConfigDict:
        """Proposal settings in training: ``train_cfg.rpn_proposal``, else
        ``test_cfg.rpn`` (``TwoStageDetector.loss``'s rule)."""
        return self.train_cfg.get('rpn_proposal', self.test_cfg.rpn)

    def loss_by_feat(self, x: Tuple[Tensor, ...],
                     batch_data_samples: SampleList) -> dict:
        """RPN and RoI losses of one pyramid (``TwoStageDetector.loss``
        after feature extraction)."""
        rpn_data_samples = copy.deepcopy(batch_data_samples)
        for data_sample in rpn_data_samples:
            data_sample.gt_instances.labels = torch.zeros_like(
                data_sample.gt_instances.labels)
        rpn_losses, rpn_results_list = self.rpn_head.loss_and_predict(
            x, rpn_data_samples, proposal_cfg=self.rpn_proposal_cfg)
        losses = {
            (f'rpn_{k}' if 'loss' in k and 'rpn' not in k else k): v
            for k, v in rpn_losses.items()
        }
        losses.update(
            self.roi_head.loss(x, rpn_results_list, batch_data_samples))
        return losses

    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> dict:
        """Losses on every scale of ``train_scales``, averaged."""
        per_scale = {
            scale: self.loss_by_feat(x, samples)
            for scale, (x, samples) in self.extract_scale_feats(
                batch_inputs, batch_data_samples, self.train_scales).items()
        }
        return average_scale_losses(per_scale)

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Detections from the ``test_scale`` pyramid.

        With ``rescale=False`` and ``test_scale='downscaled'`` the boxes are
        in the 0.5x image's frame.
        """
        x, samples = self.extract_scale_feats(
            batch_inputs, batch_data_samples,
            (self.test_scale, ))[self.test_scale]
        rpn_results_list = self.rpn_head.predict(x, samples, rescale=False)
        results_list = self.roi_head.predict(
            x, rpn_results_list, samples, rescale=rescale)
        return self.add_pred_to_datasample(batch_data_samples, results_list)
