import copy
import glob
import os
import os.path as osp
import zipfile
from datetime import timedelta
from typing import Dict, List, Optional, Tuple

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch import nn

from mmext.datasets import SampleSeededDataset, SampleSeededSampler
from mmext.registry import MODEL_WRAPPERS, RUNNERS
from ..hooks import (NonFiniteCheckHook, SafeCheckpointHook,
                     SyncSharedBuffersHook)

RUNTIME_BASE = 'mmext::_base_/default_runtime.py'
# The hooks of mmext's guarantees and what a run without each loses.
GUARANTEE_HOOKS = {
    SafeCheckpointHook:
    'checkpoints are written as mmengine writes them (a crash while '
    'saving can leave a truncated file; a resumed run draws other random '
    "numbers and loses per-rank buffers); set default_hooks.checkpoint."
    "type='mmext.SafeCheckpointHook'",
    NonFiniteCheckHook:
    'a NaN or infinite loss or weight does not stop training (it is '
    "logged, averaged into an EMA teacher and saved); add dict(type="
    "'mmext.NonFiniteCheckHook') to custom_hooks",
    SyncSharedBuffersHook:
    'validation during a multi-process run sees rank 0\'s BN statistics, '
    'not those a checkpoint of that moment holds; add dict(type='
    "'mmext.SyncSharedBuffersHook') to custom_hooks",
}


def _names(cfg: Dict, cls: type) -> bool:
    """Whether the config's ``type`` is ``cls`` (the class or its name,
    scoped or not)."""
    kind = cfg.get('type')
    return kind is cls or str(kind).split('.')[-1] == cls.__name__


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a complete checkpoint, or ``None`` when it is (a
    torch zip archive whose members all pass their CRC check)."""
    if not osp.isfile(path):
        return 'missing'
    if osp.getsize(path) == 0:
        return 'empty'
    if not zipfile.is_zipfile(path):
        return 'not a complete torch checkpoint (truncated?)'
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        return f'unreadable ({error})'
    return None if broken is None else f'corrupt member {broken}'


def latest_loadable_checkpoint(
        work_dir: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The checkpoint to resume from in ``work_dir``: the one
    ``last_checkpoint`` names, else the newest ``*.pth`` that is complete.

    Returns:
        tuple: the path (``None`` when there is none) and the skipped
        ``(path, reason)`` pairs.
    """
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    files = sorted(
        glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime, reverse=True)
    candidates += [f for f in files if f not in candidates]
    skipped = []
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            return path, skipped
        skipped.append((path, problem))
    return None, skipped


def slurm_master_port() -> str:
    """A rendezvous port of the Slurm job's own (29500 + job id mod 10000):
    two jobs on one node no longer both take mmengine's 29500."""
    return str(29500 + int(os.environ.get('SLURM_JOB_ID', '0')) % 10000)


def init_cpu_process_group(launcher: str, dist_cfg: Dict) -> None:
    """Start torch.distributed with gloo for a CPU-only torch (mmengine's
    ``init_dist`` calls ``torch.cuda.set_device``). Under Slurm the rank,
    world size, local rank and master address come from Slurm's variables;
    ``MASTER_PORT`` is set by ``MMExtRunner.setup_env`` for every backend
    (:func:`slurm_master_port`)."""
    kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
    if 'timeout' in kwargs:
        kwargs['timeout'] = timedelta(seconds=kwargs['timeout'])
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        if 'MASTER_ADDR' not in os.environ:
            nodes = os.popen('scontrol show hostname '
                             f'{os.environ["SLURM_NODELIST"]}').read()
            os.environ['MASTER_ADDR'] = nodes.split()[0]
    elif launcher != 'pytorch':
        raise ValueError(f'launcher={launcher!r} on a CPU-only torch: mmext '
                         "starts CPU processes with 'pytorch' or 'slurm'")
    torch_dist.init_process_group(backend='gloo', **kwargs)


