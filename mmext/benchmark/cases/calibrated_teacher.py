"""Calibrated Teacher: the FIoU head against mmdet's RetinaHead and a
training step against mmdet's RetinaNet on the same sparse labels."""
import copy
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import (DEMO_CONFIGS, Built, demo_batch, dense_head, loss_step,
                     models_in_scope, packaged_config)


def retina_head(impl: str, device: str) -> torch.nn.Module:
    """RetinaNet R-50's head; mmext's adds the Focal IoU weight."""
    cfg = packaged_config(
        'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py').model
    head_cfg = cfg.bbox_head
    head_cfg.update(train_cfg=cfg.train_cfg, test_cfg=cfg.test_cfg)
    head_cfg.pop('_scope_', None)
    if impl == 'mmext':
        head_cfg.update(
            type='mmext.FIoURetinaHead',
            focal_iou_weight=dict(type='mmext.FocalIoUWeight'))
    torch.manual_seed(0)
    head = models_in_scope('mmdet').build(head_cfg)
    head.init_weights()
    return head.to(device)


def calibrated_teacher(impl: str,
                       batch: int = 2,
                       pseudo_labels: int = 20) -> Callable[[str], Built]:
    """The demo's Calibrated Teacher step (teacher's prediction, calibration
    observations, pseudo labels merged into the annotations, the student's
    loss with the Focal IoU weight; thresholds lowered so that every teacher
    box becomes a pseudo label, the worst case), or mmdet's RetinaNet with
    the student's weights trained on the same sparse annotations."""

    def build(device: str) -> Built:
        models = models_in_scope('mmext')
        cfg = copy.deepcopy(
            packaged_config(DEMO_CONFIGS['calibrated_teacher']).model)
        cfg.semi_train_cfg.update(
            initial_score_thr=0.,
            calibrated_score_thr=0.,
            min_pseudo_bbox_size=0.)
        cfg.detector.test_cfg.update(score_thr=0., max_per_img=pseudo_labels)
        torch.manual_seed(0)
        model = models.build(cfg)
        model.init_weights()
        model.teacher.load_state_dict(model.student.state_dict())
        model.calibrator.num_fits.fill_(1)
        model.calibrator.refit_interval = 500  # as CalibratorRefitHook sets
        if impl == 'mmdet':
            plain = copy.deepcopy(cfg.detector)
            plain.type = 'mmdet.RetinaNet'
            plain.bbox_head.type = 'mmdet.RetinaHead'
            plain.bbox_head.pop('focal_iou_weight')
            plain = models.build(plain)
            plain.load_state_dict(model.student.state_dict())
            plain.to(device)
        model.to(device)
        preprocessor = model.data_preprocessor.data_preprocessor
        num_classes = model.student.bbox_head.num_classes

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            inputs, samples = demo_batch(preprocessor, size, batch, gts,
                                         num_classes, device)
            if impl == 'mmdet':
                return dict(train=loss_step(plain, inputs, samples))
            return dict(
                train=loss_step(model, dict(teacher=inputs, student=inputs),
                                dict(teacher=samples, student=samples)))

        return model.student if impl == 'mmext' else plain, steps_for

    return build


register_cases({
    'fiou-head':
    Case(
        'FIoURetinaHead (R-50 head)',
        Side('mmext', dense_head(retina_head, 'mmext')),
        Side('mmdet RetinaHead', dense_head(retina_head, 'mmdet')),
        gts=10),
    'calibrated-teacher':
    Case(
        'Calibrated Teacher step (demo RetinaNet R-18, 2 images, 20 '
        'pseudo labels each)',
        Side('CalibratedTeacher', calibrated_teacher('mmext')),
        Side('mmdet RetinaNet', calibrated_teacher('mmdet')),
        size=(256, 256),
        gts=5),
})
