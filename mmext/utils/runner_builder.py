import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmext.registry import RUNNERS


def build_runner(cfg: Config) -> Runner:
    """Build the runner a config names in ``runner_type``, else
    :class:`mmext.engine.runner.MMExtRunner` (exact and crash-safe resume,
    NaN stop, CPU multi-process)."""
    cfg = cfg.copy()
    cfg.setdefault('runner_type', 'mmext.MMExtRunner')
    return RUNNERS.build(cfg)


def release_process_group() -> None:
    """End torch.distributed once all processes are done (gloo's threads
    otherwise outlive the interpreter and abort the process at exit)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
