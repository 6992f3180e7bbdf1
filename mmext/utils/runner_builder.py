from mmengine.config import Config
from mmengine.runner import Runner

from mmext.registry import RUNNERS


def build_runner(cfg: Config) -> Runner:
    """Build the runner a config names in ``runner_type``, else
    :class:`mmext.engine.runner.MMExtRunner` (exact and crash-safe resume,
    NaN stop, CPU multi-process)."""
    cfg = cfg.copy()
    cfg.setdefault('runner_type', 'mmext.MMExtRunner')
    return RUNNERS.build(cfg)
