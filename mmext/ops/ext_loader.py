"""mmext's optional compiled ops, ``mmext._ext`` (built by ``setup.py``,
see ``MMEXT_WITH_OPS``), and the switch between them and the pure-PyTorch
versions every op also has."""
import importlib
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator, Optional

import torch


def _load_ext() -> Optional[ModuleType]:
    try:
        return importlib.import_module('mmext._ext')
    except ImportError:
        return None


ext_module = _load_ext()
_enabled = True


def compiled_ops_available(device: torch.device) -> bool:
    """Whether the compiled ops serve tensors on ``device``: built, enabled
    (see :func:`compiled_ops_disabled`), and with kernels for that device
    (CPU always, CUDA when built with CUDA)."""
    if ext_module is None or not _enabled:
        return False
    if device.type == 'cpu':
        return True
    return device.type == 'cuda' and ext_module.with_cuda()


@contextmanager
def compiled_ops_disabled() -> Iterator[None]:
    """Run mmext's ops in their pure-PyTorch versions inside the block
    (benchmarks and parity tests compare the two this way)."""
    global _enabled
    previous, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = previous
