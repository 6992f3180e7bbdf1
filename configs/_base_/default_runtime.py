_base_ = 'mmdet::_base_/default_runtime.py'

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'

# mmext's guarantees, declared so that every printed config shows them. The
# hooks hold under any runner: checkpoints that a crash cannot corrupt and
# that resume exactly (every rank's random states, per-rank buffers), a NaN
# or infinite loss or weight stopping training before anything is logged,
# averaged or saved, and BN statistics averaged over processes before each
# validation. The runner adds what a hook cannot: per-sample data seeds and
# the dataloader's own generator (exact resume), --resume from the newest
# complete checkpoint, and CPU multi-process (gloo, DDP without device_ids).
runner_type = 'mmext.MMExtRunner'
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))
custom_hooks = [
    dict(type='mmext.NonFiniteCheckHook'),
    dict(type='mmext.SyncSharedBuffersHook')
]

# mmdet's visualizer with labels kept inside the image (mmdet's base gives
# its own, scoped to mmdet).
visualizer = dict(
    _delete_=True,
    type='mmext.DetLocalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
