"""Run an exported ``.onnx`` file in ONNX Runtime in place of a model's
network, keeping the model's own pre- and post-processing."""
import os.path as osp
from typing import Dict, List, Tuple

import torch
from mmdet.models.detectors import SingleStageDetector
from torch import Tensor, nn

from mmext.models.anomaly import DMDD
from .onnx_export import GROUPS_KEY, LEVELS_KEY, SHAPE_KEY, TASK_KEY


class OnnxRuntimeNetwork:
    """An exported graph in an ONNX Runtime session (CPU, as many threads as
    torch uses: ``torch.get_num_threads()``), called with a batch of
    normalised images; returns its outputs as tensors."""

    def __init__(self, onnx_file: str) -> None:
        import onnxruntime
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX file not found: {onnx_file}')
        self.onnx_file = onnx_file
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(
            onnx_file, options, providers=['CPUExecutionProvider'])
        self.metadata: Dict[str, str] = dict(
            self.session.get_modelmeta().custom_metadata_map)
        if TASK_KEY not in self.metadata:
            raise ValueError(f'{onnx_file} was not exported by mmext '
                             f'(no {TASK_KEY!r} in its metadata): use '
                             'tools/deployment/export_onnx.py')
        self.task = self.metadata[TASK_KEY]

    def __call__(self, images: Tensor) -> List[Tensor]:
        shape = 'x'.join(str(d) for d in images.shape)
        fixed = self.metadata.get(SHAPE_KEY)
        if fixed is not None and shape != fixed:
            raise ValueError(
                f'{self.onnx_file} runs on inputs of {fixed} only (its model '
                f'computes sizes in Python, frozen at export); got {shape}: '
                'export it again with --shape for your inputs (and batch '
                'size), or give images that the pipeline pads to that size')
        outputs = self.session.run(
            None, {'images': images.detach().cpu().float().numpy()})
        return [torch.from_numpy(o).to(images.device) for o in outputs]


def attach_onnxruntime(model: nn.Module, onnx_file: str) -> nn.Module:
    """Let ``model`` (built from the config the file was exported from) run
    its network in ONNX Runtime: ``model.test_step`` / ``predict`` then
    give the PyTorch model's predictions, its data preprocessing and
    post-processing (DMDD's cropping and resizing; the detector head's
    decoding, score threshold, NMS and top-k) unchanged. Returns ``model``.

    A file exported from another kind of model is refused.
    """
    network = OnnxRuntimeNetwork(onnx_file)
    if isinstance(model, DMDD):
        if network.task != 'anomaly':
            raise ValueError(f'{onnx_file} holds a {network.task} model; '
                             f'{type(model).__name__} needs an anomaly '
                             'model exported from its config')
        model.anomaly_maps_and_scores = lambda inputs: tuple(network(inputs))
        return model
    if isinstance(model, SingleStageDetector):
        if network.task != 'detection':
            raise ValueError(f'{onnx_file} holds an {network.task} model; '
                             f'{type(model).__name__} needs a detector '
                             'exported from its config')
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
        return model
    raise TypeError(f'ONNX Runtime runs DMDD and single-stage detectors; '
                    f'{type(model).__name__} is neither')
