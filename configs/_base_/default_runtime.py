_base_ = 'mmdet::_base_/default_runtime.py'

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'

# mmext's runner: exact and crash-safe --resume, NaN stop, CPU multi-process
# (mmext's tools use it for any config that names no runner).
runner_type = 'mmext.MMExtRunner'

# mmdet's visualizer with labels kept inside the image (mmdet's base gives
# its own, scoped to mmdet).
visualizer = dict(
    _delete_=True,
    type='mmext.DetLocalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
