"""A COCO-format dataset of 6 COCO categories under a paper config left at
COCO's 80 classes: refused before training (one-stage, two-stage and
semi-supervised configs), with the keys to set; the data and model agreeing
pass."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

import mmext  # noqa: F401  (mmext:: configs)
from mmext.preflight import check_data_before_run, check_num_classes
from mmext.preflight.annotations import coco_sources
from mmext.preflight.dataset_paths import config_datasets
from mmext.testing import REPO_ROOT, run_tool

pytestmark = pytest.mark.slow

SIX = ('person', 'bicycle', 'car', 'cat', 'dog', 'cup')

CONFIGS = {
    'one-stage':
    ('configs/tood/tood_r50_fpn_1x_coco.py', ['model.bbox_head.num_classes']),
    'two-stage': ('configs/rcnet/faster-rcnn_r50_rcnet_1x_coco.py',
                  ['model.roi_head.bbox_head.num_classes']),
    'semi-supervised':
    ('configs/mixteacher/mixteacher_faster-rcnn_r50-caffe_fpn_180k_'
     'semi-0.1-coco.py', ['model.detector.roi_head.bbox_head.num_classes']),
}


def six_class_coco(num_annotations: int = 3) -> dict:
    """A json of 6 COCO-named categories, with COCO's ids for them."""
    ids = dict(person=1, bicycle=2, car=3, cat=17, dog=18, cup=47)
    return dict(
        images=[dict(id=1, file_name='a.jpg', width=640, height=480)],
        categories=[dict(id=ids[name], name=name) for name in SIX],
        annotations=[
            dict(
                id=i + 1,
                image_id=1,
                category_id=ids[SIX[i % 6]],
                bbox=[10 + i, 10, 50, 40],
                area=2000,
                iscrowd=0) for i in range(num_annotations)
        ])


def own_data_config(name: str, tmp_path) -> Config:
    """The paper config with every json and image folder it reads written
    under ``tmp_path`` (the working directory: its relative paths kept, as
    a user's data/coco); the jsons are ``six_class_coco``."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIGS[name][0]))
    for _, path, _ in coco_sources(cfg):
        os.makedirs(tmp_path / osp.dirname(path), exist_ok=True)
        unlabeled = 'unlabeled' in path
        with open(tmp_path / path, 'w') as f:
            json.dump(six_class_coco(0 if unlabeled else 3), f)
    for _, dataset in config_datasets(cfg):
        prefix = (dataset.get('data_prefix') or {}).get('img', '')
        os.makedirs(
            tmp_path / osp.join(dataset.get('data_root') or '', prefix),
            exist_ok=True)
    return cfg


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_six_classes_under_coco_80_is_refused(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = own_data_config(name, tmp_path)
    errors, _ = check_num_classes(cfg)
    head_key = CONFIGS[name][1][0]
    assert errors, 'the mismatch that crashes CocoMetric passed'
    assert any(
        e.startswith(f'{head_key} = 80, but val_evaluator evaluates 6 '
                     'classes') for e in errors), errors
    assert all('metainfo=dict(classes=(...))' in e for e in errors)
    with pytest.raises(
            ValueError, match='would fail at the first '
            'evaluation'):
        check_data_before_run(cfg)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_six_classes_set_in_model_and_data_pass(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = own_data_config(name, tmp_path)
    cfg.merge_from_dict({key: 6 for key in CONFIGS[name][1]})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        set_classes(cfg[loader]['dataset'], SIX)
    assert check_num_classes(cfg) == ([], [])


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_more_data_classes_than_num_classes_is_refused(name, tmp_path,
                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = own_data_config(name, tmp_path)
    cfg.merge_from_dict({CONFIGS[name][1][0]: 5})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        set_classes(cfg[loader]['dataset'], SIX)
    errors, _ = check_num_classes(cfg)
    assert any(
        e.startswith(f'{CONFIGS[name][1][0]} = 5, but train_dataloader.'
                     'dataset') and 'has 6 classes' in e for e in errors)


def set_classes(dataset, classes) -> None:
    """Give every leaf dataset ``metainfo.classes``."""
    if 'dataset' in dataset:
        set_classes(dataset['dataset'], classes)
    elif 'datasets' in dataset:
        for child in dataset['datasets']:
            set_classes(child, classes)
    else:
        dataset['metainfo'] = dict(classes=classes)


@pytest.mark.parametrize('tool', ['train', 'test', 'check_dataset'])
def test_the_tools_stop_before_building_anything(tool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    own_data_config('one-stage', tmp_path)
    config = osp.join(REPO_ROOT, CONFIGS['one-stage'][0])
    args = dict(
        train=['tools/train.py', config, '--work-dir', 'work'],
        test=['tools/test.py', config, 'ckpt.pth', '--work-dir', 'work'],
        check_dataset=['tools/misc/check_dataset.py', config, '--no-images'])
    (tmp_path / 'ckpt.pth').write_bytes(b'')
    proc = run_tool(
        *[
            osp.join(REPO_ROOT, a) if a.startswith('tools/') else a
            for a in args[tool]
        ],
        cwd=str(tmp_path),
        check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert ('model.bbox_head.num_classes = 80, but val_evaluator evaluates 6 '
            'classes') in output
    assert not (tmp_path / 'work').exists()
