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
    without_workers_keep_none(cfg)
    return RUNNERS.build(cfg)


def without_workers_keep_none(cfg: Config) -> None:
    """``persistent_workers`` off for dataloaders with ``num_workers=0``:
    there are no workers to keep, and torch's DataLoader refuses the pair
    (so ``--cfg-options train_dataloader.num_workers=0`` just works).
    Replaces the loader dicts of ``cfg`` (a copy), not their contents."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if (loader and loader.get('num_workers', 0) == 0
                and loader.get('persistent_workers')):
            cfg[f'{split}_dataloader'] = dict(loader, persistent_workers=False)


def release_process_group() -> None:
    """End torch.distributed once all processes are done (gloo's threads
    otherwise outlive the interpreter and abort the process at exit)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
