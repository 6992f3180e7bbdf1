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
