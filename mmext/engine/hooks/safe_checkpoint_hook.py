import errno
import glob
import os
import os.path as osp
import shutil
from typing import Optional

from mmengine.dist import all_gather_object, get_dist_info, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmext.registry import HOOKS
from ..rank_state import (non_finite_tensors, random_states,
                          rank_local_buffer_names, set_random_states,
                          sync_shared_buffers, unwrapped_model)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(tmp_path: str, path: str) -> None:
    """Make a fully written ``tmp_path`` durable and atomically give it the
    name ``path`` (fsync, rename, fsync of the directory)."""
    with open(tmp_path, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)
    _fsync_dir(osp.dirname(osp.abspath(path)))


def write_text_atomically(path: str, text: str) -> None:
    """Replace the file ``path`` by one holding ``text``: readers see the old
    content or the new one, never a partial file."""
    tmp_path = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')
    with open(tmp_path, 'w') as f:
        f.write(text)
    commit_file(tmp_path, path)


def _mib(num_bytes: int) -> str:
    return f'{num_bytes / 2**20:.1f} MiB'


def _state_bytes(runner) -> int:
    """Bytes of the model's and the optimizer's tensors: what a checkpoint
    holds, less its small metadata."""
    tensors = list(unwrapped_model(runner).state_dict().values())
    optimizer = getattr(runner.optim_wrapper, 'optimizer', None)
    for state in (optimizer.state.values() if optimizer else []):
        tensors += [v for v in state.values() if hasattr(v, 'nbytes')]
    return sum(t.nbytes for t in tensors if hasattr(t, 'nbytes'))


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose checkpoints survive a crash at any
    moment and resume a run exactly. Same arguments.

    - **Atomic files**: a checkpoint is written to ``.NAME.tmp``, fsynced and
      renamed; ``last_checkpoint`` is replaced the same way, and only then
      are checkpoints beyond ``max_keep_ckpts`` deleted (mmengine deletes
      the oldest before writing the new one). A crash leaves the previous
      complete checkpoint, with ``last_checkpoint`` naming a complete one.
      Applies to local directories; other backends write as mmengine does.
    - **Exact resume**: the checkpoint holds every rank's random generator
      states (Python, NumPy, torch, CUDA) and the buffers modules keep per
      rank (``rank_local_buffers``, e.g. the calibrator's observations),
      gathered at save; on resume each rank gets its own back.
    - **Consistent buffers**: shared floating-point buffers (BN statistics)
      are averaged over ranks before saving, so every rank continues with,
      and an evaluation of the file sees, the saved state.
    - **Finite weights only**: a model with a NaN or infinite weight or
      buffer is not saved; the hook raises naming them.

    ``save_best`` checkpoints are written as mmengine writes them. Exact
    resume also needs :class:`~mmext.engine.runner.MMExtRunner` (per-sample
    data seeds); under another runner the hook warns when training starts.
    It overrides mmengine's private ``_save_checkpoint_with_step`` (pinned
    by tests/test_engine/test_mmengine_contract.py).
    """

    _rank_states = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        from ..runner import MMExtRunner
        if not isinstance(runner, MMExtRunner):
            runner.logger.warning(
                f'SafeCheckpointHook runs under {type(runner).__name__}, not '
                "runner_type='mmext.MMExtRunner': checkpoints are still "
                'atomic and hold every rank\'s random states, but a resumed '
                'run is not exact (the data has no per-sample seeds and '
                'dataloader workers draw from the global generator), and '
                '--resume takes the checkpoint last_checkpoint names '
                'without checking that it is complete.')
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            # temporary files of checkpoints a crash interrupted
            for path in glob.glob(osp.join(self.out_dir, '.*.tmp')):
                if self._is_own_name(osp.basename(path)[1:-len('.tmp')]):
                    os.remove(path)

    def _is_own_name(self, filename: str) -> bool:
        prefix, _, suffix = self.filename_tmpl.partition('{}')
        stem = filename[len(prefix):len(filename) - len(suffix)]
        return (filename.startswith(prefix) and filename.endswith(suffix)
                and stem.isdigit())

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        model = unwrapped_model(runner)
        sync_shared_buffers(model)
        bad = non_finite_tensors(model.state_dict())
        if bad:
            unit = 'epoch' if self.by_epoch else 'iteration'
            raise FloatingPointError(
                f'Not saving the checkpoint of {unit} {step}: non-finite '
                f'values in {", ".join(bad[:8])}'
                f'{" ..." if len(bad) > 8 else ""}; the previous checkpoint '
                f'({self.last_ckpt or "none"}) is kept')
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        self._rank_states = self.gather_rank_states(runner)
        filename = self.filename_tmpl.format(step)
        previous = self.last_ckpt
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_path = osp.join(self.out_dir, f'.{filename}.tmp')
        try:
            runner.save_checkpoint(
                self.out_dir,
                osp.basename(tmp_path),
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
            if is_main_process():
                commit_file(tmp_path, self.last_ckpt)
        except OSError as error:
            failed, self.last_ckpt = self.last_ckpt, previous
            runner.message_hub.update_info('last_ckpt', previous)
            raise self._failed_write(error, runner, failed, tmp_path,
                                     previous) from error
        if not is_main_process():
            return
        write_text_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old_step in outdated:
            path = osp.join(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(path):
                os.remove(path)

    def _failed_write(self, error: OSError, runner, target: str, tmp_path: str,
                      previous: Optional[str]) -> OSError:
        """Remove the partial file ``tmp_path`` of the failed write of
        ``target`` and say what failed, where, and (out of space) how many
        bytes it needs."""
        written = 0
        if osp.isfile(tmp_path):
            written = osp.getsize(tmp_path)
            os.remove(tmp_path)
        kept = (f'the previous checkpoint {previous} is kept'
                if previous else 'no checkpoint was written before this one')
        message = (f'Could not write checkpoint {target} ({error.strerror}); '
                   f'the partial file was removed and {kept}.')
        if error.errno == errno.ENOSPC:
            if previous and osp.isfile(previous):
                needed, basis = osp.getsize(previous), 'previous checkpoint'
            else:
                needed = max(written, _state_bytes(runner))
                basis = 'weights and optimizer state'
            free = shutil.disk_usage(self.out_dir).free
            message += (f' It needs about {_mib(needed)} (the size of the '
                        f'{basis}); {_mib(free)} are free on the file system '
                        f'of {self.out_dir}. Free space there, or set '
                        'default_hooks.checkpoint.out_dir, then --resume.')
        return OSError(error.errno, message)

    def gather_rank_states(self, runner) -> list:
        """Every rank's random states and rank-local buffers (collective:
        all ranks call it; ``runner.save_checkpoint`` runs on rank 0
        only)."""
        model = unwrapped_model(runner)
        buffers = dict(model.named_buffers())
        state = dict(
            random=random_states(),
            buffers={
                name: buffers[name].detach().cpu()
                for name in rank_local_buffer_names(model)
            })
        _, world_size = get_dist_info()
        return all_gather_object(state) if world_size > 1 else [state]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states, self._rank_states = self._rank_states, None
        if states is None and get_dist_info()[1] == 1:
            states = self.gather_rank_states(runner)
        if states is not None:
            checkpoint['rank_states'] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return  # loading weights (fine-tuning, testing): nothing to do
        states = checkpoint.get('rank_states')
        rank, world_size = get_dist_info()
        if states is None:
            runner.logger.warning(
                'The checkpoint holds no random generator states (not '
                'written by mmext.SafeCheckpointHook): the resumed run draws '
                'other random numbers than the uninterrupted one would have')
            return
        if len(states) != world_size:
            runner.logger.warning(
                f'The checkpoint was written by {len(states)} processes, '
                f'this run has {world_size}: random generator states and '
                'per-rank buffers are not restored (each rank starts from '
                "rank 0's buffers)")
            return
        own = states[rank]
        set_random_states(own['random'])
        state_dict = checkpoint['state_dict']
        for name, value in own['buffers'].items():
            if name in state_dict:
                state_dict[name] = value
