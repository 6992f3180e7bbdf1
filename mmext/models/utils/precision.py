from typing import Any

import torch
from torch import nn

LOW_PRECISION = (torch.float16, torch.bfloat16)


def to_float32(outputs: Any) -> Any:
    """``outputs`` (tensors in nested tuples, lists and dicts) with half and
    bfloat16 tensors cast to float32, everything else as it was."""
    if torch.is_tensor(outputs):
        return outputs.float() if outputs.dtype in LOW_PRECISION else outputs
    if isinstance(outputs, tuple) and hasattr(outputs, '_fields'):
        return type(outputs)(*(to_float32(o) for o in outputs))
    if isinstance(outputs, (tuple, list)):
        return type(outputs)(to_float32(o) for o in outputs)
    if isinstance(outputs, dict):
        return {k: to_float32(v) for k, v in outputs.items()}
    return outputs


def outputs_in_float32(module: nn.Module, inputs: Any, outputs: Any) -> Any:
    """A forward hook that gives a module's outputs in float32 under
    autocast, so that what follows (losses, box decoding, NMS) mixes no
    precisions: mmcv's CPU NMS refuses bfloat16 scores with the float32
    boxes decoded from float32 anchors."""
    return to_float32(outputs)


def heads_in_float32(detector: nn.Module) -> None:
    """Give a detector's heads (``rpn_head``, ``bbox_head``,
    ``roi_head.bbox_head``) float32 outputs under autocast
    (:func:`outputs_in_float32`): their losses, box decoding, NMS and the
    pseudo-label scores teachers read from them stay in float32, while the
    backbone, neck and head convolutions run in low precision."""
    heads = [
        getattr(detector, 'rpn_head', None),
        getattr(detector, 'bbox_head', None),
        getattr(getattr(detector, 'roi_head', None), 'bbox_head', None)
    ]
    for head in heads:
        if isinstance(head, nn.Module):
            head.register_forward_hook(outputs_in_float32)
