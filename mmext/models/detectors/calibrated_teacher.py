"""Calibrated Teacher: a teacher whose pseudo labels pass a threshold on
calibrated confidences, on mmdet's semi-supervised skeleton.

Paper: Calibrated Teacher for Sparsely Annotated Object Detection (Wang et al.,
AAAI 2023), https://arxiv.org/abs/2303.07582.
Compared with the authors' code: docs/fidelity.md#calibrated-teacher.
"""
import copy
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmdet.models.detectors import SemiBaseDetector
from mmdet.structures import SampleList
from mmdet.structures.bbox import BaseBoxes, bbox_project, get_box_tensor
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import Tensor

from mmext.registry import MODELS, TASK_UTILS
from ..task_modules.calibration import covers_annotation, matches_annotation
from ..utils import heads_in_float32


@MODELS.register_module()
class CalibratedTeacher(SemiBaseDetector):
    """Teacher-student training on sparsely annotated images with a
    calibrated teacher.

    Calibrated Teacher (Wang et al., AAAI 2023). Every training image has
    some of its objects annotated; each comes in two views, ``'teacher'``
    (weak augmentation) and ``'student'`` (strong augmentation), and the EMA
    teacher (mmdet's ``MeanTeacherHook``) labels the objects the annotators
    missed:

    1. the teacher predicts on its view; boxes scoring at least
       ``initial_score_thr`` (0.4) are candidates;
    2. candidates on an annotated object (:func:`covers_annotation` with a
       same-class IoU above ``observation_iou_thr``, 0.5) are calibration
       observations: correct when they overlap an annotated box of their
       class by IoU > ``match_iou_thr`` (0.75). Only these are observed
       because the sparse labels cannot tell whether a box on an
       unannotated object is right. The authors' code selects them with
       ``split_sparse_dt``'s default 0.5, not the 0.6 of their pseudo-label
       rule (step 4), so a candidate in between is observed as wrong and may
       still become a pseudo label; mmext follows it;
    3. every 500 iterations the calibrator (:class:`ConfidenceCalibrator`)
       is refitted on the observations (:class:`CalibratorRefitHook`, which
       configs add to ``custom_hooks`` beside ``MeanTeacherHook``);
    4. once it has been fitted, candidates whose *calibrated* confidence is
       at least ``calibrated_score_thr`` (0.7), that are larger than
       ``min_pseudo_bbox_size`` (10 px) both ways in the student's view and
       that duplicate no annotated box, are added to the student's
       annotations; before the first fit the student learns from the sparse
       annotations only (the authors' code does the same);
    5. the student's loss is its detector's ordinary loss on these labels
       (with :class:`FIoURetinaHead` / :class:`FIoURoIHead` for the Focal IoU
       weight).

    Defaults are the authors' configuration (``ori_thr=0.4``,
    ``strict_thr=0.7``, ``mining_th_score=0.6``, ``mining_min_size=10``,
    500-iteration windows, ``cali_method='logistic'``, ``cali_input='c'``).
    The calibrator's state is part of the model's, so ``--resume``
    continues the schedule of fits exactly. The defaults below are the one
    source of the authors' thresholds: configs set only what they change.

    Args:
        detector (dict): The detector config (teacher and student).
        semi_train_cfg (dict): Keys ``initial_score_thr``,
            ``calibrated_score_thr``, ``match_iou_thr``,
            ``same_class_iou_thr`` (0.6), ``observation_iou_thr`` (0.5),
            ``any_class_iou_thr`` (0.75),
            ``iof_thr`` (0.9), ``min_pseudo_bbox_size``, ``freeze_teacher``
            and ``calibrator`` (a :class:`ConfidenceCalibrator` config).
        semi_test_cfg (dict): ``predict_on='teacher'`` or ``'student'``.
        data_preprocessor (dict): A ``MultiBranchDataPreprocessor`` config.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    branches = ('teacher', 'student')
    default_train_cfg = dict(
        initial_score_thr=0.4,
        calibrated_score_thr=0.7,
        match_iou_thr=0.75,
        same_class_iou_thr=0.6,
        observation_iou_thr=0.5,
        any_class_iou_thr=0.75,
        iof_thr=0.9,
        min_pseudo_bbox_size=10.,
        calibrator=dict(type='mmext.ConfidenceCalibrator'))

    def __init__(self,
                 detector: ConfigType,
                 semi_train_cfg: OptConfigType = None,
                 semi_test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if 'fit_interval' in (semi_train_cfg or {}):
            raise ValueError(
                'semi_train_cfg.fit_interval: the calibrator is refitted by '
                "custom_hooks' dict(type='mmext.CalibratorRefitHook', "
                'interval=...) now')
        train_cfg = ConfigDict(copy.deepcopy(self.default_train_cfg))
        train_cfg.update(semi_train_cfg or {})
        super().__init__(
            detector=detector,
            semi_train_cfg=train_cfg,
            semi_test_cfg=semi_test_cfg or dict(predict_on='teacher'),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.calibrator = TASK_UTILS.build(train_cfg['calibrator'])
        # Mixed precision: scores, boxes and the confidences the calibrator
        # observes in float32 (mmcv's CPU NMS refuses bfloat16 scores).
        heads_in_float32(self.student)
        heads_in_float32(self.teacher)

    def loss(self, multi_batch_inputs: Dict[str, Tensor],
             multi_batch_data_samples: Dict[str, SampleList]) -> dict:
        """Student losses on the sparse annotations plus the calibrated
        teacher's pseudo labels (mmdet's semi-supervised steps:
        :meth:`get_pseudo_instances` on the teacher's view,
        :meth:`project_pseudo_instances` into the student's)."""
        missing = set(self.branches) - set(multi_batch_inputs)
        if missing:
            raise KeyError(
                f'CalibratedTeacher needs the data branches {self.branches} '
                f'(MultiBranch branch_field), got {sorted(multi_batch_inputs)}'
            )
        if self.calibrator.refit_interval is None:
            raise RuntimeError(
                f'{type(self).__name__} is trained without its calibrator\'s '
                "refit schedule: add dict(type='mmext.CalibratorRefitHook', "
                'interval=500) to custom_hooks (the authors refit every 500 '
                'iterations). Without refits the calibrator stays the '
                'identity and no teacher box passes the calibrated threshold '
                'as the paper sets it. A script of its own that fits the '
                'calibrator itself sets model.calibrator.refit_interval.')
        pseudo_samples, _ = self.get_pseudo_instances(
            multi_batch_inputs['teacher'], multi_batch_data_samples['teacher'])
        student_samples = multi_batch_data_samples['student']
        num_annotated = sum(len(s.gt_instances) for s in student_samples)
        student_samples = self.project_pseudo_instances(
            pseudo_samples, student_samples)
        num_added = sum(len(s.gt_instances)
                        for s in student_samples) - num_annotated
        losses = self.student.loss(multi_batch_inputs['student'],
                                   student_samples)
        device = self.data_preprocessor.device
        losses.update(
            pseudo_labels=torch.tensor(
                num_added / len(student_samples), device=device),
            cali_slope=self.calibrator.slope.detach().clone(),
            cali_intercept=self.calibrator.intercept.detach().clone())
        return losses

    @torch.no_grad()
    def get_pseudo_instances(
            self, batch_inputs: Tensor,
            batch_data_samples: SampleList) -> Tuple[SampleList, dict]:
        """Steps 1, 2 and the score test of 4, in the teacher's view: the
        teacher's candidates are observed for calibration, then those whose
        calibrated confidence is at least ``calibrated_score_thr`` replace
        the samples' ``gt_instances`` (``scores``: calibrated), as mmdet's
        ``SoftTeacher`` does; none before the first fit."""
        candidates = self.teacher_candidates(batch_inputs, batch_data_samples)
        self.observe(candidates, batch_data_samples)
        self.select_pseudo_instances(candidates, batch_data_samples)
        return batch_data_samples, {}

    def select_pseudo_instances(self, candidates: List[InstanceData],
                                batch_data_samples: SampleList) -> None:
        """Set each sample's ``gt_instances`` to its candidates whose
        calibrated confidence is at least ``calibrated_score_thr`` (none
        before the calibrator's first fit)."""
        for pred, sample in zip(candidates, batch_data_samples):
            if not self.calibrator.is_fitted:
                sample.gt_instances = pred[:0]
                continue
            scores = self.calibrator(pred.scores)
            keep = scores >= self.semi_train_cfg.calibrated_score_thr
            sample.gt_instances = InstanceData(
                bboxes=pred.bboxes[keep],
                labels=pred.labels[keep],
                scores=scores[keep])

    def project_pseudo_instances(self, batch_pseudo_instances: SampleList,
                                 batch_data_samples: SampleList) -> SampleList:
        """The rest of step 4, in the student's view: the teacher view's
        pseudo labels projected (through the original image's coordinates),
        those larger than ``min_pseudo_bbox_size`` both ways and duplicating
        no annotated box are appended to the student's annotations (mmdet's
        version replaces the annotations and its ``filter_gt_instances``
        would filter them too)."""
        cfg = self.semi_train_cfg
        device = self.data_preprocessor.device
        for t_sample, s_sample in zip(batch_pseudo_instances,
                                      batch_data_samples):
            pseudo = t_sample.gt_instances
            if len(pseudo) == 0:
                continue
            teacher_to_student = torch.from_numpy(
                s_sample.homography_matrix @ np.linalg.inv(
                    t_sample.homography_matrix)).float().to(device)
            bboxes = bbox_project(pseudo.bboxes, teacher_to_student,
                                  s_sample.img_shape)
            gt = s_sample.gt_instances
            wh = bboxes[:, 2:] - bboxes[:, :2]
            keep = ((wh > cfg.min_pseudo_bbox_size).all(dim=1)
                    & ~self.duplicates_annotation(bboxes, pseudo.labels, gt))
            if not keep.any():
                continue
            gt_bboxes = get_box_tensor(gt.bboxes)
            merged = torch.cat([gt_bboxes, bboxes[keep].to(gt_bboxes.dtype)])
            if isinstance(gt.bboxes, BaseBoxes):
                merged = type(gt.bboxes)(merged)
            s_sample.gt_instances = InstanceData(
                bboxes=merged,
                labels=torch.cat(
                    [gt.labels, pseudo.labels[keep].to(gt.labels.dtype)]))
        return batch_data_samples

    @torch.no_grad()
    def teacher_candidates(self, batch_inputs: Tensor,
                           batch_data_samples: SampleList) -> List:
        """Teacher predictions scoring at least ``initial_score_thr``, in
        the teacher view's coordinates (one ``InstanceData`` per image); the
        samples gain ``pred_instances``, as in mmdet's teachers."""
        self.teacher.eval()
        results = self.teacher.predict(
            batch_inputs, batch_data_samples, rescale=False)
        thr = self.semi_train_cfg.initial_score_thr
        return [
            res.pred_instances[res.pred_instances.scores >= thr]
            for res in results
        ]

    def observe(self, candidates: List[InstanceData],
                teacher_samples: SampleList) -> None:
        """Feed the calibrator the candidates whose correctness the sparse
        annotations can tell (those duplicating an annotated box)."""
        for pred, sample in zip(candidates, teacher_samples):
            gt = sample.gt_instances
            covered = self.duplicates_annotation(
                pred.bboxes, pred.labels, gt,
                self.semi_train_cfg.observation_iou_thr)
            correct = matches_annotation(pred.bboxes[covered],
                                         pred.labels[covered],
                                         get_box_tensor(gt.bboxes), gt.labels,
                                         self.semi_train_cfg.match_iou_thr)
            self.calibrator.observe(pred.scores[covered], correct)

    def duplicates_annotation(
            self,
            bboxes: Tensor,
            labels: Tensor,
            gt: InstanceData,
            same_class_iou_thr: Optional[float] = None) -> Tensor:
        """Which boxes ``(n, 4)`` duplicate one of ``gt``'s
        (:func:`covers_annotation` with ``semi_train_cfg``'s thresholds;
        ``same_class_iou_thr`` defaults to the pseudo-label rule's)."""
        cfg = self.semi_train_cfg
        if same_class_iou_thr is None:
            same_class_iou_thr = cfg.same_class_iou_thr
        return covers_annotation(bboxes, labels, get_box_tensor(gt.bboxes),
                                 gt.labels, same_class_iou_thr,
                                 cfg.any_class_iou_thr, cfg.iof_thr)
