import pytest
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.registry import DefaultScope, init_default_scope

import mmext.registry as mmext_registry
from mmext.datasets import DemoDetDataset

# The registries mmext must provide, one per mmdet registry.
REGISTRY_NAMES = ('RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS',
                  'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
                  'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS',
                  'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
                  'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR', 'TASK_UTILS',
                  'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS')


@pytest.mark.parametrize('name', REGISTRY_NAMES)
def test_registries_are_children_of_mmdet(name):
    import mmdet.registry as mmdet_registry
    registry = getattr(mmext_registry, name)
    assert registry.scope == 'mmext'
    assert registry.parent is getattr(mmdet_registry, name)
    assert mmdet_registry.__dict__[name]._children['mmext'] is registry


def test_mmext_names_resolve_lazily_and_mmdet_names_through_parent():
    # A fresh lookup imports both mmext's and mmdet's modules.
    assert mmext_registry.DATASETS.get('DemoDetDataset') is DemoDetDataset
    assert mmext_registry.MODELS.get('ATSS').__module__.startswith('mmdet.')
    assert mmext_registry.TASK_UTILS.get('ATSSAssigner') is not None


def test_mmdet_registry_reaches_mmext_by_scope():
    assert MMDET_DATASETS.get('mmext.DemoDetDataset') is DemoDetDataset
    # Not visible from mmdet without the scope prefix.
    assert MMDET_DATASETS.get('DemoDetDataset') is None


def test_build_in_mmext_scope(demo_data_root):
    init_default_scope('mmext')
    dataset = MMDET_DATASETS.build(
        dict(
            type='DemoDetDataset',
            data_root=demo_data_root,
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'),
            test_mode=True,
            pipeline=[]))
    assert isinstance(dataset, DemoDetDataset) and len(dataset) == 8
    assert DefaultScope.get_current_instance().scope_name == 'mmext'


def test_unknown_type_error_names_it():
    with pytest.raises(KeyError, match='NoSuchHead is not in the mmext'):
        mmext_registry.MODELS.build(dict(type='NoSuchHead'))
    with pytest.raises(KeyError, match='NoSuchNeck'):
        MMDET_MODELS.build(dict(type='mmext.NoSuchNeck'))
