from mmengine.config import Config
from mmengine.runner import Runner

from mmext.registry import RUNNERS


def build_runner(cfg: Config) -> Runner:
    """Build the runner a config names in ``runner_type``, else mmengine's
    default :class:`Runner`."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
