"""NonFiniteCheckHook: a learning-rate spike stops the run with a message
naming the iteration and the terms, before anything of it is saved."""
import os

import pytest
import torch
from toy_runner import toy_runner

from mmext.engine import non_finite_tensors
from mmext.engine.runner import checkpoint_problem
from mmext.utils import register_all_modules


@pytest.fixture(autouse=True)
def registered():
    register_all_modules()


def spiked_runner(work_dir):
    # lr 0.01 for two iterations, then 1e36: the weights overflow.
    return toy_runner(
        work_dir,
        max_iters=6,
        param_scheduler=dict(
            type='MultiStepLR', by_epoch=False, milestones=[2], gamma=1e38))


def test_spike_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    runner = spiked_runner(tmp_path)
    with pytest.raises(FloatingPointError) as error:
        runner.train()
    message = str(error.value)
    # iteration 3 (lr 1e36) leaves huge but finite weights, the 4th overflows
    assert 'Training stopped at iteration 4' in message
    assert 'weights linear.weight' in message
    assert str(tmp_path / 'iter_3.pth') in message
    saved = sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth'))
    assert saved == ['iter_3.pth']
    assert checkpoint_problem(str(tmp_path / 'iter_3.pth')) is None
    ckpt = torch.load(tmp_path / 'iter_3.pth', weights_only=False)
    assert not non_finite_tensors(ckpt['state_dict'])


def test_non_finite_loss_is_named(tmp_path):
    runner = toy_runner(tmp_path, max_iters=1)
    hook = next(
        h for h in runner.hooks if type(h).__name__ == 'NonFiniteCheckHook')
    runner.train()
    outputs = dict(
        loss=torch.tensor(float('nan')),
        loss_cls=torch.tensor(1.),
        acc=torch.tensor(float('inf')))
    with pytest.raises(FloatingPointError, match=r'loss=nan; acc=inf'):
        hook.after_train_iter(runner, 0, None, outputs)
    hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(0.5)))


def test_non_finite_tensors_finds_each_one():
    tensors = dict(
        a=torch.ones(3),
        b=torch.tensor([1., float('inf')]),
        c=torch.tensor([float('nan')]),
        i=torch.tensor([1]),
        big=torch.full((4, ), 3e38))
    assert non_finite_tensors(tensors) == ['b', 'c']
    assert non_finite_tensors(dict(big=torch.full((4, ), 3e38))) == []
