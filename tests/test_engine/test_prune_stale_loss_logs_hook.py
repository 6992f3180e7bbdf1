import pytest
import torch
from mmengine.logging import MessageHub

from mmext.engine.hooks import PruneStaleLossLogsHook


class FakeRunner:

    def __init__(self):
        self.message_hub = MessageHub.get_instance('prune_stale_test')


def test_losses_not_computed_this_iteration_leave_the_log():
    runner = FakeRunner()
    hub = runner.message_hub
    for key in ('train/loss', 'train/loss_ngm', 'train/loss_focal', 'train/lr',
                'val/loss_x'):
        hub.update_scalar(key, 1.0)
    hook = PruneStaleLossLogsHook()
    hook.after_train_iter(
        runner,
        0,
        outputs=dict(loss=torch.tensor(1.), loss_focal=torch.tensor(0.5)))
    assert set(hub.log_scalars) == {
        'train/loss', 'train/loss_focal', 'train/lr', 'val/loss_x'
    }
    hook.after_train_iter(runner, 1, outputs=None)  # nothing to compare
    assert 'train/loss_focal' in hub.log_scalars


def test_the_total_restarts_with_the_new_stage():
    """After the switch, the logged mean of ``loss`` is the sum of the
    logged means of its terms (DMDD: distillation, then segmentation)."""
    runner = FakeRunner()
    runner.message_hub = MessageHub.get_instance('prune_stale_total')
    hub = runner.message_hub
    hook = PruneStaleLossLogsHook()
    stages = [dict(loss_ngm=10.0)] * 3 + [
        dict(loss_focal=0.04, loss_l1=0.5),
        dict(loss_focal=0.02, loss_l1=0.4)
    ]
    for i, terms in enumerate(stages):
        outputs = dict(loss=sum(terms.values()), **terms)
        for key, value in outputs.items():  # as RuntimeInfoHook records
            hub.update_scalar(f'train/{key}', value)
        hook.after_train_iter(
            runner,
            i,
            outputs={
                k: torch.tensor(v)
                for k, v in outputs.items()
            })
    window = 50
    means = {
        key: hub.log_scalars[f'train/{key}'].mean(window)
        for key in ('loss', 'loss_focal', 'loss_l1')
    }
    assert set(hub.log_scalars) == {
        'train/loss', 'train/loss_focal', 'train/loss_l1'
    }
    assert means['loss'] == pytest.approx(means['loss_focal'] +
                                          means['loss_l1'])
