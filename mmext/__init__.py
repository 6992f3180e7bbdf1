"""mmext: an OpenMMLab 2.0 extension for detection research."""
from mmengine.config import utils as _config_utils

from .serialization import register_checkpoint_safe_globals
from .version import __version__, version_info

# mmengine resolves ``_base_ = 'pkg::path'`` only for the packages it lists;
# listing mmext makes ``'mmext::demo/...'`` resolve once mmext is imported.
_config_utils.MODULE2PACKAGE.setdefault('mmext', 'mmext')
# mmengine's checkpoints load with torch.load(weights_only=True) on every
# mmengine version (upstream 0.10.7 passes no weights_only: torch >= 2.6
# then refuses its HistoryBuffer).
register_checkpoint_safe_globals()

__all__ = ['__version__', 'version_info']
