from .mmext_runner import (MMExtRunner, checkpoint_problem,
                           latest_loadable_checkpoint)

__all__ = ['MMExtRunner', 'checkpoint_problem', 'latest_loadable_checkpoint']
