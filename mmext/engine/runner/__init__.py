from .builder import build_runner, release_process_group
from .mmext_runner import (MMExtRunner, checkpoint_problem,
                           latest_loadable_checkpoint)

__all__ = [
    'MMExtRunner', 'build_runner', 'checkpoint_problem',
    'latest_loadable_checkpoint', 'release_process_group'
]
