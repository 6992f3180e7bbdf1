"""mmext: an OpenMMLab 2.0 extension for detection research."""
import mmengine

from .compat import (check_mmengine_version, import_stack_quietly,
                     register_config_package)
from .serialization import register_checkpoint_safe_globals
from .version import __version__, version_info

check_mmengine_version(mmengine.__version__)
# ``_base_ = 'mmext::demo/...'`` resolves once mmext is imported, on every
# mmengine version and install mode.
register_config_package()
# mmengine's checkpoints load with torch.load(weights_only=True) on every
# mmengine version (upstream 0.10.7 passes no weights_only: torch >= 2.6
# then refuses its HistoryBuffer).
register_checkpoint_safe_globals()
# The OneDL stack's import-time notices, none of which concerns mmext's
# users (and one of which is wrong), are dropped.
import_stack_quietly()

__all__ = ['__version__', 'version_info']
