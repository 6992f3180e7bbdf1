"""tools/train.py and tools/test.py end to end on a small demo set: training,
evaluation, resuming, mmdet configs, and the errors users see."""
import os.path as osp
import pickle
import shutil
import textwrap

import pytest
import torch

from mmext.testing import run_tool

# Also on upstream OpenMMLab (make test-upstream): train, test, resume.
pytestmark = [pytest.mark.slow, pytest.mark.upstream]

# A downstream project's config: inherits mmext's demo, shrinks it for tests.
# No random flip, so that a resumed run must match an uninterrupted one.
SMALL_DEMO = """
_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'
data_root = '{root}/'
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=2, val_interval=2)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=-1),
    logger=dict(interval=1))
randomness = dict(seed=0)
"""

# A plain mmdet config (mmdet scope) that reaches mmext via custom_imports.
MMDET_STYLE = """
_base_ = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'
custom_imports = dict(imports=['mmext'], allow_failed_imports=False)
data_root = '{root}/'
# After two iterations all scores are near the 0.01 prior: keep them all.
model = dict(
    backbone=dict(init_cfg=None), bbox_head=dict(num_classes=6),
    test_cfg=dict(score_thr=0.0))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
dataset = dict(type='mmext.DemoDetDataset', data_root=data_root)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        dataset, ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'), pipeline=pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(
        dataset, ann_file='annotations/instances_val.json',
        data_prefix=dict(img='val/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2,
                 val_interval=2)
param_scheduler = []
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2))
log_processor = dict(by_epoch=False)
"""


def write_config(tmp_path, template: str, root: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(template).format(root=root))
    return str(path)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, demo_data_root):
    """An uninterrupted 2-epoch run (6 iterations an epoch)."""
    tmp_path = tmp_path_factory.mktemp('train')
    config = write_config(tmp_path, SMALL_DEMO, demo_data_root, 'small.py')
    work_dir = str(tmp_path / 'work')
    run_tool('tools/train.py', config, '--work-dir', work_dir)
    return config, work_dir


def load_checkpoint(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def test_train_writes_checkpoints_with_progress(trained):
    _, work_dir = trained
    ckpt = load_checkpoint(osp.join(work_dir, 'epoch_2.pth'))
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['iter'] == 12
    first = load_checkpoint(osp.join(work_dir, 'epoch_1.pth'))
    assert first['meta']['iter'] == 6
    key = 'bbox_head.atss_cls.weight'
    assert not torch.equal(first['state_dict'][key], ckpt['state_dict'][key])
    assert {'state_dict', 'optimizer', 'param_schedulers'} <= set(ckpt)


def test_test_tool_evaluates_dumps_and_draws(trained, tmp_path):
    config, work_dir = trained
    out = str(tmp_path / 'preds.pkl')
    # persistent_workers with num_workers=0, which torch refuses: the tools
    # switch it off (no workers to keep).
    proc = run_tool('tools/test.py', config,
                    osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                    str(tmp_path), '--out', out, '--show-dir', 'vis',
                    '--cfg-options', 'test_dataloader.persistent_workers=True')
    log = proc.stdout + proc.stderr
    assert 'coco/bbox_mAP: ' in log and 'Test metrics:' in log
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 8 and 'pred_instances' in preds[0]
    drawn = list(tmp_path.glob('2*/vis/*.jpg'))
    assert len(drawn) == 8


def test_resume_continues_iterations_and_weights(trained, tmp_path):
    """Resuming from epoch 1 must reproduce the uninterrupted epoch 2."""
    config, work_dir = trained
    resumed_dir = tmp_path / 'resumed'
    resumed_dir.mkdir()
    shutil.copy(osp.join(work_dir, 'epoch_1.pth'), resumed_dir)
    proc = run_tool('tools/train.py', config, '--work-dir', str(resumed_dir),
                    '--resume', str(resumed_dir / 'epoch_1.pth'))
    assert 'resumed epoch: 1, iter: 6' in proc.stdout + proc.stderr
    resumed = load_checkpoint(str(resumed_dir / 'epoch_2.pth'))
    straight = load_checkpoint(osp.join(work_dir, 'epoch_2.pth'))
    assert resumed['meta']['epoch'] == 2 and resumed['meta']['iter'] == 12
    assert resumed['state_dict'].keys() == straight['state_dict'].keys()
    for key, value in straight['state_dict'].items():
        torch.testing.assert_close(
            resumed['state_dict'][key], value, msg=f'{key} differs')


def test_resume_auto_picks_the_latest_checkpoint(trained, tmp_path):
    config, work_dir = trained
    auto_dir = tmp_path / 'auto'
    shutil.copytree(work_dir, auto_dir)
    # Already at max_epochs=2: one more epoch to train from epoch_2.
    proc = run_tool('tools/train.py', config, '--work-dir', str(auto_dir),
                    '--resume', '--cfg-options', 'train_cfg.max_epochs=3')
    assert 'resumed epoch: 2, iter: 12' in proc.stdout + proc.stderr
    assert load_checkpoint(str(auto_dir / 'epoch_3.pth'))['meta']['iter'] == 18


def test_mmdet_config_with_custom_imports_trains_and_tests(
        tmp_path, demo_data_root):
    config = write_config(tmp_path, MMDET_STYLE, demo_data_root, 'mmdet.py')
    work_dir = str(tmp_path / 'work')
    run_tool('tools/train.py', config, '--work-dir', work_dir)
    proc = run_tool('tools/test.py', config, osp.join(work_dir, 'iter_2.pth'),
                    '--work-dir', work_dir)
    assert 'coco/bbox_mAP: ' in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    'option, message',
    [('train_dataloader.dataset.data_root=/no/such/root',
      "train_dataloader.dataset.data_root: directory '/no/such/root' does "
      'not exist'),
     ('train_dataloader.dataset.ann_file=annotations/missing.json',
      "train_dataloader.dataset.ann_file: annotation file "
      "'annotations/missing.json' not found"),
     ('model.neck.type=NoSuchNeck',
      'NoSuchNeck is not in the mmext::model registry')])
def test_train_reports_bad_config(trained, tmp_path, option, message):
    config, _ = trained
    proc = run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path),
        '--cfg-options',
        option,
        check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_demo_data_hint_when_demo_set_is_missing(tmp_path):
    proc = run_tool(
        'tools/train.py',
        'configs/demo/atss_r18_fpn_10e_demo.py',
        '--work-dir',
        str(tmp_path),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}/absent/',
        check=False)
    assert proc.returncode != 0
    assert 'tools/misc/make_demo_data.py' in proc.stderr


def test_test_tool_reports_missing_checkpoint(trained, tmp_path):
    config, _ = trained
    proc = run_tool(
        'tools/test.py', config, str(tmp_path / 'none.pth'), check=False)
    assert proc.returncode != 0
    assert "checkpoint '" in proc.stderr and 'none.pth' in proc.stderr
