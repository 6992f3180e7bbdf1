"""Adaptations to the OpenMMLab versions mmext runs on (upstream mmengine
0.10.7 and the OneDL distributions), applied when mmext is imported."""
import contextlib
import importlib
import io
import os.path as osp
import sys
import warnings
from typing import Callable

# mmengine versions mmext runs on: MMExtRunner and SafeCheckpointHook use
# mmengine internals (``Runner._load_from``, ``_resume``, ``_randomness_cfg``,
# ``CheckpointHook._save_checkpoint_with_step``), pinned by
# tests/test_engine/test_mmengine_contract.py on both supported stacks.
MMENGINE_RANGE = ('0.10.7', '0.11.0')


def check_mmengine_version(version: str) -> None:
    """Refuse an mmengine outside :data:`MMENGINE_RANGE` (``[low, high)``)
    with the versions named."""
    from mmengine.utils import digit_version
    low, high = MMENGINE_RANGE
    if not digit_version(low) <= digit_version(version) < digit_version(high):
        raise ImportError(
            f'mmext needs mmengine >= {low}, < {high}, found mmengine '
            f'{version}: its runner and checkpoint hook rely on mmengine '
            'internals checked for that range only. Install '
            'onedl-mmengine==0.10.12 or mmengine==0.10.7.')


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


# What the OneDL distributions print on import: mmdet and mmseg without the
# optional ``onedl`` package (its datasets only), and mmdet without
# ``faster_coco_eval``, which only its FasterCocoMetric needs (CocoMetric
# computes COCO's metrics with pycocotools).
_STACK_IMPORT_NOISE = ('Could not import OneDL', )
_STACK_IMPORT_WARNINGS = ('faster_coco_eval is not installed', )
_NOISY_STACK_MODULES = ('mmdet.datasets', 'mmdet.evaluation', 'mmseg.datasets')


def import_stack_quietly() -> None:
    """Import the modules of the OpenMMLab stack that print on import, with
    exactly those messages dropped (see ``_STACK_IMPORT_NOISE``): the tools
    otherwise start with five lines, one of them wrong ("metrics will not
    be computed"). Anything else they print still shows."""
    for module in _NOISY_STACK_MODULES:
        if module in sys.modules:
            continue
        out = io.StringIO()
        with warnings.catch_warnings(), contextlib.redirect_stdout(out):
            for message in _STACK_IMPORT_WARNINGS:
                warnings.filterwarnings('ignore', message=message)
            importlib.import_module(module)
        kept = [
            line for line in out.getvalue().splitlines()
            if not line.startswith(_STACK_IMPORT_NOISE)
        ]
        if kept:
            print('\n'.join(kept))
