"""Export mmext's models to ONNX with standard operators only.

What the graph holds and what runs beside it:

* DMDD: normalised images ``(N, 3, H, W)`` in; the anomaly maps
  ``(N, 1, H, W)`` in [0, 1] and the image scores ``(N, )`` out
  (:meth:`DMDD.anomaly_maps_and_scores`). Cropping the padding and resizing
  to each image's size run beside the graph (:func:`attach_onnxruntime`).
* Single-stage detectors (RetinaNet, ATSS, FCOS, GFL, TOOD, with FPN or
  RCNet; a teacher-student wrapper's teacher or student, e.g. Calibrated
  Teacher's RetinaNet): normalised images in; the head's raw outputs out,
  level by level (``model._forward``). Decoding, score threshold, NMS and
  top-k run beside the graph in the head's own ``predict_by_feat``, so
  that they stay exactly mmdet's (mmdeploy puts them in the graph with its
  own operators).
* Two-stage detectors (Faster R-CNN with FPN or RCNet; MixTeacher's mixed
  scale Faster R-CNN; the teacher-student wrappers around them): two files,
  ``OUT.onnx`` (images -> pyramid and RPN outputs) and
  ``OUT.roi_head.onnx`` (pyramid and RoIs -> box head outputs, with ONNX's
  ``RoiAlign``); the RPN's proposals and the final boxes are decoded,
  thresholded and NMS-ed beside the graphs by mmdet's own heads
  (:mod:`.two_stage_graphs`).

Batch size, height and width are dynamic where the model allows it: the
export checks the graph at another shape and, where it fails (TOOD's head
and RCNet compute sizes in Python, which tracing freezes), exports it for
the example's shape only and records that shape in the file, which
:class:`OnnxRuntimeNetwork` then enforces. mmext's compiled ops are switched
off while exporting, so deformable sampling (RCNet's DCNv2 fusion convs,
TOOD's alignment) becomes ONNX's ``GridSample`` (opset 16) and a
convolution, and CSN's shift becomes slices and concatenations; the export
refuses any operator outside the standard ``ai.onnx`` domain.
"""
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import onnx
import torch
from mmdet.models.detectors import (SemiBaseDetector, SingleStageDetector,
                                    TwoStageDetector)
from torch import Tensor, nn

from mmext.models.anomaly import DMDD
from mmext.models.detectors import SSDDet
from mmext.ops import compiled_ops_disabled
from .two_stage_graphs import RoIHeadGraph, TwoStageGraph, prediction_pyramid

OPSET = 17
#: metadata keys of an exported file
TASK_KEY, LEVELS_KEY, GROUPS_KEY = 'mmext_task', 'mmext_levels', 'mmext_groups'
#: set when the graph only runs at the shape it was exported with
SHAPE_KEY = 'mmext_input_shape'
#: a two-stage detector's second file, relative to the first
ROI_HEAD_KEY = 'mmext_roi_head_file'
#: the tasks, by the kind of model exported
ANOMALY, DETECTION, TWO_STAGE = 'anomaly', 'detection', 'two-stage detection'


class AnomalyGraph(nn.Module):
    """DMDD's network part: images -> (anomaly maps, image scores)."""

    def __init__(self, model: DMDD) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        return self.model.anomaly_maps_and_scores(images)


class DenseDetectorGraph(nn.Module):
    """A single-stage detector's backbone, neck and head: images -> the
    head's outputs, flattened group by group (e.g. every level's class
    scores, then every level's box predictions)."""

    def __init__(self, model: SingleStageDetector) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: Tensor) -> Tuple[Tensor, ...]:
        groups = self.model._forward(images)
        return tuple(level for group in groups for level in group)


def predicting_model(model: nn.Module) -> nn.Module:
    """The model that predicts: a teacher-student wrapper's (Calibrated
    Teacher, MixTeacher) teacher or student as its ``semi_test_cfg``'s
    ``predict_on`` says (the teacher by default, as mmdet), else
    ``model``."""
    if isinstance(model, SemiBaseDetector):
        return getattr(model, model.semi_test_cfg.get('predict_on', 'teacher'))
    return model


