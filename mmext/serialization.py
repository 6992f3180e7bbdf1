"""Let ``torch.load(weights_only=True)`` read mmengine's checkpoints."""
from typing import Callable, List, Tuple, Union

import numpy as np
import torch

SafeGlobal = Union[Callable, Tuple[Callable, str]]


def mmengine_checkpoint_globals() -> List[SafeGlobal]:
    """The non-tensor classes and functions an mmengine checkpoint pickles.

    Exactly those: the message hub's ``HistoryBuffer`` (training logs),
    numpy arrays, dtypes and scalars inside it and in ``meta``, and the
    ``getattr`` numpy's dtype pickles use to name their classes. numpy's
    ``_core`` objects are also registered under their numpy 1.x names
    (``numpy.core...``), so checkpoints written with either numpy load.
    Nothing else is allowed: ``weights_only=True`` keeps refusing any other
    pickled object.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    core = np._core if hasattr(np, '_core') else np.core
    safe: List[SafeGlobal] = [HistoryBuffer, np.ndarray, np.dtype, getattr]
    for name in ('_reconstruct', 'scalar'):
        function = getattr(core.multiarray, name)
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            safe.append((function, f'{module}.{name}'))
    # numpy >= 1.25 pickles a dtype's class (numpy.dtypes.Float64DType ...)
    safe += [
        type(np.dtype(t))
        for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                  np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                  np.float64)
    ]
    return safe


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``torch.load``.

    Upstream mmengine 0.10.7 calls ``torch.load`` without ``weights_only``,
    which torch >= 2.6 turns into ``weights_only=True``: without this, no
    checkpoint it writes loads again (``Unsupported global: ...
    HistoryBuffer``). Called once when mmext is imported; a no-op on torch
    without ``add_safe_globals`` (< 2.4), where ``torch.load`` does not
    restrict globals by default. (OneDL's mmengine needs none of this: it
    loads inside torch's ``safe_globals`` context, whose exit also removes
    these globals from the process-wide list; call this again before a
    ``torch.load`` of your own in such a process.)
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(mmengine_checkpoint_globals())
