"""CalibratedTeacher: calibration observations, pseudo labels projected into
the student's view, the refit schedule and the loss on both branches."""
import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmext.engine.hooks import CalibratorRefitHook
from mmext.registry import MODELS
from mmext.testing import logged_messages
from mmext.utils import register_all_modules

CONFIG = ('configs/calibrated_teacher/'
          'calibrated-teacher_retinanet_r18_fpn_400it_demo-sparse-extreme.py')
FLIP = np.array([[-1., 0., 64.], [0., 1., 0.], [0., 0., 1.]])


@pytest.fixture(scope='module')
def model():
    register_all_modules()
    return MODELS.build(Config.fromfile(CONFIG).model)


def sample(boxes=(), labels=(), homography=np.eye(3)):
    data_sample = DetDataSample(
        metainfo=dict(
            img_shape=(64, 64),
            ori_shape=(64, 64),
            pad_shape=(64, 64),
            batch_input_shape=(64, 64),
            scale_factor=(1., 1.),
            homography_matrix=homography))
    data_sample.gt_instances = InstanceData(
        bboxes=HorizontalBoxes(
            torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)),
        labels=torch.tensor(labels, dtype=torch.long))
    return data_sample


def candidates(boxes=(), labels=(), scores=()):
    return InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long),
        scores=torch.tensor(scores, dtype=torch.float32))


def set_calibration(model, slope, intercept):
    model.calibrator.slope.fill_(slope)
    model.calibrator.intercept.fill_(intercept)
    model.calibrator.num_fits.fill_(1)


def add_pseudo_labels(model, candidates, teacher, student) -> int:
    """The teacher view's pseudo labels selected from ``candidates`` and
    projected into ``student`` (in place); how many were added."""
    before = sum(len(s.gt_instances) for s in student)
    model.select_pseudo_instances(candidates, teacher)
    assert model.project_pseudo_instances(teacher, student) is student
    return sum(len(s.gt_instances) for s in student) - before


def test_observes_only_boxes_the_sparse_labels_can_judge(model):
    model.calibrator.num_observed.zero_()
    teacher = [sample([[10, 10, 30, 30]], [0])]
    preds = [
        candidates([[10, 10, 30, 29], [10, 10, 30, 22], [40, 40, 60, 60]],
                   [0, 0, 1], [0.8, 0.6, 0.9])
    ]
    model.observe(preds, teacher)
    conf, correct = model.calibrator.observations()
    # The third box overlaps no annotation: maybe a missing one, not judged.
    assert conf.tolist() == pytest.approx([0.8, 0.6])
    assert correct.tolist() == [1., 0.]


def test_observation_band_follows_the_authors(model):
    """The authors observe candidates with same-class IoU > 0.5
    (split_sparse_dt's default) though their pseudo-label rule skips only
    those above 0.6: a candidate at IoU 0.556 is observed as wrong and can
    still become a pseudo label; one at 0.45 is neither observed nor
    skipped."""
    model.calibrator.num_observed.zero_()
    teacher = [sample([[10, 10, 30, 30]], [0])]
    # IoU 300 / 540 = 0.556 and 280 / 560 = 0.5 (not above), no box inside
    # the other by more than 90%
    band = candidates([[15, 10, 37, 30], [16, 10, 38, 30]], [0, 0], [0.9, 0.8])
    model.observe([band], teacher)
    conf, correct = model.calibrator.observations()
    assert conf.tolist() == pytest.approx([0.9]) and correct.tolist() == [0.]
    set_calibration(model, 1., 0.)
    student = [sample([[10, 10, 30, 30]], [0])]
    assert add_pseudo_labels(model, [band], teacher, student) == 2
    model.calibrator.num_observed.zero_()


def test_pseudo_labels_are_calibrated_filtered_and_projected(model):
    set_calibration(model, 1., 0.)  # identity
    teacher = [sample([[10, 10, 30, 30]], [0]), sample(), sample()]
    student = [
        sample([[34, 10, 54, 30]], [0], FLIP),
        sample(homography=FLIP),
        sample([[1, 1, 9, 9]], [2], FLIP)
    ]
    preds = [
        candidates(
            [
                [40, 40, 60, 60],  # kept
                [11, 11, 30, 30],  # duplicates the annotation
                [40, 0, 42, 20],  # 2 px wide, under min_pseudo_bbox_size
                [0, 40, 20, 60],  # calibrated 0.5 < 0.7
            ],
            [1, 0, 2, 1],
            [0.95, 0.95, 0.95, 0.5]),
        candidates([[5, 5, 25, 25]], [3], [0.9]),  # image without labels
        candidates(),  # no candidate at all
    ]
    added = add_pseudo_labels(model, preds, teacher, student)
    assert added == 2
    first, second, third = (s.gt_instances for s in student)
    assert isinstance(first.bboxes, HorizontalBoxes)
    assert first.bboxes.tensor.tolist() == [[34, 10, 54, 30], [4, 40, 24, 60]]
    assert first.labels.tolist() == [0, 1]
    assert second.bboxes.tensor.tolist() == [[39, 5, 59, 25]]
    assert second.labels.tolist() == [3]
    assert third.bboxes.tensor.tolist() == [[1, 1, 9, 9]]

    # Calibration decides: the same 0.5 box passes once its calibrated
    # confidence is sigmoid(3) = 0.95.
    set_calibration(model, 1., 3.)
    student = [sample([[34, 10, 54, 30]], [0], FLIP)]
    assert add_pseudo_labels(model, preds[:1], teacher[:1], student) == 2


