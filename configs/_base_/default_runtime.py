_base_ = 'mmdet::_base_/default_runtime.py'

# Plain names resolve in mmext's registries first, then in mmdet's.
default_scope = 'mmext'
