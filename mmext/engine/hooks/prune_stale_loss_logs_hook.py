from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner

from mmext.registry import HOOKS


@HOOKS.register_module()
class PruneStaleLossLogsHook(Hook):
    """Log only the losses the model computed in the current iteration.

    mmengine's message hub keeps every ``train/`` scalar it was ever given,
    so after a change of stage (DMDD's switch from distillation to
    segmentation) the logger keeps printing the last values of losses no
    longer trained. This hook, after ``RuntimeInfoHook`` has recorded the
    iteration's outputs and before ``LoggerHook`` prints them, removes the
    ``train/`` loss entries that this iteration did not produce, and
    restarts the history of the total ``loss`` there (it would otherwise
    average the old stage's iterations with the new one's: ``loss: 10.68``
    beside ``loss_focal: 0.04``, ``loss_l1: 0.49``).
    """
    priority = 'NORMAL'

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        scalars = runner.message_hub.log_scalars
        stale = [
            key for key in scalars if key.startswith('train/')
            and 'loss' in key and key[len('train/'):] not in outputs
        ]
        for key in stale:
            scalars.pop(key)
        if stale and 'loss' in outputs and 'train/loss' in scalars:
            # The total restarts with the new stage's terms, so that the
            # logged window mean of ``loss`` is the sum of the logged means
            # of the terms beside it.
            total = HistoryBuffer()
            total.update(float(outputs['loss']))
            scalars['train/loss'] = total
