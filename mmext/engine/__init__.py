from . import hooks, optimizers, runner  # noqa: F401
from .rank_state import (non_finite_tensors, random_states,
                         rank_local_buffer_names, set_random_states,
                         sync_shared_buffers, unwrapped_model)

__all__ = [
    'non_finite_tensors', 'random_states', 'rank_local_buffer_names',
    'set_random_states', 'sync_shared_buffers', 'unwrapped_model'
]
