from mmengine.hooks import Hook

from mmext.registry import HOOKS
from ..rank_state import sync_shared_buffers, unwrapped_model


@HOOKS.register_module()
class SyncSharedBuffersHook(Hook):
    """Average shared buffers (BN statistics) over ranks before every
    validation, in epoch and iteration loops alike, so that validating
    during a multi-process run equals evaluating the checkpoint saved at
    that point (``SafeCheckpointHook`` syncs before saving). Buffers a module
    keeps per rank (``rank_local_buffers``) are left alone. mmengine's
    ``SyncBuffersHook`` syncs after training epochs only and averages every
    buffer."""

    priority = 'ABOVE_NORMAL'

    def before_val_epoch(self, runner) -> None:
        model = unwrapped_model(runner)
        sync_shared_buffers(model)
