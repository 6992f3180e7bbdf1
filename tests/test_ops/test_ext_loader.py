"""Without mmext._ext the ops fall back to PyTorch, and mmext says so."""
import importlib

import pytest

from mmext.ops import ext_loader


def test_missing_extension_is_reported(monkeypatch):
    real_import = importlib.import_module

    def import_module(name, *args):
        if name == 'mmext._ext':
            raise ImportError('No module named mmext._ext')
        return real_import(name, *args)

    monkeypatch.setattr(importlib, 'import_module', import_module)
    with pytest.warns(
            UserWarning,
            match='not available.*pure-PyTorch.*'
            'build_ext --inplace'):
        assert ext_loader._load_ext() is None
