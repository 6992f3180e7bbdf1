"""Deployment: ONNX export with standard operators and ONNX Runtime
inference (``tools/deployment/export_onnx.py``)."""
from .model_loading import load_model
from .onnx_export import check_standard_operators, export_onnx
from .onnxruntime_backend import OnnxRuntimeNetwork, attach_onnxruntime

__all__ = [
    'OnnxRuntimeNetwork', 'attach_onnxruntime', 'check_standard_operators',
    'export_onnx', 'load_model'
]
