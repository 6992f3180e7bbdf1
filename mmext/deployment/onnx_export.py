"""Export mmext's models to ONNX with standard operators only.

What the graph holds and what runs beside it:

* DMDD: normalised images ``(N, 3, H, W)`` in; the anomaly maps
  ``(N, 1, H, W)`` in [0, 1] and the image scores ``(N, )`` out
  (:meth:`DMDD.anomaly_maps_and_scores`). Cropping the padding and resizing
  to each image's size run beside the graph (:func:`attach_onnxruntime`).
* Single-stage detectors (RetinaNet, ATSS, FCOS, GFL, TOOD, with FPN or
  RCNet): normalised images in; the head's raw outputs out, level by level
  (``model._forward``). Decoding, score threshold, NMS and top-k run beside
  the graph in the head's own ``predict_by_feat``, so that they stay
  exactly mmdet's (mmdeploy puts them in the graph with its own operators).

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
from mmdet.models.detectors import SingleStageDetector
from torch import Tensor, nn

from mmext.models.anomaly import DMDD
from mmext.ops import compiled_ops_disabled

OPSET = 17
#: metadata keys of an exported file
TASK_KEY, LEVELS_KEY, GROUPS_KEY = 'mmext_task', 'mmext_levels', 'mmext_groups'
#: set when the graph only runs at the shape it was exported with
SHAPE_KEY = 'mmext_input_shape'


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


def export_graph(model: nn.Module) -> Tuple[nn.Module, str]:
    """The module to export for ``model`` and its task name; refuses the
    models the exporter does not cover, naming them."""
    if isinstance(model, DMDD):
        return AnomalyGraph(model), 'anomaly'
    if isinstance(model, SingleStageDetector):
        return DenseDetectorGraph(model), 'detection'
    raise TypeError(
        f'mmext exports DMDD and single-stage detectors (RetinaNet, ATSS, '
        f'FCOS, GFL, TOOD, with FPN or RCNet) to ONNX; '
        f'{type(model).__name__} is neither (two-stage detectors and the '
        'teacher-student wrappers are not covered yet)')


def export_onnx(model: nn.Module,
                out_file: str,
                input_shape: Sequence[int] = (1, 3, 256, 256),
                overwrite: bool = False) -> Dict[str, str]:
    """Write ``model`` (in eval mode, weights loaded) to ``out_file``.

    Args:
        model (nn.Module): A :class:`DMDD` or a single-stage detector.
        out_file (str): The ``.onnx`` file to write.
        input_shape (Sequence[int]): ``(N, 3, H, W)`` of the example input
            the graph is traced with; N, H and W stay dynamic.
        overwrite (bool): Replace an existing ``out_file``.

    Returns:
        dict: The metadata written into the file (task, levels, groups).
    """
    if osp.exists(out_file) and not overwrite:
        raise FileExistsError(f'{out_file} exists: nothing was written; pass '
                              'overwrite=True (--overwrite) to replace it')
    graph, task = export_graph(model)
    graph.eval()
    device = next(model.parameters()).device
    example = torch.zeros(*input_shape, device=device)
    partial = out_file + '.part'
    try:
        try:
            metadata = _export(graph, model, task, example, partial, True)
            dynamic = runs_at_other_shapes(partial, example)
        except torch.onnx.errors.SymbolicValueError:
            # e.g. adaptive pooling, which ONNX expresses for known sizes only
            dynamic = False
        if not dynamic:
            metadata = _export(graph, model, task, example, partial, False)
        os.replace(partial, out_file)
    finally:
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


def _export(graph: nn.Module, model: nn.Module, task: str, example: Tensor,
            out_file: str, dynamic: bool) -> Dict[str, str]:
    names = output_names(task, model, example)
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
    with torch.no_grad(), compiled_ops_disabled():
        outputs = graph(example)
        torch.onnx.export(
            graph, (example, ),
            out_file,
            dynamo=False,
            opset_version=OPSET,
            input_names=['images'],
            output_names=names,
            dynamic_axes=axes if dynamic else None)
    onnx_model = onnx.load(out_file)
    check_standard_operators(onnx_model, out_file)
    metadata = {TASK_KEY: task}
    if not dynamic:
        metadata[SHAPE_KEY] = 'x'.join(str(d) for d in example.shape)
    if task == 'detection':
        with torch.no_grad(), compiled_ops_disabled():
            metadata[GROUPS_KEY] = str(len(model._forward(example)))
        metadata[LEVELS_KEY] = str(len(outputs) // int(metadata[GROUPS_KEY]))
    for key, value in metadata.items():
        entry = onnx_model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(onnx_model, out_file)
    return metadata


def output_names(task: str, model: nn.Module, example: Tensor) -> List[str]:
    if task == 'anomaly':
        return ['anomaly_maps', 'scores']
    with torch.no_grad(), compiled_ops_disabled():
        groups = model._forward(example)
    return [
        f'group{g}_level{i}' for g, group in enumerate(groups)
        for i in range(len(group))
    ]


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
