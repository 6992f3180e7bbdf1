"""Training a CalibratedTeacher for real: the calibrator is refitted on
schedule, saved in checkpoints and restored by --resume; the calibration
report tool reads such a checkpoint."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmext.testing import (StartStateRecorder, run_tool, short_resumable_run,
                           train_recording)

pytestmark = pytest.mark.slow

CONFIG = ('configs/calibrated_teacher/'
          'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py')


class Recorder(StartStateRecorder):
    """Keeps the model state at train start and the calibrator's fit count
    after each iteration."""

    def __init__(self):
        super().__init__()
        self.num_fits = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.num_fits[runner.iter] = int(runner.model.calibrator.num_fits)


def make_cfg(data_root, work_dir, resume_from=None):
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.update(
        data_root=data_root,
        ann_file=osp.join(data_root, 'annotations', 'instances_train.json'))
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    # An untrained teacher scores about 0.01: keep all its boxes and judge
    # them loosely, so that the calibrator sees right and wrong boxes.
    cfg.model.detector.test_cfg.score_thr = 0.
    cfg.model.semi_train_cfg.update(
        initial_score_thr=0.,
        match_iou_thr=0.1,
        same_class_iou_thr=0.,
        observation_iou_thr=0.,
        calibrator=dict(type='mmext.ConfidenceCalibrator', min_samples=2))
    refit, = (h for h in cfg.custom_hooks if 'CalibratorRefitHook' in h.type)
    refit.interval = 2
    return short_resumable_run(cfg, data_root, work_dir, resume_from)


def train(cfg) -> Recorder:
    return train_recording(cfg, Recorder())


@pytest.fixture(scope='module')
def full_run(demo_data_root, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('calibrated_teacher')
    recorder = train(make_cfg(demo_data_root, str(work_dir / 'full')))
    return work_dir, recorder


def test_calibrator_refits_on_schedule_and_resumes(demo_data_root, full_run):
    work_dir, full = full_run
    # Refits at the end of iterations 2 and 4 (runner.iter is 0-based).
    assert full.num_fits == {0: 0, 1: 1, 2: 1, 3: 2}
    ckpt_path = str(work_dir / 'full' / 'iter_2.pth')
    saved = torch.load(
        ckpt_path, map_location='cpu', weights_only=False)['state_dict']
    assert int(saved['calibrator.num_fits']) == 1

    resumed = train(
        make_cfg(demo_data_root, str(work_dir / 'resumed'), ckpt_path))
    for name, value in saved.items():
        assert torch.equal(resumed.start_state[name], value), name
    assert resumed.num_fits == {2: 1, 3: 2}


def test_calibration_report(demo_data_root, full_run, tmp_path):
    work_dir, _ = full_run
    config = str(tmp_path / 'calibrated_teacher_small.py')
    make_cfg(demo_data_root, str(work_dir / 'report')).dump(config)
    out_dir = tmp_path / 'report'
    proc = run_tool('tools/analysis_tools/calibration_report.py', config,
                    str(work_dir / 'full' / 'iter_4.pth'), '--out-dir',
                    str(out_dir), '--iou-thr', '0.1')
    assert 'ECE' in proc.stdout
    report = json.loads((out_dir / 'calibration_report.json').read_text())
    assert report['num_detections'] > 0
    for part in ('before', 'after'):
        assert 0 <= report[part]['ece'] <= 1
        assert sum(report[part]['counts']) == report['num_detections']
    assert (out_dir / 'reliability_diagram.png').stat().st_size > 1000

    # An earlier report is replaced only with --overwrite.
    args = ('tools/analysis_tools/calibration_report.py', config,
            str(work_dir / 'full' / 'iter_4.pth'), '--out-dir', str(out_dir))
    proc = run_tool(*args, check=False)
    assert proc.returncode != 0 and '--overwrite' in proc.stderr
    # No detection reaches the threshold: nothing to calibrate, said so.
    proc = run_tool(
        *args,
        '--overwrite',
        '--cfg-options',
        'model.semi_train_cfg.initial_score_thr=1.01',
        check=False)
    assert proc.returncode != 0 and 'nothing to calibrate' in proc.stderr
    assert json.loads((out_dir / 'calibration_report.json').read_text()) == (
        report)


def test_calibration_report_refuses_other_models(tmp_path):
    proc = run_tool(
        'tools/analysis_tools/calibration_report.py',
        'configs/demo/atss_r18_fpn_10e_demo.py',
        'missing.pth',
        '--out-dir',
        str(tmp_path),
        check=False)
    assert proc.returncode != 0
    assert 'CalibratedTeacher' in proc.stderr


@pytest.mark.parametrize('runner_type', ['mmengine', 'mmext'])
def test_training_without_the_refit_hook_is_refused(demo_data_root, tmp_path,
                                                    runner_type):
    """The model refuses, whichever runner trains it."""
    from mmengine.runner import Runner

    from mmext.engine.runner import MMExtRunner
    cfg = make_cfg(demo_data_root, str(tmp_path))
    cfg.custom_hooks = [
        hook for hook in cfg.custom_hooks
        if 'CalibratorRefitHook' not in hook.type
    ]
    runner = (MMExtRunner if runner_type == 'mmext' else Runner).from_cfg(cfg)
    with pytest.raises(RuntimeError, match='CalibratorRefitHook'):
        runner.train()
