_base_ = ['mmdet::_base_/default_runtime.py', './guarantees.py']

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'

# The checkpoints of mmext's guarantees (guarantees.py has the rest).
default_hooks = dict(checkpoint=dict(type='mmext.SafeCheckpointHook'))

# mmdet's visualizer with labels kept inside the image (mmdet's base gives
# its own, scoped to mmdet).
visualizer = dict(
    _delete_=True,
    type='mmext.DetLocalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
