"""Predictions of a model in PyTorch against the same model whose network
runs in ONNX Runtime (``tools/deployment/check_onnx_parity.py``)."""
import copy
import os.path as osp
import tempfile
from typing import Dict, List, Sequence

import torch
from mmdet.structures import DetDataSample
from mmseg.structures import SegDataSample
from torch import nn

from .onnx_export import ANOMALY, export_graph, export_onnx
from .onnxruntime_backend import attach_onnxruntime

#: issue 32's tolerances: box coordinates, scores, anomaly maps
BOX_ATOL, SCORE_ATOL, MAP_ATOL = 1e-3, 1e-4, 1e-4


def compare_with_onnxruntime(model: nn.Module,
                             input_shape: Sequence[int],
                             seed: int = 0) -> List[Dict[str, float]]:
    """Export ``model`` (eval mode) at ``input_shape`` to a temporary folder,
    predict on random normalised images of that shape with it and with a
    copy whose network runs in ONNX Runtime, and compare image by image.

    Returns:
        list[dict]: Per image: for an anomaly model the largest differences
        of map and score; for a detector the detection counts, whether the
        labels are equal, and the largest box and score differences.
    """
    n, _, h, w = input_shape
    with tempfile.TemporaryDirectory(prefix='mmext-parity-') as folder:
        path = osp.join(folder, 'model.onnx')
        export_onnx(model, path, input_shape)
        onnx_model = attach_onnxruntime(copy.deepcopy(model), path)
        torch.manual_seed(seed)
        images = torch.randn(*input_shape)
        anomaly = export_graph(model)[1] == ANOMALY
        meta = dict(
            img_shape=(h, w),
            ori_shape=(h, w),
            pad_shape=(h, w),
            batch_input_shape=(h, w),
            scale_factor=(1., 1.))
        sample_type = SegDataSample if anomaly else DetDataSample
        with torch.no_grad():
            refs = model.predict(images, [sample_type(metainfo=meta)] * n)
            gots = onnx_model.predict(images, [sample_type(metainfo=meta)] * n)
    if anomaly:
        return [
            dict(
                map=(got.pred_anomaly_map.data -
                     ref.pred_anomaly_map.data).abs().max().item(),
                score=(got.pred_score - ref.pred_score).abs().max().item())
            for got, ref in zip(gots, refs)
        ]
    return [
        detection_differences(got.pred_instances, ref.pred_instances)
        for got, ref in zip(gots, refs)
    ]


def detection_differences(got, ref) -> Dict[str, float]:
    """Counts, label equality and largest differences of two detection
    sets (``InstanceData``) of one image."""
    result = dict(count=len(ref), onnx_count=len(got))
    if len(got) != len(ref):
        return dict(
            result, labels_equal=False, box=float('inf'), score=float('inf'))
    if len(ref) == 0:
        return dict(result, labels_equal=True, box=0., score=0.)
    return dict(
        result,
        labels_equal=bool(torch.equal(got.labels, ref.labels)),
        box=(got.bboxes - ref.bboxes).abs().max().item(),
        score=(got.scores - ref.scores).abs().max().item())


def within_tolerance(difference: Dict[str, float]) -> bool:
    """Whether one image's differences are within issue 32's tolerances."""
    if 'map' in difference:
        return (difference['map'] <= MAP_ATOL
                and difference['score'] <= SCORE_ATOL)
    return (difference['labels_equal'] and difference['box'] <= BOX_ATOL
            and difference['score'] <= SCORE_ATOL)
