"""The private parts of mmengine that mmext's runner and checkpoint hook rely
on, pinned: an mmengine upgrade that changes one fails here, not in a
training run. mmext checks the supported range when it is imported."""
import inspect

import mmengine
import pytest
import torch
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner
from mmengine.utils import digit_version
from toy_runner import ToyData, toy_runner

from mmext.compat import MMENGINE_RANGE, check_mmengine_version
from mmext.engine.runner import MMExtRunner
from mmext.utils import register_all_modules


@pytest.fixture(autouse=True)
def registered():
    register_all_modules()


def test_runner_keeps_load_resume_and_randomness_settings(tmp_path):
    """MMExtRunner.train reads and rewrites ``_load_from`` / ``_resume`` and
    updates ``_randomness_cfg`` before calling ``set_randomness`` with it."""
    runner = toy_runner(tmp_path, resume=True, load_from='some.pth')
    assert runner._load_from == 'some.pth'
    assert runner._resume is True
    assert runner._randomness_cfg == dict(seed=0)
    runner._randomness_cfg.update(seed=5)
    runner.set_randomness(**runner._randomness_cfg)
    assert runner.seed == 5


def test_load_or_resume_reads_the_settings_when_it_runs(tmp_path):
    """What MMExtRunner sets on ``_load_from`` after construction is what
    ``train`` resumes from (mmengine reads it in ``load_or_resume``)."""
    toy_runner(tmp_path / 'first', max_iters=2).train()
    runner = toy_runner(tmp_path / 'second', max_iters=2, resume=True)
    runner._load_from = str(tmp_path / 'first' / 'iter_2.pth')
    runner.load_or_resume()
    assert runner.iter == 2
    plain = toy_runner(tmp_path / 'third', max_iters=2, runner_cls=Runner)
    plain._load_from, plain._resume = runner._load_from, True
    plain.load_or_resume()
    assert plain.iter == 2


def test_checkpoint_hook_saves_through_save_checkpoint_with_step(tmp_path):
    """SafeCheckpointHook overrides ``_save_checkpoint_with_step(runner,
    step, meta)``: mmengine's hook must save every checkpoint through it."""
    signature = inspect.signature(CheckpointHook._save_checkpoint_with_step)
    assert list(signature.parameters) == ['self', 'runner', 'step', 'meta']
    steps = []

    class Recording(CheckpointHook):

        def _save_checkpoint_with_step(self, runner, step, meta):
            steps.append(step)
            super()._save_checkpoint_with_step(runner, step, meta)

    hook = Recording(interval=1, by_epoch=False, max_keep_ckpts=1)
    runner = toy_runner(
        tmp_path, max_iters=3, runner_cls=Runner, checkpoint_type=None)
    runner.register_hook(hook, 'VERY_LOW')
    runner.train()
    assert steps == [1, 2, 3]
    assert (tmp_path / 'iter_3.pth').is_file()
    assert {'keep_ckpt_ids', 'last_ckpt', 'file_backend',
            'filename_tmpl'} <= set(vars(hook))


def test_build_dataloader_is_the_static_hook_for_every_loader(tmp_path):
    """MMExtRunner gives each loader its own generator by overriding the
    static ``Runner.build_dataloader(dataloader, seed, diff_rank_seed)``,
    which mmengine calls for the training loader."""
    signature = inspect.signature(Runner.build_dataloader)
    assert list(
        signature.parameters)[:3] == ['dataloader', 'seed', 'diff_rank_seed']
    assert isinstance(
        inspect.getattr_static(Runner, 'build_dataloader'), staticmethod)
    runner = toy_runner(tmp_path, max_iters=1)
    assert isinstance(runner.train_dataloader.generator, torch.Generator)
    loader = MMExtRunner.build_dataloader(
        dict(
            dataset=ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        seed=3)
    assert loader.generator.initial_seed() == 3


def test_supported_mmengine_range_is_checked_at_import():
    low, high = MMENGINE_RANGE
    assert digit_version(low) <= digit_version(
        mmengine.__version__) < digit_version(high)
    check_mmengine_version(mmengine.__version__)
    for version in ('0.9.1', high):
        with pytest.raises(ImportError, match=f'mmengine {version}:'):
            check_mmengine_version(version)
