"""MixTeacher: a training step against mmdet's SoftTeacher with the same
detector weights and semi-supervised settings."""
import copy
from typing import Callable, Dict, Optional

import torch

from ..harness import Case, Side, Size, Step, register_cases
from .common import (DEMO_CONFIGS, Built, demo_batch, loss_step,
                     models_in_scope, packaged_config)

MIXED_SCALE_KEYS = ('fusion', 'train_scales', 'test_scale', 'size_divisor')


def semi_teacher(impl: str,
                 labeled: int = 1,
                 unlabeled: int = 4,
                 pseudo_labels: int = 20) -> Callable[[str], Built]:
    """MixTeacher (the demo's Faster R-CNN R-18 FPN) or mmdet's SoftTeacher
    with the same detector weights and semi-supervised settings, on
    ``labeled`` + ``unlabeled`` images (the paper's 1:4); the untrained
    teacher's thresholds are lowered so that every unlabeled image gets
    ``pseudo_labels`` pseudo labels, every one of them a mining candidate
    (mining's worst case)."""

    def build(device: str) -> Built:
        cfg = copy.deepcopy(packaged_config(DEMO_CONFIGS['mixteacher']).model)
        semi = cfg.semi_train_cfg
        semi.update(
            pseudo_label_initial_score_thr=0.,
            rpn_pseudo_thr=0.,
            reg_pseudo_thr=float('inf'),
            unsup_start_iter=0,
            unsup_warmup_iters=0)
        detector = cfg.detector
        detector.test_cfg.rcnn.update(score_thr=0., max_per_img=pseudo_labels)
        if impl == 'mmdet':
            cfg.type = 'mmdet.SoftTeacher'
            detector.type = 'mmdet.FasterRCNN'
            for key in MIXED_SCALE_KEYS:
                detector.pop(key, None)
            semi.pop('miner', None)
        else:  # mining on (the demo config has it off): all are candidates
            semi.miner = dict(
                type='mmext.PromotedPseudoLabelMiner', low_thr=0.)
        torch.manual_seed(0)
        model = models_in_scope('mmext').build(cfg)
        model.init_weights()
        model.teacher.load_state_dict(model.student.state_dict())
        model.to(device)
        preprocessor = model.data_preprocessor.data_preprocessor
        num_classes = model.student.roi_head.bbox_head.num_classes

        def steps_for(size: Size, gts: Optional[int]) -> Dict[str, Step]:
            sup = demo_batch(preprocessor, size, labeled, 5, num_classes,
                             device)
            unsup = demo_batch(preprocessor, size, unlabeled, 0, num_classes,
                               device)
            inputs = dict(
                sup=sup[0], unsup_teacher=unsup[0], unsup_student=unsup[0])
            samples = dict(
                sup=sup[1], unsup_teacher=unsup[1], unsup_student=unsup[1])
            return dict(train=loss_step(model, inputs, samples))

        return model.student, steps_for

    return build


register_cases({
    'mixteacher':
    Case(
        'MixTeacher step (demo Faster R-CNN R-18, 1 + 4 images, 20 '
        'pseudo labels each)',
        Side('MixTeacher', semi_teacher('mmext')),
        Side('mmdet SoftTeacher', semi_teacher('mmdet')),
        size=(256, 256)),
})