@RUNNERS.register_module()
class MMExtRunner(Runner):
    """mmengine's ``Runner`` with what mmext's guarantees need of a runner
    (``runner_type='mmext.MMExtRunner'``, declared in mmext's runtime base;
    ``tools/train.py`` and ``tools/test.py`` also use it for configs that
    name no runner). The guarantees themselves are hooks the configs
    declare (``SafeCheckpointHook``, ``NonFiniteCheckHook``,
    ``SyncSharedBuffersHook``); the runner warns, naming them, when a config
    it trains leaves one out. What only a runner can do:

    - **Exact resume**: the training data is loaded with per-sample seeds
      (:class:`mmext.datasets.SampleSeededSampler` /
      :class:`~mmext.datasets.SampleSeededDataset`), so augmentations do not
      depend on dataloader workers' lifetimes; dataloaders draw their worker
      seeds from their own generator, not the global one the model draws
      from. A resumed run without a configured seed takes the checkpoint's
      before its data is built.
    - **Crash-safe resume**: ``--resume`` without a path takes the checkpoint
      ``last_checkpoint`` names, else the newest complete one, and says which
      it skipped and why.
    - **Distributed on CPU**: without CUDA, processes start with gloo (no
      ``torch.cuda.set_device``) and DDP wraps the model without
      ``device_ids``.

    It reaches into mmengine's ``Runner`` for ``_load_from``, ``_resume``
    and ``_randomness_cfg`` (pinned by tests/test_engine/
    test_mmengine_contract.py).
    """

    def __init__(self, *args, **kwargs) -> None:
        if (kwargs.get('launcher', 'none') != 'none'
                and not torch.cuda.is_available()):
            # What runs is gloo (init_cpu_process_group): the logged
            # environment and config say so, not the config's nccl.
            env_cfg = copy.deepcopy(dict(kwargs.get('env_cfg') or {}))
            env_cfg['dist_cfg'] = dict(
                env_cfg.get('dist_cfg') or {}, backend='gloo')
            kwargs['env_cfg'] = env_cfg
            if kwargs.get('cfg') is not None:
                kwargs['cfg'].env_cfg = env_cfg
        if isinstance(kwargs.get('train_dataloader'), dict):
            kwargs['train_dataloader'] = self.seeded_dataloader_cfg(
                kwargs['train_dataloader'])
        super().__init__(*args, **kwargs)

    @staticmethod
    def seeded_dataloader_cfg(cfg: Dict) -> Dict:
        """The dataloader config with its sampler and dataset wrapped for
        per-sample seeds."""
        cfg = copy.copy(cfg)
        sampler = cfg.get('sampler')
        if isinstance(sampler,
                      dict) and not _names(sampler, SampleSeededSampler):
            cfg['sampler'] = dict(type=SampleSeededSampler, sampler=sampler)
        dataset = cfg.get('dataset')
        if isinstance(dataset,
                      dict) and not _names(dataset, SampleSeededDataset):
            cfg['dataset'] = dict(type=SampleSeededDataset, dataset=dataset)
        return cfg

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        loader = Runner.build_dataloader(
            dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        if loader.generator is None:
            loader.generator = torch.Generator().manual_seed(0 if seed is
                                                             None else seed)
        return loader

    def setup_env(self, env_cfg: Dict) -> None:
        if self.launcher == 'slurm':
            # For mmengine's init_dist (CUDA) and init_cpu_process_group.
            os.environ.setdefault('MASTER_PORT', slurm_master_port())
        if (self.distributed and not is_distributed()
                and not torch.cuda.is_available()):
            init_cpu_process_group(self.launcher,
                                   dict(env_cfg.get('dist_cfg', {})))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> nn.Module:
        if (not self.distributed or torch.cuda.is_available()
                or is_model_wrapper(model)):
            return super().wrap_model(model_wrapper_cfg, model)
        if self.cfg.get('sync_bn') is not None:
            self.logger.warning('sync_bn needs CUDA: training on CPU keeps '
                                'per-process BN (synced before validation '
                                'and saving)')
        if model_wrapper_cfg is None:
            model_wrapper_cfg = dict(
                broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters',
                                                    False))
        wrapper_cfg = dict(model_wrapper_cfg)
        wrapper_cfg.setdefault('type', 'MMDistributedDataParallel')
        return MODEL_WRAPPERS.build(
            wrapper_cfg, default_args=dict(module=model))

    def _resume_path(self) -> Optional[str]:
        if self._load_from is not None:
            return self._load_from
        path, skipped = latest_loadable_checkpoint(self.work_dir)
        for skipped_path, reason in skipped:
            self.logger.warning(f'--resume: skipping {skipped_path}: {reason}')
        if path is None:
            self.logger.warning(
                f'--resume: no complete checkpoint in {self.work_dir}; '
                'training starts from the beginning')
        return path

    def warn_missing_guarantees(self) -> None:
        """Say, naming each, which of mmext's guarantee hooks the config
        leaves out and what the run loses without it."""
        for hook, lost in GUARANTEE_HOOKS.items():
            if not any(isinstance(h, hook) for h in self.hooks):
                self.logger.warning(
                    f'The config declares no mmext.{hook.__name__}: {lost}. '
                    f"mmext's runtime base ({RUNTIME_BASE}) declares it; a "
                    "config built on one of mmdet's takes "
                    "mmext::_base_/guarantees.py as a second base and sets "
                    "the checkpoint hook's type.")

    def train(self) -> nn.Module:
        self.warn_missing_guarantees()
        if self._resume:
            self._load_from = self._resume_path()
            if self._load_from is None:
                self._resume = False
            elif self._randomness_cfg.get('seed') is None:
                meta = torch.load(
                    self._load_from,
                    map_location='cpu',
                    mmap=True,
                    weights_only=False).get('meta', {})
                if meta.get('seed') is not None:
                    self._randomness_cfg.update(seed=meta['seed'])
                    self.set_randomness(**self._randomness_cfg)
        return super().train()
