"""Deployment: ONNX export with standard operators, ONNX Runtime (or
OpenVINO) inference (``tools/deployment/export_onnx.py``)."""
from .model_loading import load_model
from .onnx_export import check_standard_operators, export_onnx
from .onnxruntime_backend import (OnnxRuntimeNetwork, OpenVINONetwork,
                                  attach_onnxruntime)

__all__ = [
    'OnnxRuntimeNetwork', 'OpenVINONetwork', 'attach_onnxruntime',
    'check_standard_operators', 'export_onnx', 'load_model'
]