def test_loss_trains_student_and_the_hook_refits_on_schedule(model):
    model.calibrator.num_fits.zero_()
    model.calibrator.num_observed.zero_()
    gen = torch.Generator().manual_seed(0)
    conf = torch.rand(200, generator=gen)
    model.calibrator.observe(conf, torch.rand(200, generator=gen) < conf)
    inputs = {
        branch: torch.rand(2, 3, 64, 64)
        for branch in ('teacher', 'student')
    }
    samples = {
        'teacher': [sample([[10, 10, 30, 30]], [0]),
                    sample()],
        'student':
        [sample([[34, 10, 54, 30]], [0], FLIP),
         sample(homography=FLIP)]
    }
    hook = CalibratorRefitHook(interval=3)
    runner = SimpleNamespace(model=model, iter=0)
    hook.before_train(runner)
    with logged_messages() as logged:
        for runner.iter in range(2):
            losses = model.loss(copy.deepcopy(inputs), copy.deepcopy(samples))
            hook.after_train_iter(runner, runner.iter)
            assert not model.calibrator.is_fitted  # loss itself never fits
            assert losses['pseudo_labels'] == 0  # nothing before the first fit
            assert torch.isfinite(sum(losses['loss_cls'])).all()
        slope = float(model.calibrator.slope)
        losses = model.loss(inputs, samples)
        runner.iter = 2  # the third iteration
        hook.after_train_iter(runner, runner.iter)
        assert model.calibrator.is_fitted
        assert float(losses['cali_slope']) == slope  # logged before the refit
        num, num_correct = model.calibrator.last_fit_data
        assert logged == [
            f'Calibrator refit at iteration 3 on {num} observations '
            f'({num_correct} correct): slope '
            f'{float(model.calibrator.slope):.4g}, intercept '
            f'{float(model.calibrator.intercept):.4g}'
        ]
        # Three iterations later: too few new observations, skipped and said.
        for runner.iter in range(3, 6):
            hook.after_train_iter(runner, runner.iter)
    num, num_correct = model.calibrator.last_fit_data
    assert num < model.calibrator.min_samples
    assert logged[1] == (
        f'Calibrator refit at iteration 6 skipped: {num} observations '
        f'({num_correct} correct); a fit needs at least 20 teacher boxes, '
        'some correct and some not. It keeps its previous fit.')
    sum(losses['loss_cls'] + losses['loss_bbox']).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None for p in model.student.parameters())


def test_refit_hook_needs_a_calibrator_and_a_positive_interval(model):
    with pytest.raises(ValueError, match='interval must be >= 1'):
        CalibratorRefitHook(interval=0)
    with pytest.raises(TypeError, match='Linear has none'):
        CalibratorRefitHook().before_train(
            SimpleNamespace(model=torch.nn.Linear(1, 1)))


def test_fit_interval_in_the_model_config_points_to_the_hook():
    cfg = Config.fromfile(CONFIG).model
    cfg.semi_train_cfg.fit_interval = 50
    with pytest.raises(ValueError, match='CalibratorRefitHook'):
        MODELS.build(cfg)


def test_missing_branch_is_named(model):
    with pytest.raises(KeyError, match='teacher'):
        model.loss({'student': torch.rand(1, 3, 64, 64)},
                   {'student': [sample()]})


def test_training_without_a_refit_schedule_is_refused():
    fresh = MODELS.build(Config.fromfile(CONFIG).model)
    inputs = torch.rand(1, 3, 64, 64)
    with pytest.raises(RuntimeError, match='CalibratorRefitHook'):
        fresh.loss({
            'teacher': inputs,
            'student': inputs
        }, {
            'teacher': [sample()],
            'student': [sample()]
        })
    CalibratorRefitHook(interval=7).before_train(SimpleNamespace(model=fresh))
    assert fresh.calibrator.refit_interval == 7
