"""mmext:: config paths resolve even where mmengine cannot locate the
package itself (upstream mmengine 0.10.7 with an editable install)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.config import config as config_module

import mmext
from mmext.compat import register_config_package

MMENGINE_LOOKUP = config_module.get_installed_path


def editable_install_on_mmengine_0_10_7(package: str) -> str:
    """What upstream mmengine 0.10.7's get_installed_path returns for mmext
    installed editable (PEP 660): the distribution's location,
    site-packages, where the package is not."""
    if package == 'mmext':
        return osp.join('/nonexistent/site-packages', package)
    return MMENGINE_LOOKUP(package)


def test_mmext_base_resolves_where_mmengine_looks_in_the_wrong_place(
        tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, 'get_installed_path',
                        editable_install_on_mmengine_0_10_7)
    user_config = tmp_path / 'my_atss.py'
    user_config.write_text("_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'\n"
                           'model = dict(bbox_head=dict(num_classes=3))\n')
    register_config_package()
    cfg = Config.fromfile(str(user_config))
    assert cfg.model.bbox_head.num_classes == 3
    assert cfg.model.type == 'ATSS'
    # other packages still resolve through mmengine's own lookup
    assert config_module.get_installed_path('mmdet') == MMENGINE_LOOKUP(
        'mmdet')
    assert config_module.get_installed_path('mmext') == osp.dirname(
        mmext.__file__)


def test_without_it_the_lookup_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, 'get_installed_path',
                        editable_install_on_mmengine_0_10_7)
    user_config = tmp_path / 'my_atss.py'
    user_config.write_text("_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'\n")
    with pytest.raises(FileNotFoundError, match='site-packages/mmext'):
        Config.fromfile(str(user_config))


def test_registering_twice_wraps_once(monkeypatch):
    monkeypatch.setattr(config_module, 'get_installed_path',
                        editable_install_on_mmengine_0_10_7)
    register_config_package()
    wrapped = config_module.get_installed_path
    register_config_package()
    assert config_module.get_installed_path is wrapped


@pytest.mark.slow
def test_the_tools_start_without_the_stacks_import_notices():
    from mmext.testing import run_tool
    proc = run_tool('tools/misc/print_registry.py', 'hook')
    output = proc.stdout + proc.stderr
    assert 'Could not import OneDL' not in output
    assert 'faster_coco_eval' not in output
    assert output.startswith('hook (')
