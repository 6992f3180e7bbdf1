"""--resume continues a run exactly: for each method family, a run stopped
half-way and resumed with tools/train.py ends with the weights, buffers and
optimizer state of the uninterrupted run, bit for bit on CPU, with the
shipped dataloader workers (2, persistent) and random augmentations. And a
learning-rate spike stops training with the NaN message."""
import os
import shutil

import pytest
import torch

from mmext.testing import run_tool

# One thread per process, as dist_train.sh (torchrun) starts them: with two,
# torch's CPU kernels may round differently from run to run (MixTeacher's
# gradients by ~1e-13 between two identical steps, ~5e-8 in the weights

pytestmark = pytest.mark.slow
# after one), resumed or not, which is not what this test checks.
ONE_THREAD = dict(os.environ, OMP_NUM_THREADS='1')
COMMON = """
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=4, val_interval=100)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=-1),
                     logger=dict(interval=1))
"""
DET_EVAL = """
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
"""
CONFIGS = dict(
    # Epoch-based dense detector with BN, random resize and flip.
    atss="""
_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'
data_root = '{det}/'
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=[(96, 96), (128, 128)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(batch_size=4,
                        dataset=dict(data_root=data_root, pipeline=pipeline))
""" +
    COMMON.replace('train_cfg = dict(max_iters=4, val_interval=100)',
                   'train_cfg = dict(max_epochs=2, val_interval=100)').replace(
                       'interval=2, max_keep', 'interval=1, max_keep') +
    DET_EVAL,
    mixteacher="""
_base_ = ('mmext::mixteacher/'
          'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py')
data_root = '{det}/'
ann = 'annotations/instances_train.json'
model = dict(semi_train_cfg=dict(unsup_start_iter=1, unsup_warmup_iters=2))
train_dataloader = dict(
    batch_size=2, sampler=dict(batch_size=2, source_ratio=[1, 1]),
    dataset=dict(datasets=[
        dict(_base_.labeled_dataset, data_root=data_root, ann_file=ann),
        dict(_base_.unlabeled_dataset, data_root=data_root, ann_file=ann)]))
""" + COMMON + DET_EVAL,
    calibrated_teacher="""
_base_ = ('mmext::calibrated_teacher/'
          'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py')
data_root = '{det}/'
model = dict(
    detector=dict(test_cfg=dict(score_thr=0.0, max_per_img=300)),
    # Candidates from the start, observed when they touch an annotation
    # (IoU > 0.1), correct above 0.5: the first fit comes at iteration 3,
    # after the resume, from the observations the checkpoint restored.
    semi_train_cfg=dict(
        initial_score_thr=0.0, calibrated_score_thr=0.0,
        observation_iou_thr=0.1, match_iou_thr=0.5,
        calibrator=dict(type='mmext.ConfidenceCalibrator', min_samples=4)))
custom_hooks = [
    dict(type='mmext.NonFiniteCheckHook'),
    dict(type='mmext.SyncSharedBuffersHook'),
    dict(type='MeanTeacherHook', momentum=0.01),
    dict(type='mmext.CalibratorRefitHook', interval=1)]
train_dataloader = dict(batch_size=2, dataset=dict(
    data_root=data_root, ann_file='annotations/instances_train.json'))
""" + COMMON + DET_EVAL,
    ssd_det="""
_base_ = 'mmext::ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py'
data_root = '{det}/'
ann = 'annotations/instances_train.json'
model = dict(train_cfg=dict(num_negatives=20))
train_dataloader = dict(batch_size=2,
                        dataset=dict(data_root=data_root, ann_file=ann))
val_evaluator = dict(ann_file=data_root + ann, clean_ann_file=None,
                     outfile='{out}/refined.json')
test_evaluator = val_evaluator
""" + COMMON.replace('dataset=dict(data_root=data_root)',
                     'dataset=dict(data_root=data_root, ann_file=ann)'),
    # Across the switch from distillation to segmentation (iteration 3).
    dmdd="""
_base_ = 'mmext::dmdd/dmdd_r18_800it_demo-brick.py'
data_root = '{ad}/'
model = dict(distill_iters=3)
train_dataloader = dict(batch_size=4, dataset=dict(data_root=data_root))
""" + COMMON)


def tensors(obj, prefix=''):
    if torch.is_tensor(obj):
        yield prefix, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from tensors(value, f'{prefix}.{key}')
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from tensors(value, f'{prefix}.{i}')


def end_state(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return dict(
        tensors(dict(model=ckpt['state_dict'], optimizer=ckpt['optimizer'])))


def write(tmp_path, name, demo_sets):
    config = tmp_path / f'{name}.py'
    config.write_text(CONFIGS[name].format(
        det=demo_sets['det'], ad=demo_sets['ad'], out=tmp_path))
    return str(config)


@pytest.mark.parametrize('name', list(CONFIGS))
def test_stop_and_resume_equals_the_uninterrupted_run(name, demo_sets,
                                                      tmp_path):
    config = write(tmp_path, name, demo_sets)
    first, last = (('epoch_1.pth', 'epoch_2.pth') if name == 'atss' else
                   ('iter_2.pth', 'iter_4.pth'))
    run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path / 'a'),
        env=ONE_THREAD)
    (tmp_path / 'b').mkdir()
    shutil.copy(tmp_path / 'a' / first, tmp_path / 'b')
    log = run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path / 'b'),
        '--resume',
        env=ONE_THREAD).stdout
    straight = end_state(tmp_path / 'a' / last)
    resumed = end_state(tmp_path / 'b' / last)
    assert straight.keys() == resumed.keys()
    differ = [k for k, v in straight.items() if not torch.equal(v, resumed[k])]
    assert not differ, f'{len(differ)} tensors differ, e.g. {differ[:3]}'
    assert 'Auto resumed' in log or 'resumed' in log
    if name == 'calibrated_teacher':
        # The calibrator fitted a map, which the resumed run fitted too.
        assert int(straight['.model.calibrator.num_fits']) > 0


def test_learning_rate_spike_stops_mixteacher_before_its_teacher(
        demo_sets, tmp_path):
    config = write(tmp_path, 'mixteacher', demo_sets)
    with open(config, 'a') as f:
        # lr 1e-3 for two iterations, then 1e35: the weights overflow.
        f.write("train_cfg = dict(max_iters=6, val_interval=100)\n"
                "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, "
                "milestones=[2], gamma=1e38)]\n")
    proc = run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path / 'w'),
        check=False)
    assert proc.returncode != 0
    log = proc.stdout + proc.stderr
    assert 'FloatingPointError: Training stopped at iteration' in log
    assert "KeyError: 'loss_cls'" not in log
    saved = end_state(tmp_path / 'w' / 'iter_2.pth')
    assert all(
        torch.isfinite(v).all() for k, v in saved.items()
        if k.startswith('.model.teacher') and v.is_floating_point())
    assert not (tmp_path / 'w' / 'iter_4.pth').exists()
