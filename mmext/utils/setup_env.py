import datetime
from typing import Dict, List

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register mmdet's and mmext's modules into their registries.

    Registries also import their modules lazily on first lookup; call this
    where a script needs every module registered at once (listing registries,
    building modules outside a runner).

    Args:
        init_default_scope (bool): Whether to make ``'mmext'`` the default
            scope, so that plain names resolve in mmext's registries first.
            Defaults to True.
    """
    from mmdet.utils import register_all_modules as register_mmdet_modules
    register_mmdet_modules(init_default_scope=False)

    import mmext.datasets  # noqa: F401
    import mmext.engine  # noqa: F401
    import mmext.evaluation  # noqa: F401
    import mmext.models  # noqa: F401
    import mmext.ops  # noqa: F401
    import mmext.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmext'):
        DefaultScope.get_instance('mmext', scope_name='mmext')
    elif current.scope_name != 'mmext':
        # Another scope is active: open a new 'mmext' instance rather than
        # overwrite the active one (as mmdet's register_all_modules does).
        stamp = datetime.datetime.now().strftime('%Y%m%d_%H%M%S_%f')
        DefaultScope.get_instance(f'mmext-{stamp}', scope_name='mmext')


def list_modules() -> Dict[str, List[str]]:
    """mmext's own modules per registry (``{'model': ['CrossScaleShift',
    ...], ...}``), as configs name them (``mmext.<name>``); registries
    without an mmext module are left out."""
    from mmengine.registry import Registry

    import mmext.registry
    register_all_modules(init_default_scope=False)
    modules = {}
    for registry in vars(mmext.registry).values():
        if (isinstance(registry, Registry) and registry.scope == 'mmext'
                and registry.module_dict):
            modules[registry.name] = sorted(registry.module_dict)
    return modules