def export_graph(model: nn.Module) -> Tuple[nn.Module, str]:
    """The module to export for ``model`` and its task name; refuses the
    models the exporter does not cover, naming them."""
    model = predicting_model(model)
    if isinstance(model, SSDDet):
        raise TypeError(
            'SSDDet refines the annotated boxes of a training set (it needs '
            'them as input) and is not deployed: export the detector trained '
            'on its refined boxes (configs/ssd_det/faster-rcnn_*-refined.py)')
    if isinstance(model, DMDD):
        return AnomalyGraph(model), ANOMALY
    if isinstance(model, SingleStageDetector):
        return DenseDetectorGraph(model), DETECTION
    if isinstance(model, TwoStageDetector):
        RoIHeadGraph(model)  # refuses RoI heads it cannot export
        return TwoStageGraph(model), TWO_STAGE
    raise TypeError(
        f'mmext exports DMDD and detectors (single-stage: RetinaNet, ATSS, '
        'FCOS, GFL, TOOD; two-stage: Faster R-CNN; with FPN or RCNet; a '
        'teacher-student wrapper exports the model it predicts with) to '
        f'ONNX; {type(model).__name__} is none of them')


def roi_head_file(onnx_file: str) -> str:
    """A two-stage detector's second file: ``OUT.roi_head.onnx``."""
    stem, ext = osp.splitext(onnx_file)
    return f'{stem}.roi_head{ext or ".onnx"}'


def export_onnx(model: nn.Module,
                out_file: str,
                input_shape: Sequence[int] = (1, 3, 256, 256),
                overwrite: bool = False) -> Dict[str, str]:
    """Write ``model`` (in eval mode, weights loaded) to ``out_file`` (and,
    for a two-stage detector, its RoI head to :func:`roi_head_file`).

    Args:
        model (nn.Module): A :class:`DMDD`, a single-stage or two-stage
            detector, or a teacher-student wrapper of one.
        out_file (str): The ``.onnx`` file to write.
        input_shape (Sequence[int]): ``(N, 3, H, W)`` of the example input
            the graph is traced with; N, H and W stay dynamic where the
            model allows it.
        overwrite (bool): Replace existing files.

    Returns:
        dict: The metadata written into the file (task, groups and levels
        of the outputs, the fixed input shape where there is one, the RoI
        head's file).
    """
    graph, task = export_graph(model)
    out_files = [out_file]
    if task == TWO_STAGE:
        out_files.append(roi_head_file(out_file))
    for path in out_files:
        if osp.exists(path) and not overwrite:
            raise FileExistsError(f'{path} exists: nothing was written; pass '
                                  'overwrite=True (--overwrite) to replace it')
    model = predicting_model(model)
    graph.eval()
    device = next(model.parameters()).device
    example = torch.zeros(*input_shape, device=device)
    with torch.no_grad(), compiled_ops_disabled():
        groups = output_groups(task, model, example)
    names = [name for group in groups for name in group]
    metadata = {TASK_KEY: task}
    if task != ANOMALY:
        metadata.update({
            GROUPS_KEY: str(len(groups)),
            LEVELS_KEY: str(len(groups[0]))
        })
    if task == TWO_STAGE:
        metadata[ROI_HEAD_KEY] = osp.basename(out_files[1])
    partials = [path + '.part' for path in out_files]
    try:
        try:
            _export(graph, example, partials[0], names, metadata, True)
            dynamic = runs_at_other_shapes(partials[0], example)
        except torch.onnx.errors.SymbolicValueError:
            # e.g. adaptive pooling, which ONNX expresses for known sizes only
            dynamic = False
        if not dynamic:
            metadata[SHAPE_KEY] = 'x'.join(str(d) for d in example.shape)
            _export(graph, example, partials[0], names, metadata, False)
        if task == TWO_STAGE:
            _export_roi_head(model, example, partials[1])
        for partial, path in zip(partials, out_files):
            os.replace(partial, path)
    finally:
        for partial in partials:
            if osp.exists(partial):
                os.remove(partial)
    return metadata


def runs_at_other_shapes(onnx_file: str, example: Tensor) -> bool:
    """Whether the graph runs on another batch size and image size than it
    was traced with. Models that compute sizes in Python (the priors inside
    TOOD's head, RCNet's resampling between levels) are traced with those
    sizes as constants, and their graphs only run at the example's shape."""
    import onnxruntime
    session = onnxruntime.InferenceSession(
        onnx_file, providers=['CPUExecutionProvider'])
    n, c, h, w = example.shape
    other = torch.rand(n + 1, c, h + 32, w + 64).numpy()
    try:
        session.run(None, {'images': other})
    except Exception:  # ONNX Runtime's errors have no common base class
        return False
    return True


