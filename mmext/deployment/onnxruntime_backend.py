"""Run an exported ``.onnx`` file in ONNX Runtime (or OpenVINO) in place of
a model's network, keeping the model's own pre- and post-processing."""
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
import torch
from mmdet.models.detectors import SingleStageDetector, TwoStageDetector
from torch import Tensor, nn

from mmext.models.anomaly import DMDD
from mmext.models.detectors import MixedScaleFasterRCNN
from .onnx_export import (ANOMALY, DETECTION, GROUPS_KEY, LEVELS_KEY,
                          ROI_HEAD_KEY, SHAPE_KEY, TASK_KEY, TWO_STAGE,
                          predicting_model)


def article(noun: str) -> str:
    return f'{"an" if noun[0] in "aeiou" else "a"} {noun}'


class OnnxRuntimeNetwork:
    """An exported graph in an ONNX Runtime session (CPU, as many threads as
    torch uses: ``torch.get_num_threads()``), called with its inputs in the
    graph's order (a batch of normalised images first); returns its
    outputs as tensors."""

    backend = 'onnxruntime'

    def __init__(self, onnx_file: str) -> None:
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX file not found: {onnx_file}')
        self.onnx_file = onnx_file
        self.metadata: Dict[str, str] = self.open(onnx_file)
        if TASK_KEY not in self.metadata:
            raise ValueError(f'{onnx_file} was not exported by mmext '
                             f'(no {TASK_KEY!r} in its metadata): use '
                             'tools/deployment/export_onnx.py')
        self.task = self.metadata[TASK_KEY]

    def open(self, onnx_file: str) -> Dict[str, str]:
        """Load the graph; sets :attr:`input_names` and returns the file's
        metadata."""
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        # No busy-waiting between runs: the post-processing beside the graph
        # runs on torch's threads, on the same cores.
        options.add_session_config_entry('session.intra_op.allow_spinning',
                                         '0')
        self.session = onnxruntime.InferenceSession(
            onnx_file, options, providers=['CPUExecutionProvider'])
        self.input_names = [i.name for i in self.session.get_inputs()]
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def run(self, feed: Dict[str, np.ndarray]) -> List[np.ndarray]:
        return self.session.run(None, feed)

    def __call__(self, *inputs: Tensor) -> List[Tensor]:
        shape = 'x'.join(str(d) for d in inputs[0].shape)
        fixed = self.metadata.get(SHAPE_KEY)
        if fixed is not None and shape != fixed:
            raise ValueError(
                f'{self.onnx_file} runs on inputs of {fixed} only (its model '
                f'computes sizes in Python, frozen at export); got {shape}: '
                'export it again with --shape for your inputs (and batch '
                'size), or give images that the pipeline pads to that size')
        feed = {
            name: tensor.detach().cpu().float().numpy()
            for name, tensor in zip(self.input_names, inputs)
        }
        return [
            torch.from_numpy(o).to(inputs[0].device) for o in self.run(feed)
        ]

    def expect_task(self, task: str, model: nn.Module) -> None:
        """Refuse a file exported from another kind of model."""
        if self.task != task:
            raise ValueError(
                f'{self.onnx_file} holds {article(self.task)} model; '
                f'{type(model).__name__} needs {article(task)} model '
                'exported from its config')


class OpenVINONetwork(OnnxRuntimeNetwork):
    """The same graph compiled by OpenVINO for the CPU (OpenVINO reads the
    ``.onnx`` file itself; as many inference threads as torch uses)."""

    backend = 'openvino'

    def open(self, onnx_file: str) -> Dict[str, str]:
        import onnx
        import openvino
        core = openvino.Core()
        self.compiled = core.compile_model(
            onnx_file,
            'CPU',
            {
                'INFERENCE_NUM_THREADS': torch.get_num_threads(),
                # not bfloat16 / float16 where the CPU has them
                'INFERENCE_PRECISION_HINT': 'f32'
            })
        self.input_names = [i.get_any_name() for i in self.compiled.inputs]
        metadata = onnx.load(onnx_file, load_external_data=False)
        return {p.key: p.value for p in metadata.metadata_props}

    def run(self, feed: Dict[str, np.ndarray]) -> List[np.ndarray]:
        results = self.compiled(feed)
        return [results[output] for output in self.compiled.outputs]


