from mmengine.registry import DefaultScope

from mmext.registry import DATASETS
from mmext.utils import register_all_modules


def test_register_all_modules_sets_scope_and_registers():
    DefaultScope.get_instance('test-mmdet-scope', scope_name='mmdet')
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'mmext'
    assert 'DemoDetDataset' in DATASETS.module_dict
    # mmdet's modules are registered too (in mmdet's registry, the parent).
    assert 'CocoDataset' in DATASETS.parent.module_dict


def test_register_all_modules_can_leave_scope_alone():
    DefaultScope.get_instance('test-keep-scope', scope_name='mmdet')
    register_all_modules(init_default_scope=False)
    assert DefaultScope.get_current_instance().scope_name == 'mmdet'
