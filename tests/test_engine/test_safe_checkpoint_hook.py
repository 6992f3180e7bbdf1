"""SafeCheckpointHook and --resume: a crash at any step of saving leaves a
complete checkpoint that --resume finds and continues from, to the state an
uninterrupted run reaches; non-finite weights are never saved."""
import errno
import os
import os.path as osp

import pytest
import torch
from toy_runner import toy_runner

from mmext.engine.hooks import SafeCheckpointHook
from mmext.engine.hooks import safe_checkpoint_hook as hook_module
from mmext.engine.runner import checkpoint_problem, latest_loadable_checkpoint
from mmext.testing import logged_messages
from mmext.utils import register_all_modules


@pytest.fixture(autouse=True)
def registered():
    register_all_modules()


class Crash(Exception):
    """Stands for kill -9: nothing after it runs, nothing cleans up."""


def final_weights(work_dir):
    ckpt = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=False)
    return ckpt['state_dict'], ckpt['optimizer']


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('straight')
    toy_runner(work_dir).train()
    return final_weights(work_dir)


def test_declared_hooks_are_registered_as_declared(tmp_path):
    runner = toy_runner(tmp_path)
    names = [type(h).__name__ for h in runner.hooks]
    assert 'SafeCheckpointHook' in names and 'CheckpointHook' not in names
    assert 'NonFiniteCheckHook' in names and 'SyncSharedBuffersHook' in names


def test_runner_names_each_guarantee_hook_a_config_leaves_out(tmp_path):
    """Nothing is added behind the config's back: the runner says what is
    missing and what the run loses."""
    runner = toy_runner(
        tmp_path,
        max_iters=1,
        checkpoint_type='CheckpointHook',
        custom_hooks=[dict(type='mmext.SyncSharedBuffersHook')])
    names = [type(h).__name__ for h in runner.hooks]
    assert 'CheckpointHook' in names and 'SafeCheckpointHook' not in names
    assert 'NonFiniteCheckHook' not in names
    with logged_messages() as logged:
        runner.train()
    missing = [m for m in logged if m.startswith('The config declares no')]
    assert len(missing) == 2
    assert 'mmext.SafeCheckpointHook: checkpoints are written as mmengine' \
        in missing[0]
    assert 'mmext.NonFiniteCheckHook: a NaN or infinite loss' in missing[1]
    assert "default_runtime.py) declares it" in missing[1]


def test_safe_checkpoints_under_another_runner_say_what_is_lost(tmp_path):
    from mmengine.runner import Runner
    runner = toy_runner(tmp_path, max_iters=2, runner_cls=Runner)
    with logged_messages() as logged:
        runner.train()
    assert any('SafeCheckpointHook runs under Runner' in m
               and 'a resumed run is not exact' in m for m in logged)
    # The files are still written atomically, by the hook alone.
    assert (tmp_path / 'iter_2.pth').is_file()
    assert not list(tmp_path.glob('.*.tmp'))


def test_checkpoints_are_rotated_after_the_new_one_is_complete(tmp_path):
    toy_runner(tmp_path).train()
    assert sorted(f for f in os.listdir(tmp_path)
                  if f.endswith('.pth')) == ['iter_4.pth']
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'iter_4.pth')
    ckpt = torch.load(tmp_path / 'iter_4.pth', weights_only=False)
    assert len(ckpt['rank_states']) == 1
    assert set(
        ckpt['rank_states'][0]['random']) >= {'python', 'numpy', 'torch'}


def truncated_save(runner_save):
    """runner.save_checkpoint writing half a file, then dying."""

    def save(out_dir, filename, *args, **kwargs):
        runner_save(out_dir, filename, *args, **kwargs)
        path = osp.join(out_dir, filename)
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])
        raise Crash

    return save