def _export(graph: nn.Module, example: Tensor, out_file: str, names: List[str],
            metadata: Dict[str, str], dynamic: bool) -> None:
    axes = {
        'images': {
            0: 'batch',
            2: 'height',
            3: 'width'
        },
        **{
            name: {
                0: 'batch'
            }
            for name in names
        }
    }
    _trace(graph, (example, ), out_file, ['images'], names,
           axes if dynamic else None)
    _write_metadata(out_file, metadata)


def _export_roi_head(model: nn.Module, example: Tensor, out_file: str) -> None:
    """The RoI head's graph, traced with the example's pyramid and RoIs of
    several sizes (one per level the extractor maps to); the number of
    RoIs, the batch and the pyramid's sizes stay dynamic."""
    roi_graph = RoIHeadGraph(model).eval()
    with torch.no_grad(), compiled_ops_disabled():
        feats = prediction_pyramid(model, example)[:roi_graph.num_inputs]
    h, w = example.shape[-2:]
    sides = torch.tensor([16., 48., 112., 224., 448.])
    rois = torch.stack([
        torch.zeros_like(sides), sides / 4, sides / 8,
        (sides / 4 + sides).clamp(max=w), (sides / 8 + sides).clamp(max=h)
    ], 1).to(example)
    inputs = (*feats, rois)
    names = [f'feat{i}' for i in range(len(feats))] + ['rois']
    axes = {
        f'feat{i}': {
            0: 'batch',
            2: f'h{i}',
            3: f'w{i}'
        }
        for i in range(len(feats))
    }
    axes.update(rois={0: 'rois'}, cls_score={0: 'rois'}, bbox_pred={0: 'rois'})
    _trace(
        roi_graph,
        inputs,
        out_file,
        names, ['cls_score', 'bbox_pred'],
        axes,
        inline_functions=False)
    _write_metadata(out_file, {TASK_KEY: 'roi head'})


def _trace(graph: nn.Module,
           inputs: tuple,
           out_file: str,
           input_names: List[str],
           output_names: List[str],
           dynamic_axes: dict,
           inline_functions: bool = True) -> None:
    """Trace ``graph`` to ``out_file``. Autograd functions without a
    symbolic (e.g. mmdet's ``SigmoidGeometricMean``) are inlined; the RoI
    head's graph is traced with ``inline_functions=False``, so that the
    RoIAlign function that computes with mmcv's own RoIAlign function keeps
    its symbolic (inlining the two fails inside torch's tracer)."""
    with torch.no_grad(), compiled_ops_disabled():
        torch.onnx.export(
            graph,
            inputs,
            out_file,
            dynamo=False,
            opset_version=OPSET,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            autograd_inlining=inline_functions)
    check_standard_operators(onnx.load(out_file), out_file)


def _write_metadata(out_file: str, metadata: Dict[str, str]) -> None:
    onnx_model = onnx.load(out_file)
    for key, value in metadata.items():
        entry = onnx_model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(onnx_model, out_file)


def output_groups(task: str, model: nn.Module,
                  example: Tensor) -> List[List[str]]:
    """The graph's output names, group by group (one forward of
    ``model``): DMDD's maps and scores; a single-stage head's groups
    (e.g. class scores, box predictions) level by level; a two-stage
    detector's pyramid, RPN scores and RPN deltas level by level."""
    if task == ANOMALY:
        return [['anomaly_maps', 'scores']]
    if task == TWO_STAGE:
        levels = len(prediction_pyramid(model, example))
        return [[f'{group}{i}' for i in range(levels)]
                for group in ('feat', 'rpn_cls', 'rpn_bbox')]
    return [[f'group{g}_level{i}' for i in range(len(group))]
            for g, group in enumerate(model._forward(example))]


def check_standard_operators(onnx_model: onnx.ModelProto,
                             out_file: str) -> None:
    """Refuse a graph with an operator outside ONNX's standard domain."""
    custom = sorted({(node.domain, node.op_type)
                     for node in onnx_model.graph.node
                     if node.domain not in ('', 'ai.onnx')})
    if custom:
        raise RuntimeError(
            f'{out_file} would need custom operators '
            f'{", ".join(f"{d}::{t}" for d, t in custom)}, which no standard '
            'ONNX runtime has; nothing was written')
