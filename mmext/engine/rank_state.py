"""State that differs between the processes of a run: random generators,
buffers a module keeps per rank on purpose, and the check that weights are
finite before they are saved; and the model these hooks read, without its
DDP wrapper."""
import random
from typing import Dict, Iterator, List

import numpy as np
import torch
from mmengine.dist import all_reduce_params, get_world_size
from mmengine.model import is_model_wrapper
from torch import nn


def unwrapped_model(runner) -> nn.Module:
    """The runner's model, without its DDP (or other) wrapper."""
    model = runner.model
    return model.module if is_model_wrapper(model) else model


def rank_local_buffer_names(model: nn.Module) -> Iterator[str]:
    """Names of the buffers modules declare per rank (a module's
    ``rank_local_buffers`` tuple, e.g. the calibrator's observations)."""
    for prefix, module in model.named_modules():
        for name in getattr(module, 'rank_local_buffers', ()):
            yield f'{prefix}.{name}' if prefix else name


def sync_shared_buffers(model: nn.Module) -> None:
    """Average the floating-point buffers over ranks (BN statistics drift
    apart under mmengine's ``broadcast_buffers=False``), except the
    rank-local ones."""
    if get_world_size() == 1:
        return
    local = set(rank_local_buffer_names(model))
    buffers = [
        buf for name, buf in model.named_buffers()
        if name not in local and buf.is_floating_point()
    ]
    if buffers:
        all_reduce_params(buffers, op='mean')


def random_states() -> Dict:
    """This process's Python, NumPy, torch CPU (and CUDA) generator
    states."""
    states = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_random_states(states: Dict) -> None:
    """Restore what :func:`random_states` returned."""
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


def non_finite_tensors(tensors: Dict[str, torch.Tensor]) -> List[str]:
    """Names of the floating-point tensors holding a NaN or an infinity
    (one reduction over all of them first: the common case costs one
    pass)."""
    floats = {
        k: t.detach()
        for k, t in tensors.items()
        if torch.is_tensor(t) and t.is_floating_point()
    }
    if not floats:
        return []
    # summed where the tensors live: one device sync for the whole check
    device = next(iter(floats.values())).device
    total = sum(t.float().sum().to(device) for t in floats.values())
    if torch.isfinite(total):
        return []
    return [k for k, t in floats.items() if not torch.isfinite(t).all()]