def crash_on_call(target, name, call):
    """Make ``target.name`` raise Crash on its ``call``-th call."""
    original = getattr(target, name)
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Crash
        return original(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize('step', [
    'writing the file', 'before the rename', 'before last_checkpoint',
    'renaming last_checkpoint', 'before deleting the old one'
])
def test_crash_at_any_step_leaves_a_checkpoint_resume_continues(
        tmp_path, monkeypatch, straight, step):
    runner = toy_runner(tmp_path)
    # Crash while saving the third checkpoint (iter_3), iter_2 being kept.
    saves = []
    hook_save = SafeCheckpointHook._save_checkpoint_with_step

    def third_save_crashes(self, runner, step_, meta):
        saves.append(step_)
        if len(saves) == 3:
            if step == 'writing the file':
                monkeypatch.setattr(runner, 'save_checkpoint',
                                    truncated_save(runner.save_checkpoint))
            elif step == 'before the rename':
                monkeypatch.setattr(hook_module.os, 'replace',
                                    crash_on_call(os, 'replace', 1))
            elif step == 'before last_checkpoint':
                monkeypatch.setattr(
                    hook_module, 'write_text_atomically',
                    crash_on_call(hook_module, 'write_text_atomically', 1))
            elif step == 'renaming last_checkpoint':
                monkeypatch.setattr(hook_module.os, 'replace',
                                    crash_on_call(os, 'replace', 2))
            else:
                monkeypatch.setattr(hook_module.os, 'remove',
                                    crash_on_call(os, 'remove', 1))
        return hook_save(self, runner, step_, meta)

    monkeypatch.setattr(SafeCheckpointHook, '_save_checkpoint_with_step',
                        third_save_crashes)
    with pytest.raises(Crash):
        runner.train()
    monkeypatch.undo()

    path, skipped = latest_loadable_checkpoint(str(tmp_path))
    assert path is not None and checkpoint_problem(path) is None
    assert torch.load(path, weights_only=False)['meta']['iter'] in (2, 3)
    if step in ('writing the file', 'before the rename'):
        assert path.endswith('iter_2.pth')
    # --resume (no path) continues to the uninterrupted run's end state.
    toy_runner(tmp_path, resume=True).train()
    state, optimizer = final_weights(tmp_path)
    for key, value in straight[0].items():
        assert torch.equal(state[key], value), key
    assert str(optimizer) == str(straight[1])
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.pth.tmp')]


def test_resume_skips_unloadable_checkpoints_and_says_why(tmp_path, caplog):
    toy_runner(tmp_path, max_iters=2).train()
    # The run's next checkpoint, cut short by a crash of a plain mmengine
    # CheckpointHook, and named as the last.
    with open(tmp_path / 'iter_3.pth', 'wb') as f:
        f.write(b'PK\x03\x04 half a checkpoint')
    with open(tmp_path / 'last_checkpoint', 'w') as f:
        f.write(str(tmp_path / 'iter_3.pth'))
    path, skipped = latest_loadable_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'iter_2.pth')
    assert skipped == [(str(tmp_path / 'iter_3.pth'),
                        'not a complete torch checkpoint (truncated?)')]
    runner = toy_runner(tmp_path, resume=True)
    runner.train()
    assert runner.iter == 4
    assert checkpoint_problem(str(tmp_path / 'iter_4.pth')) is None


def test_empty_work_dir_resume_starts_from_the_beginning(tmp_path):
    runner = toy_runner(tmp_path, max_iters=1, resume=True)
    runner.train()
    assert runner.iter == 1


def test_non_finite_weights_are_not_saved(tmp_path):
    runner = toy_runner(tmp_path, max_iters=1)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, SafeCheckpointHook))
    with torch.no_grad():
        runner.model.linear.weight.fill_(float('nan'))
    with pytest.raises(FloatingPointError, match='linear.weight'):
        hook._save_checkpoint_with_step(runner, 2, dict(iter=2, epoch=0))
    assert not (tmp_path / 'iter_2.pth').exists()
    assert checkpoint_problem(str(tmp_path / 'iter_1.pth')) is None


def test_a_full_disk_leaves_no_partial_file_and_says_what_is_needed(
        tmp_path, monkeypatch):
    runner = toy_runner(tmp_path, max_iters=3)
    save = runner.save_checkpoint
    saves = []

    def disk_fills_on_the_third_save(out_dir, filename, *args, **kwargs):
        saves.append(filename)
        save(out_dir, filename, *args, **kwargs)
        if len(saves) == 3:
            path = osp.join(out_dir, filename)
            with open(path, 'r+b') as f:  # what fit before the disk was full
                f.truncate(osp.getsize(path) // 2)
            raise OSError(errno.ENOSPC, 'No space left on device', path)

    monkeypatch.setattr(runner, 'save_checkpoint',
                        disk_fills_on_the_third_save)
    with pytest.raises(OSError) as error:
        runner.train()
    message = str(error.value)
    assert error.value.errno == errno.ENOSPC
    assert f'Could not write checkpoint {tmp_path / "iter_3.pth"}' in message
    size = osp.getsize(tmp_path / 'iter_2.pth') / 2**20
    assert (f'It needs about {size:.1f} MiB (the size of the previous'
            in message)
    assert f'the previous checkpoint {tmp_path / "iter_2.pth"} is kept' in (
        message)
    assert 'MiB are free on the file system of' in message
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'iter_2.pth')
    assert checkpoint_problem(str(tmp_path / 'iter_2.pth')) is None