#: the runtimes :func:`attach_onnxruntime` runs an exported file in
BACKENDS = {
    network.backend: network
    for network in (OnnxRuntimeNetwork, OpenVINONetwork)
}


def attach_onnxruntime(model: nn.Module,
                       onnx_file: str,
                       backend: str = 'onnxruntime') -> nn.Module:
    """Let ``model`` (built from the config the file was exported from) run
    its network in ONNX Runtime (or, with ``backend='openvino'``, in
    OpenVINO): ``model.test_step`` / ``predict`` then
    give the PyTorch model's predictions, its data preprocessing and
    post-processing (DMDD's cropping and resizing; the detector heads'
    decoding, score threshold, NMS and top-k; a two-stage detector's
    proposals) unchanged. A teacher-student wrapper runs the file in the
    model it predicts with. Returns ``model``.

    A file exported from another kind of model is refused.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {sorted(BACKENDS)}, got '
                         f'{backend!r}')
    network = BACKENDS[backend](onnx_file)
    wrapper, model = model, predicting_model(model)
    if isinstance(model, DMDD):
        network.expect_task(ANOMALY, model)
        model.anomaly_maps_and_scores = lambda inputs: tuple(network(inputs))
    elif isinstance(model, SingleStageDetector):
        network.expect_task(DETECTION, model)
        groups = int(network.metadata[GROUPS_KEY])
        levels = int(network.metadata[LEVELS_KEY])

        def head_outputs(images: Tensor) -> Tuple[List[Tensor], ...]:
            flat = network(images)
            return tuple(flat[g * levels:(g + 1) * levels]
                         for g in range(groups))

        # The graph holds backbone, neck and head: the "features" handed to
        # the head are the images themselves.
        model.extract_feat = lambda images: images
        model.bbox_head.forward = head_outputs
    elif isinstance(model, TwoStageDetector):
        network.expect_task(TWO_STAGE, model)
        attach_two_stage(model, network)
    else:
        raise TypeError(f'ONNX Runtime runs DMDD and detectors; '
                        f'{type(model).__name__} is neither')
    return wrapper


def attach_two_stage(model: TwoStageDetector,
                     network: OnnxRuntimeNetwork) -> None:
    """The first graph gives the pyramid and the RPN's outputs, which the
    RPN head's ``forward`` then hands to mmdet's proposal decoding; the
    second graph takes the place of the RoI head's box branch."""
    roi_network = type(network)(
        osp.join(
            osp.dirname(network.onnx_file), network.metadata[ROI_HEAD_KEY]))
    levels = int(network.metadata[LEVELS_KEY])
    rpn_outputs = {}

    def pyramid(images: Tensor) -> Tuple[Tensor, ...]:
        flat = network(images)
        feats = tuple(flat[:levels])
        # Keyed by the pyramid's first level: predict passes it to the RPN.
        rpn_outputs[id(feats[0])] = (flat[levels:2 * levels],
                                     flat[2 * levels:])
        return feats

    def rpn_forward(feats: Tuple[Tensor, ...]) -> tuple:
        return rpn_outputs.pop(id(feats[0]))

    def bbox_forward(feats: Tuple[Tensor, ...], rois: Tensor) -> dict:
        inputs = feats[:len(roi_network.input_names) - 1]
        cls_score, bbox_pred = roi_network(*inputs, rois)
        return dict(cls_score=cls_score, bbox_pred=bbox_pred)

    if isinstance(model, MixedScaleFasterRCNN):

        def extract_scale_feats(inputs, samples, scales):
            (scale, ) = scales  # predict asks for test_scale only
            if scale == 'downscaled':
                samples = model.downscale(inputs, samples)[1]
            return {scale: (pyramid(inputs), samples)}

        model.extract_scale_feats = extract_scale_feats
    else:
        model.extract_feat = pyramid
    model.rpn_head.forward = rpn_forward
    model.roi_head._bbox_forward = bbox_forward
