from .anomaly_visualization_hook import AnomalyVisualizationHook
from .calibrator_refit_hook import CalibratorRefitHook
from .non_finite_check_hook import NonFiniteCheckHook
from .prune_stale_loss_logs_hook import PruneStaleLossLogsHook
from .safe_checkpoint_hook import (SafeCheckpointHook, commit_file,
                                   write_text_atomically)
from .sync_shared_buffers_hook import SyncSharedBuffersHook

__all__ = [
    'AnomalyVisualizationHook', 'CalibratorRefitHook', 'NonFiniteCheckHook',
    'PruneStaleLossLogsHook', 'SafeCheckpointHook', 'SyncSharedBuffersHook',
    'commit_file', 'write_text_atomically'
]
