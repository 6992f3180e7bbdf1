"""Resuming MixTeacher training restores teacher, student, the EMA state and
the data sampler's position; tools/test.py evaluates teacher or student."""
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config

from mmext.testing import (StartStateRecorder, run_tool, short_resumable_run,
                           train_recording)

pytestmark = pytest.mark.slow

CONFIG = ('configs/mixteacher/'
          'mixteacher_faster-rcnn_r18_fpn_500it_demo-semi-0.1.py')


class Recorder(StartStateRecorder):
    """Keeps the images of each iteration and the weights at train start."""

    def __init__(self):
        super().__init__()
        self.images = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.images[runner.iter] = [
            s.img_path for branch in data_batch['data_samples'].values()
            for s in branch if s is not None
        ]


@pytest.fixture(scope='module')
def split_dir(demo_data_root, tmp_path_factory) -> str:
    """A 50% labeled split of the small demo set (outside its folder)."""
    out = str(tmp_path_factory.mktemp('semi_anns'))
    run_tool('tools/dataset_converters/split_coco_semi.py',
             osp.join(demo_data_root, 'annotations', 'instances_train.json'),
             '--out-dir', out, '--percents', '50', '--folds', '1')
    return out


def make_cfg(data_root, split_dir, work_dir, resume_from=None):
    cfg = Config.fromfile(CONFIG)
    # Absolute paths: BaseDataset joins them to data_root unchanged.
    split = osp.join(split_dir, 'instances_train.1@50')
    labeled, unlabeled = cfg.train_dataloader.dataset.datasets
    labeled.update(data_root=data_root, ann_file=f'{split}.json')
    unlabeled.update(data_root=data_root, ann_file=f'{split}-unlabeled.json')
    cfg.train_dataloader.update(
        batch_size=3, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.sampler.update(batch_size=3, source_ratio=[1, 2])
    cfg.model.semi_train_cfg.update(unsup_start_iter=0, unsup_warmup_iters=0)
    return short_resumable_run(cfg, data_root, work_dir, resume_from)


def train(cfg) -> Recorder:
    return train_recording(cfg, Recorder())


def test_resume_restores_teacher_student_ema_and_sampler(
        demo_data_root, split_dir, tmp_path):
    full = train(make_cfg(demo_data_root, split_dir, str(tmp_path / 'full')))
    ckpt_path = str(tmp_path / 'full' / 'iter_2.pth')
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 2
    saved = ckpt['state_dict']
    assert any(k.startswith('teacher.') for k in saved)
    assert any(k.startswith('student.') for k in saved)

    resumed = train(
        make_cfg(demo_data_root, split_dir, str(tmp_path / 'resumed'),
                 ckpt_path))
    start = resumed.start_state
    for name, value in saved.items():
        assert torch.equal(start[name], value), name
    # The teacher is the saved EMA, not re-copied from the student.
    fusion = 'fusion.scale_weights.2.weight'
    assert not torch.equal(start[f'teacher.{fusion}'],
                           start[f'student.{fusion}'])
    # Iterations 3 and 4 read the same images as without the interruption.
    assert sorted(resumed.images) == [2, 3]
    assert resumed.images == {i: full.images[i] for i in (2, 3)}
    assert osp.isfile(tmp_path / 'resumed' / 'iter_4.pth')


def test_tools_test_evaluates_teacher_or_student(demo_data_root, split_dir,
                                                 tmp_path):
    cfg = make_cfg(demo_data_root, split_dir, str(tmp_path / 'train'))
    cfg.train_cfg.max_iters = 2
    # Keep every box, so that teacher and student predictions can differ.
    cfg.model.detector.test_cfg.rcnn.score_thr = 0.0
    train(cfg)
    config = str(tmp_path / 'mixteacher_small.py')
    cfg.dump(config)
    ckpt = str(tmp_path / 'train' / 'iter_2.pth')
    predictions = {}
    for module in ('teacher', 'student'):
        out = str(tmp_path / f'{module}.pkl')
        proc = run_tool('tools/test.py', config, ckpt, '--work-dir',
                        str(tmp_path / module), '--out', out, '--cfg-options',
                        f'model.semi_test_cfg.predict_on={module}')
        assert 'coco/bbox_mAP' in proc.stdout
        with open(out, 'rb') as f:
            predictions[module] = pickle.load(f)
    assert len(predictions['teacher']) == 8
    teacher, student = (
        predictions[m][0]['pred_instances']['scores']
        for m in ('teacher', 'student'))
    assert not torch.equal(teacher, student)
