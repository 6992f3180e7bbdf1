"""Top-level config keys nothing reads are named before a run: a misspelt
``modle`` is caught, mmext's own configs and shared variables are not."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import mmext  # noqa: F401  (mmext:: configs)
from mmext.preflight.config_keys import unread_keys
from mmext.testing import REPO_ROOT

CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*.py')) +
    [osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')])


def write(tmp_path, text):
    path = tmp_path / 'my_config.py'
    path.write_text(text)
    return str(path), Config.fromfile(str(path))


def test_a_misspelt_key_is_named_with_the_key_meant(tmp_path):
    path, cfg = write(
        tmp_path, "_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'\n"
        'modle = dict(bbox_head=dict(num_classes=3))\n'
        'train_dataloder = dict(batch_size=2)\n')
    assert unread_keys(path, cfg) == [
        f"'modle' in {path}: no part of the run reads this top-level key; "
        "did you mean 'model'?",
        f"'train_dataloder' in {path}: no part of the run reads this "
        "top-level key; did you mean 'train_dataloader'?",
    ]


def test_variables_used_in_the_file_or_defined_by_a_base_pass(tmp_path):
    path, cfg = write(
        tmp_path, "_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'\n"
        "classes = ('astronaut', 'cat')\n"
        "data_root = 'data/other/'\n"
        'model = dict(bbox_head=dict(num_classes=len(classes)))\n')
    assert unread_keys(path, cfg) == []
    path, cfg = write(tmp_path, "note = 'nobody reads me'\n")
    assert unread_keys(path, cfg) == [
        f"'note' in {path}: no part of the run reads this top-level key"
    ]


@pytest.mark.parametrize(
    'config', CONFIGS, ids=lambda p: osp.relpath(p, REPO_ROOT))
def test_mmext_configs_have_no_unread_key(config):
    assert unread_keys(config, Config.fromfile(config)) == []
