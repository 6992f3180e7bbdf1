from .anomaly_visualization_hook import (AnomalyVisualizationHook,
                                         anomaly_panel)
from .non_finite_check_hook import NonFiniteCheckHook
from .safe_checkpoint_hook import (SafeCheckpointHook, commit_file,
                                   write_text_atomically)
from .sync_shared_buffers_hook import SyncSharedBuffersHook

__all__ = [
    'AnomalyVisualizationHook', 'anomaly_panel', 'NonFiniteCheckHook',
    'SafeCheckpointHook', 'SyncSharedBuffersHook', 'commit_file',
    'write_text_atomically'
]
