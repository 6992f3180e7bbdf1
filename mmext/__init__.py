"""mmext: an OpenMMLab 2.0 extension for detection research."""
from mmengine.config import utils as _config_utils

from .version import __version__, version_info

# mmengine resolves ``_base_ = 'pkg::path'`` only for the packages it lists;
# listing mmext makes ``'mmext::demo/...'`` resolve once mmext is imported.
_config_utils.MODULE2PACKAGE.setdefault('mmext', 'mmext')

__all__ = ['__version__', 'version_info']
