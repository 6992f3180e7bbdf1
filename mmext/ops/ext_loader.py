"""mmext's optional compiled ops, ``mmext._ext`` (built by ``setup.py``,
see ``MMEXT_WITH_OPS``), and the switch between them and the pure-PyTorch
versions every op also has."""
import importlib
import warnings
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator, Optional

import torch


def _load_ext() -> Optional[ModuleType]:
    """``mmext._ext``, or None with a warning that says so: pip hides what
    ``setup.py`` printed when it could not build it (e.g. ``pip install
    --no-build-isolation -e .`` without mmcv's headers or a compiler)."""
    try:
        return importlib.import_module('mmext._ext')
    except ImportError as error:
        warnings.warn(
            f'mmext._ext (mmext\'s compiled ops) is not available ({error}): '
            'its ops run in their pure-PyTorch versions (same results, '
            'slower). Build it in place with `python setup.py build_ext '
            '--inplace` (`make setup` does), or reinstall with '
            'MMEXT_WITH_OPS=1 to make a failed build an error.',
            stacklevel=2)
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
