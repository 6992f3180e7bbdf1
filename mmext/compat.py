"""Adaptations to the OpenMMLab versions mmext runs on (upstream mmengine
0.10.7 and the OneDL distributions), applied when mmext is imported."""
import os.path as osp
from typing import Callable


def register_config_package() -> None:
    """Make ``_base_ = 'mmext::...'`` resolve on every mmengine version.

    mmengine maps a ``pkg::`` prefix to a package it lists
    (``MODULE2PACKAGE``) and finds the package's ``.mim`` folder with
    ``get_installed_path``. Upstream mmengine 0.10.7 takes that path from the
    distribution's location, which for an editable (PEP 660) install is
    site-packages, where mmext is not: ``FileNotFoundError: .../site-packages
    /mmext/.mim/model-index.yml``. mmext therefore names its own folder, for
    itself only, in any install mode; other packages resolve as before.
    """
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils

    config_utils.MODULE2PACKAGE.setdefault('mmext', 'mmext')
    original: Callable[[str], str] = config_module.get_installed_path
    if getattr(original, 'resolves_mmext', False):
        return

    def get_installed_path(package: str) -> str:
        if package == 'mmext':
            return osp.dirname(osp.abspath(__file__))
        return original(package)

    get_installed_path.resolves_mmext = True  # type: ignore[attr-defined]
    config_module.get_installed_path = get_installed_path
