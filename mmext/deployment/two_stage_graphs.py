"""The two graphs a two-stage detector (Faster R-CNN, with FPN or RCNet;
MixTeacher's mixed-scale Faster R-CNN) is exported as.

* :class:`TwoStageGraph`: images -> the pyramid and the RPN's raw outputs.
  mmdet's ``RPNHead.predict_by_feat`` (decoding, per-level top-k, NMS) then
  turns them into proposals beside the graph, as the single-stage heads'
  outputs are decoded beside theirs.
* :class:`RoIHeadGraph`: the pyramid and the proposals as RoIs -> the box
  head's class scores and box deltas, with ONNX's standard ``RoiAlign``
  (opset 16's ``half_pixel`` mode is mmcv's ``aligned=True``). mmdet's
  ``BBoxHead.predict_by_feat`` decodes them beside the graph.

Two graphs rather than one because the proposals come out of NMS between
them; mmdeploy joins them with NMS in the graph (its own operators), which
would leave mmdet's post-processing.
"""
from typing import Tuple

import torch
from mmdet.models.detectors import TwoStageDetector
from torch import Tensor, nn
from torch.autograd import Function

from mmext.models.detectors import MixedScaleFasterRCNN


class OnnxRoIAlign(Function):
    """An RoIAlign layer (mmcv's or mmext's, average pooling) that exports
    as ONNX's ``RoiAlign``; it computes with the layer itself."""

    @staticmethod
    def forward(ctx, input: Tensor, boxes: Tensor, batch_indices: Tensor,
                layer: nn.Module) -> Tensor:
        rois = torch.cat([batch_indices[:, None].to(boxes), boxes], dim=1)
        return layer(input, rois)

    @staticmethod
    def symbolic(g, input, boxes, batch_indices, layer):
        height, width = layer.output_size
        # aligned=True shifts by half a pixel: ONNX's half_pixel mode;
        # aligned=False clamps RoIs to at least 1x1: output_half_pixel.
        mode = 'half_pixel' if layer.aligned else 'output_half_pixel'
        return g.op(
            'RoiAlign',
            input,
            boxes,
            batch_indices,
            mode_s='avg',
            output_height_i=height,
            output_width_i=width,
            sampling_ratio_i=layer.sampling_ratio,
            spatial_scale_f=layer.spatial_scale,
            coordinate_transformation_mode_s=mode)


def roi_align_for_export(layer: nn.Module, input: Tensor,
                         rois: Tensor) -> Tensor:
    """``layer(input, rois)`` that traces to ONNX's ``RoiAlign``."""
    if getattr(layer, 'pool_mode', 'avg') != 'avg' or getattr(
            layer, 'use_torchvision', False):
        raise TypeError(
            f'{type(layer).__name__} with pool_mode='
            f'{getattr(layer, "pool_mode", None)!r} has no standard ONNX '
            "operator: export supports RoIAlign with pool_mode='avg' (mmcv's "
            "max mode pools differently from ONNX's)")
    return OnnxRoIAlign.apply(input, rois[:, 1:], rois[:, 0].long(), layer)


class RoIHeadGraph(nn.Module):
    """A standard RoI head's box branch: (pyramid levels..., RoIs) ->
    (class scores, box deltas).

    As mmdet's ``SingleRoIExtractor``, each level pools the RoIs mapped to
    it, and the results are written to their rows (``NonZero``, ``Gather``,
    ``ScatterND``); without its Python branch on empty levels, which a
    trace would freeze (an empty level pools no RoI).
    """

    def __init__(self, model: TwoStageDetector) -> None:
        super().__init__()
        roi_head = model.roi_head
        if not hasattr(roi_head, 'bbox_roi_extractor') or getattr(
                roi_head, 'with_mask', False) or not hasattr(
                    roi_head.bbox_roi_extractor, 'map_roi_levels'):
            raise TypeError(
                f'{type(roi_head).__name__} is not a box-only RoI head with '
                'a SingleRoIExtractor: export covers Faster R-CNN\'s '
                '(StandardRoIHead and its subclasses, without masks)')
        self.roi_head = roi_head

    @property
    def num_inputs(self) -> int:
        return self.roi_head.bbox_roi_extractor.num_inputs

    def forward(self, *inputs: Tensor) -> Tuple[Tensor, Tensor]:
        *feats, rois = inputs
        extractor = self.roi_head.bbox_roi_extractor
        layers = extractor.roi_layers
        target = extractor.map_roi_levels(rois, len(feats))
        roi_feats = feats[0].new_zeros(
            (rois.size(0), feats[0].size(1), *layers[0].output_size))
        for level, (layer, feat) in enumerate(zip(layers, feats)):
            inds = torch.nonzero(target == level).squeeze(1)
            pooled = roi_align_for_export(layer, feat, rois[inds])
            roi_feats = roi_feats.index_put((inds, ), pooled)
        if self.roi_head.with_shared_head:
            roi_feats = self.roi_head.shared_head(roi_feats)
        return self.roi_head.bbox_head(roi_feats)


def prediction_pyramid(model: TwoStageDetector, images: Tensor) -> tuple:
    """The pyramid ``model.predict`` detects on."""
    if isinstance(model, MixedScaleFasterRCNN):
        return model.test_pyramid(images)
    return model.extract_feat(images)


class TwoStageGraph(nn.Module):
    """Backbone, neck (and MixTeacher's fusion) and RPN: images -> the
    pyramid's levels, then the RPN's class scores and box deltas level by
    level."""

    def __init__(self, model: TwoStageDetector) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: Tensor) -> Tuple[Tensor, ...]:
        feats = tuple(prediction_pyramid(self.model, images))
        cls_scores, bbox_preds = self.model.rpn_head(feats)
        return (*feats, *cls_scores, *bbox_preds)
