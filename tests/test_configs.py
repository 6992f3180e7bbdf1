"""Every shipped config parses and builds, and downstream projects can use
mmext through ``mmext::`` inheritance or ``custom_imports``."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmext.engine.runner import MMExtRunner
from mmext.registry import MODELS, RUNNERS
from mmext.testing import REPO_ROOT

CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*.py'))
    if '_base_' not in p)


@pytest.mark.slow
@pytest.mark.upstream  # mmdet's configs differ between versions
@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_its_model(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    assert cfg.default_scope == 'mmext'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    # The guarantees are declared, so that any runner or tool that reads
    # the config (mmengine's Runner, mmdet's tools, mim) keeps them.
    assert issubclass(RUNNERS.get(cfg.runner_type), MMExtRunner)
    assert cfg.default_hooks.checkpoint.type == 'mmext.SafeCheckpointHook'
    hooks = [hook.type for hook in cfg.custom_hooks]
    assert 'mmext.NonFiniteCheckHook' in hooks
    assert 'mmext.SyncSharedBuffersHook' in hooks
    if cfg.model.type.endswith('CalibratedTeacher'):
        assert 'mmext.CalibratorRefitHook' in hooks
    if 'calibrated-teacher' in config:
        assert cfg.randomness.seed is not None  # --resume reads the same data


def test_configs_name_mmext_modules_with_their_scope():
    """Configs write ``mmext.X`` for mmext's modules (some share mmdet's
    names: ``TOODHead``, ``TaskAlignedAssigner``, ``DetLocalVisualizer``),
    so that a reader and a downstream config see which one is meant."""
    import re

    from mmext.utils import list_modules
    names = {name for modules in list_modules().values() for name in modules}
    plain = re.compile(
        r"""(?:type|dataset_type)\s*=\s*['"]([A-Za-z0-9]+)['"]""")
    unscoped = [(config, name) for config in glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
                for name in plain.findall(open(config).read())
                if name in names]
    assert unscoped == []


def test_downstream_config_inherits_with_mmext_prefix(tmp_path):
    import mmext
    config = tmp_path / 'my_atss.py'
    config.write_text("_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'\n"
                      'model = dict(bbox_head=dict(num_classes=3))\n')
    cfg = Config.fromfile(str(config))
    assert cfg.model.type == 'ATSS' and cfg.model.bbox_head.num_classes == 3
    assert cfg.train_dataloader.dataset.type == 'mmext.DemoDetDataset'
    assert cfg.default_scope == 'mmext'
    # Resolved from the installed package, not from a relative path.
    mim_configs = osp.join(osp.dirname(mmext.__file__), '.mim', 'configs')
    assert osp.isfile(
        osp.join(mim_configs, 'demo', 'atss_r18_fpn_10e_demo.py'))


@pytest.mark.slow
def test_readme_downstream_config_passes_the_data_checks(
        tmp_path, demo_data_root):
    """The README's downstream snippet keeps classes and num_classes
    consistent (the data checks would stop it otherwise)."""
    import re

    from mmext.preflight import check_data_before_run, check_dataset_paths
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        snippet = re.search(
            r'```python\n(# my_project/configs/my_atss.py.*?)'
            r'```', f.read(), re.S).group(1)
    config = tmp_path / 'my_atss.py'
    config.write_text(snippet)
    cfg = Config.fromfile(str(config))
    ann = f'{demo_data_root}/annotations/instances_val.json'
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': f'{demo_data_root}/',
        'val_dataloader.dataset.data_root': f'{demo_data_root}/',
        'test_dataloader.dataset.data_root': f'{demo_data_root}/',
        'val_evaluator.ann_file': ann,
        'test_evaluator.ann_file': ann
    })
    assert cfg.model.bbox_head.num_classes == 3
    check_dataset_paths(cfg)
    check_data_before_run(cfg)
    cfg.model.bbox_head.num_classes = 2
    with pytest.raises(ValueError, match='num_classes = 2'):
        check_data_before_run(cfg)


@pytest.mark.slow
def test_plain_mmdet_config_uses_mmext_through_custom_imports(tmp_path):
    config = tmp_path / 'mmdet_style.py'
    config.write_text(
        "_base_ = 'mmdet::atss/atss_r50_fpn_1x_coco.py'\n"
        "custom_imports = dict(imports=['mmext'], "
        'allow_failed_imports=False)\n'
        "train_dataloader = dict(dataset=dict(type='mmext.DemoDetDataset'))\n")
    # A fresh interpreter that never imports mmext itself.
    code = ('import sys; from mmengine.config import Config; '
            'from mmdet.registry import DATASETS; '
            'cfg = Config.fromfile(sys.argv[1]); '
            "assert 'mmext' in sys.modules; "
            'cls = DATASETS.get(cfg.train_dataloader.dataset.type); '
            'print(cfg.default_scope, cls.__module__, cls.__name__)')
    proc = subprocess.run(
        [sys.executable, '-c', code, str(config)],
        capture_output=True,
        text=True,
        check=True)
    assert proc.stdout.splitlines()[-1].split() == [
        'mmdet', 'mmext.datasets.demo_det', 'DemoDetDataset'
    ]


def test_bad_custom_import_is_reported(tmp_path):
    config = tmp_path / 'bad.py'
    config.write_text("custom_imports = dict(imports=['mmext_typo'], "
                      'allow_failed_imports=False)\n')
    with pytest.raises(ImportError, match='mmext_typo'):
        Config.fromfile(str(config))


def test_metafiles_list_every_config_mim_can_find():
    """``mim search mmext`` reads model-index.yml and the metafiles it
    imports: each names an existing config, and every config is listed."""
    import yaml
    root = REPO_ROOT
    with open(osp.join(root, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    assert sorted(imports) == sorted(
        osp.relpath(p, root)
        for p in glob.glob(osp.join(root, 'configs', '*', 'metafile.yml')))
    listed = set()
    for metafile in imports:
        with open(osp.join(root, metafile)) as f:
            meta = yaml.safe_load(f)
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections, model['Name']
            assert osp.isfile(osp.join(root, model['Config'])), model
            assert model['Name'] == osp.splitext(
                osp.basename(model['Config']))[0]
            listed.add(model['Config'])
    configs = {
        osp.relpath(p, root)
        for p in glob.glob(osp.join(root, 'configs', '*', '*.py'))
        if '_base_' not in p
    }
    assert configs == listed, configs ^ listed
