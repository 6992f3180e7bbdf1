"""Predictions of a model in PyTorch against the same model whose network
runs in ONNX Runtime (``tools/deployment/check_onnx_parity.py``)."""
import copy
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.structures import SegDataSample
from torch import Tensor, nn

from mmext.ops import compiled_ops_disabled
from .onnx_export import ANOMALY, export_graph, export_onnx
from .onnxruntime_backend import BACKENDS, attach_onnxruntime

#: issue 32's tolerances: box coordinates, scores, anomaly maps
BOX_ATOL, SCORE_ATOL, MAP_ATOL = 1e-3, 1e-4, 1e-4
#: the graph's outputs, relative to each output's largest magnitude (float32
#: round-off is about 1e-6 of it)
NETWORK_RTOL = 1e-4


def compare_with_onnxruntime(
        model: nn.Module,
        input_shape: Sequence[int],
        seed: int = 0,
        backend: str = 'onnxruntime',
        inputs: Optional[Tensor] = None,
        data_samples: Optional[list] = None) -> List[Dict[str, float]]:
    """Export ``model`` (eval mode) at ``input_shape`` to a temporary folder,
    predict on random normalised images of that shape (or on ``inputs``
    with their ``data_samples``, as :func:`image_batches` gives them) with
    it and with a copy whose network runs in ONNX Runtime (or
    ``backend``), and compare image by image.

    Returns:
        list[dict]: Per image: the largest difference of the graph's
        outputs relative to their largest magnitude (``network``); for an
        anomaly model the largest differences of map and score; for a
        detector the detection counts, how many detections have a
        counterpart of the same label within the tolerances, the largest
        box and score differences of those pairs, and how many unmatched
        detections (of both sets) score within the tolerance of their
        set's lowest score (near-equal scores swapped at the top-k cut).
    """
    n, _, h, w = input_shape
    with tempfile.TemporaryDirectory(prefix='mmext-parity-') as folder:
        path = osp.join(folder, 'model.onnx')
        export_onnx(model, path, input_shape)
        onnx_model = attach_onnxruntime(copy.deepcopy(model), path, backend)
        graph, task = export_graph(model)
        network = BACKENDS[backend](path)
        if inputs is None:
            torch.manual_seed(seed)
            images = torch.randn(*input_shape)
            sample = unscaled_sample(
                SegDataSample if task == ANOMALY else DetDataSample, (h, w))
            data_samples = [sample.clone() for _ in range(n)]
        else:
            images = inputs
        with torch.no_grad(), compiled_ops_disabled():
            ref_outputs = graph(images)
        with torch.no_grad():
            refs = model.predict(images, copy.deepcopy(data_samples))
            gots = onnx_model.predict(images, copy.deepcopy(data_samples))
        outputs = network(images)
    results = []
    for i, (got, ref) in enumerate(zip(gots, refs)):
        result = dict(
            network=relative_difference([o[i] for o in outputs],
                                        [o[i] for o in ref_outputs]))
        if task == ANOMALY:
            result.update(
                map=(got.pred_anomaly_map.data -
                     ref.pred_anomaly_map.data).abs().max().item(),
                score=(got.pred_score - ref.pred_score).abs().max().item())
        else:
            result.update(
                detection_differences(got.pred_instances, ref.pred_instances))
        results.append(result)
    return results


#: test-pipeline steps reading annotations, which the checked images lack
ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadAnomalyMask')


def image_batches(
        model: nn.Module, cfg: Config,
        paths: Sequence[str]) -> List[Tuple[List[str], Tensor, list]]:
    """The images at ``paths`` as the model sees them in a test: the
    config's test pipeline (without its annotation loading) and the model's
    data preprocessor, one image at a time (padded as alone). Grouped by
    padded shape, in order of first appearance: ``(paths, inputs,
    data_samples)`` per shape, since a graph frozen at one shape runs only
    that one."""
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    pipeline = Compose([
        step for step in cfg.test_dataloader.dataset.pipeline
        if step['type'].split('.')[-1] not in ANNOTATION_LOADERS
    ])
    groups: Dict[Tuple[int, int], Tuple[List[str], list, list]] = {}
    for path in paths:
        data = model.data_preprocessor(
            pseudo_collate([pipeline(dict(img_path=path))]), False)
        shape = tuple(data['inputs'].shape[-2:])
        names, inputs, samples = groups.setdefault(shape, ([], [], []))
        names.append(path)
        inputs.append(data['inputs'])
        samples += data['data_samples']
    return [(names, torch.cat(inputs), samples)
            for names, inputs, samples in groups.values()]


def unscaled_sample(sample_type: type, size: Tuple[int, int]):
    """A data sample of ``sample_type`` (``DetDataSample``,
    ``SegDataSample``) describing an image of ``size`` as it is: neither
    resized nor padded."""
    return sample_type(
        metainfo=dict(
            img_shape=size,
            ori_shape=size,
            pad_shape=size,
            batch_input_shape=size,
            scale_factor=(1., 1.)))


def relative_difference(got: Sequence[Tensor], ref: Sequence[Tensor]) -> float:
    """The largest absolute difference over outputs, each divided by the
    largest magnitude of its reference output."""
    return max(((g - r).abs().max() / r.abs().max().clamp(min=1e-12)).item()
               for g, r in zip(got, ref))


def detection_differences(got, ref) -> Dict[str, float]:
    """Counts of two detection sets (``InstanceData``) of one image, how many
    reference detections have a counterpart of the same label within the
    box and score tolerances (in any order: near-equal scores may sort
    differently), the largest differences of those pairs, and how many
    unmatched detections score within the tolerance of their set's lowest
    score (swapped at the top-k cut; still out of tolerance)."""
    result = dict(
        count=len(ref),
        onnx_count=len(got),
        matched=0,
        box=0.,
        score=0.,
        unmatched_at_cut=0)
    if len(ref) == 0 or len(got) == 0:
        return result
    box = (ref.bboxes[:, None] - got.bboxes[None]).abs().amax(-1)
    score = (ref.scores[:, None] - got.scores[None]).abs()
    close = ((ref.labels[:, None] == got.labels[None]) & (box <= BOX_ATOL)
             & (score <= SCORE_ATOL))
    # the closest counterpart of each matched reference detection
    box = box.masked_fill(~close, float('inf'))
    pair = box.argmin(1)
    matched = close.any(1)
    if matched.any():
        rows = matched.nonzero()[:, 0]
        result.update(
            box=box[rows, pair[rows]].max().item(),
            score=score[rows, pair[rows]].max().item())
    result['matched'] = int(matched.sum())
    # Unmatched detections scored within the tolerance of their set's lowest
    # score: swapped at the top-k cut among near-equal scores.
    unmatched_got = ~close.any(0)
    result['unmatched_at_cut'] = int(
        (ref.scores[~matched] <= ref.scores.min() + SCORE_ATOL).sum() +
        (got.scores[unmatched_got] <= got.scores.min() + SCORE_ATOL).sum())
    return result


def within_tolerance(difference: Dict[str, float]) -> bool:
    """Whether one image's differences are within issue 32's tolerances
    (and the graph's outputs within :data:`NETWORK_RTOL`)."""
    if difference.get('network', 0.) > NETWORK_RTOL:
        return False
    if 'map' in difference:
        return (difference['map'] <= MAP_ATOL
                and difference['score'] <= SCORE_ATOL)
    return (difference['count'] == difference['onnx_count'] ==
            difference['matched'])
