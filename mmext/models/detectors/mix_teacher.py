"""MixTeacher: the mixed scale teacher (Sec. 3.2) and promoted pseudo-label
mining (Sec. 3.3) on mmdet's semi-supervised Soft Teacher.

Paper: MixTeacher: Mining Promising Labels with Mixed Scale Teacher for Semi-
Supervised Object Detection (Liu et al., CVPR 2023),
https://arxiv.org/abs/2303.09061.
Compared with the authors' code: docs/fidelity.md#mixteacher.
"""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmdet.models.detectors import SoftTeacher
from mmdet.models.utils import (filter_gt_instances, rename_loss_dict,
                                reweight_loss_dict)
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox_project
from mmdet.utils import InstanceList
from mmengine.structures import InstanceData
from torch import Tensor

from mmext.registry import MODELS, TASK_UTILS
from ..utils import training_iter
from .mixed_scale_faster_rcnn import MixedScaleFasterRCNN, average_scale_losses


@MODELS.register_module()
class MixTeacher(SoftTeacher):
    """Mixed scale teacher for semi-supervised object detection.

    MixTeacher (Liu et al., CVPR 2023) on mmdet's SoftTeacher recipe (EMA
    teacher updated by ``MeanTeacherHook``, weak/strong branches, box-jitter
    regression filter, background-score weighting):

    * teacher and student are :class:`MixedScaleFasterRCNN`; the teacher's
      pseudo labels come from its mixed scale pyramid (Sec. 3.2), its
      proposals with the detector's ``train_cfg.rpn_proposal`` (``test_cfg.
      rpn`` when unset), as the authors' ``extract_teacher_info``
      (lliuz/MixTeacher@135f284:ssod/models/soft_teacher_simple_msi.py:496;
      mmdet's SoftTeacher uses ``test_cfg.rpn``);
    * the student learns from labeled images and from pseudo labels on the
      regular, 0.5x and mixed pyramids, each loss averaged over the scales;
    * promoted pseudo-label mining (Sec. 3.3), off unless
      ``semi_train_cfg.miner`` is set (e.g. ``dict(type='mmext.
      PromotedPseudoLabelMiner')``), as in the authors' released configs,
      which set no ``mine_pseudo_threshold`` (ibid.:114): the miner
      re-scores the teacher's boxes between its low and high thresholds on
      the regular and the mixed pyramid; boxes whose score rises enough are
      classification pseudo labels though under ``cls_pseudo_thr``.

    ``semi_train_cfg`` takes SoftTeacher's keys plus ``miner`` (its
    ``high_thr`` is ``cls_pseudo_thr``), and ``unsup_start_iter`` /
    ``unsup_warmup_iters``: the unsupervised loss is off before the start
    iteration and then ramps up linearly, as in the authors' mining model
    (5000 and 2000 iterations); the teacher is not run while it is off. The
    iteration is read from the runner's message hub, so it resumes with the
    run.

    Args:
        detector (dict): Config of a :class:`MixedScaleFasterRCNN`.
        semi_train_cfg (dict): Semi-supervised training config.
        semi_test_cfg (dict): ``predict_on='teacher'`` or ``'student'``.
        data_preprocessor (dict): A ``MultiBranchDataPreprocessor`` config.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.student, MixedScaleFasterRCNN):
            raise TypeError('MixTeacher needs model.detector to be a '
                            'MixedScaleFasterRCNN, got '
                            f'{type(self.student).__name__}')
        miner = self.semi_train_cfg.get('miner')
        self.miner = None
        if miner is not None:
            high_thr = self.semi_train_cfg.cls_pseudo_thr
            self.miner = TASK_UTILS.build(
                miner, default_args=dict(high_thr=high_thr))
            if self.miner.high_thr != high_thr:
                raise ValueError(
                    'semi_train_cfg.miner.high_thr must equal '
                    f'semi_train_cfg.cls_pseudo_thr ({high_thr}), got '
                    f'{self.miner.high_thr}; leave it unset')

    def unsup_loss_factor(self) -> float:
        """Ramp of the unsupervised loss at the current iteration."""
        start = self.semi_train_cfg.get('unsup_start_iter', 0)
        warmup = self.semi_train_cfg.get('unsup_warmup_iters', 0)
        cur_iter = training_iter()
        if cur_iter < start:
            return 0.
        if warmup <= 0:
            return 1.
        return min(1., (cur_iter - start) / warmup)

    def loss(self, multi_batch_inputs: Dict[str, Tensor],
             multi_batch_data_samples: Dict[str, SampleList]) -> dict:
        """Supervised losses plus, once started, the ramped pseudo-label
        losses."""
        losses = self.loss_by_gt_instances(multi_batch_inputs['sup'],
                                           multi_batch_data_samples['sup'])
        factor = self.unsup_loss_factor()
        if factor > 0:
            pseudo_samples, batch_info = self.get_pseudo_instances(
                multi_batch_inputs['unsup_teacher'],
                multi_batch_data_samples['unsup_teacher'])
            losses.update(self.pseudo_label_stats(pseudo_samples))
            student_samples = self.project_pseudo_instances(
                pseudo_samples, multi_batch_data_samples['unsup_student'])
            losses.update(
                reweight_loss_dict(
                    self.loss_by_pseudo_instances(
                        multi_batch_inputs['unsup_student'], student_samples,
                        batch_info), factor))
        return losses

    def pseudo_label_stats(self, batch_data_samples: SampleList) -> dict:
        """Pseudo labels per image passing ``cls_pseudo_thr``, and promoted
        ones, for the training log (keys without 'loss' are only logged)."""
        instances = [samples.gt_instances for samples in batch_data_samples]
        confident = sum(
            int((inst.scores > self.semi_train_cfg.cls_pseudo_thr).sum())
            for inst in instances)
        stats = dict(unsup_pseudo_labels=confident / len(instances))
        if self.miner is not None:
            promoted = sum(int(inst.promoted.sum()) for inst in instances)
            stats['unsup_promoted_labels'] = promoted / len(instances)
        device = self.data_preprocessor.device
        return {k: torch.tensor(v, device=device) for k, v in stats.items()}

    @torch.no_grad()
    def get_pseudo_instances(
            self, batch_inputs: Tensor,
            batch_data_samples: SampleList) -> Tuple[SampleList, dict]:
        """Pseudo labels of the mixed scale teacher, in original image
        coordinates, with ``reg_uncs`` and (mining on) ``promoted``."""
        pyramids = self.teacher.extract_scale_feats(batch_inputs,
                                                    batch_data_samples,
                                                    ('regular', 'mixed'))
        x = pyramids['mixed'][0]
        rpn_results_list = self.teacher.rpn_head.predict_by_feat(
            *self.teacher.rpn_head(x),
            batch_img_metas=[s.metainfo for s in batch_data_samples],
            cfg=self.teacher.rpn_proposal_cfg,
            rescale=False)
        results_list = self.teacher.roi_head.predict(
            x, rpn_results_list, batch_data_samples, rescale=False)
        for data_samples, results in zip(batch_data_samples, results_list):
            data_samples.gt_instances = results
        batch_data_samples = filter_gt_instances(
            batch_data_samples,
            score_thr=self.semi_train_cfg.pseudo_label_initial_score_thr)
        if self.miner is not None:
            self.mark_promoted(pyramids['regular'][0], x, batch_data_samples)

        reg_uncs_list = self.compute_uncertainty_with_aug(
            x, batch_data_samples)
        device = self.data_preprocessor.device
        batch_info = dict(
            feat=x, img_shape=[], homography_matrix=[], metainfo=[])
        for data_samples, reg_uncs in zip(batch_data_samples, reg_uncs_list):
            homography = torch.from_numpy(
                data_samples.homography_matrix).to(device)
            data_samples.gt_instances['reg_uncs'] = reg_uncs
            data_samples.gt_instances.bboxes = bbox_project(
                data_samples.gt_instances.bboxes, homography.inverse(),
                data_samples.ori_shape)
            batch_info['img_shape'].append(data_samples.img_shape)
            batch_info['homography_matrix'].append(homography)
            batch_info['metainfo'].append(data_samples.metainfo)
        return batch_data_samples, batch_info

    def mark_promoted(self, regular_x: Tuple[Tensor,
                                             ...], mixed_x: Tuple[Tensor, ...],
                      batch_data_samples: SampleList) -> None:
        """Add a boolean ``promoted`` field to each sample's pseudo labels.

        Candidates are re-scored by the teacher's RoI head on both pyramids,
        each at the box itself, for the box's class (Sec. 3.3).
        """
        candidates = [
            self.miner.candidates(data_samples.gt_instances.scores)
            for data_samples in batch_data_samples
        ]
        for data_samples, cand in zip(batch_data_samples, candidates):
            data_samples.gt_instances.promoted = torch.zeros_like(cand)
        if not any(cand.any() for cand in candidates):
            return
        rois = [
            InstanceData(bboxes=data_samples.gt_instances.bboxes[cand])
            for data_samples, cand in zip(batch_data_samples, candidates)
        ]
        metainfo = [samples.metainfo for samples in batch_data_samples]
        per_scale = [
            self.teacher.roi_head.predict_bbox(
                x, metainfo, rois, rcnn_test_cfg=None, rescale=False)
            for x in (regular_x, mixed_x)
        ]
        for i, (data_samples,
                cand) in enumerate(zip(batch_data_samples, candidates)):
            instances = data_samples.gt_instances
            labels = instances.labels[cand]
            rows = torch.arange(len(labels), device=labels.device)
            regular_scores = per_scale[0][i].scores[rows, labels]
            mixed_scores = per_scale[1][i].scores[rows, labels]
            instances.promoted[cand] = self.miner(instances.scores[cand],
                                                  regular_scores, mixed_scores)

    def loss_by_pseudo_instances(self,
                                 batch_inputs: Tensor,
                                 batch_data_samples: SampleList,
                                 batch_info: Optional[dict] = None) -> dict:
        """SoftTeacher's pseudo-label losses on each of the student's
        training scales, averaged, times ``unsup_weight``."""
        per_scale = {}
        for scale, (x, samples) in self.student.extract_scale_feats(
                batch_inputs, batch_data_samples,
                self.student.train_scales).items():
            losses, rpn_results_list = self.rpn_loss_by_pseudo_instances(
                x, samples)
            losses.update(
                self.rcnn_cls_loss_by_pseudo_instances(x, rpn_results_list,
                                                       samples, batch_info))
            losses.update(
                self.rcnn_reg_loss_by_pseudo_instances(x, rpn_results_list,
                                                       samples))
            per_scale[scale] = losses
        unsup_weight = self.semi_train_cfg.get('unsup_weight', 1.)
        return rename_loss_dict(
            'unsup_',
            reweight_loss_dict(average_scale_losses(per_scale), unsup_weight))

    def rcnn_cls_loss_by_pseudo_instances(self, x: Tuple[Tensor],
                                          unsup_rpn_results_list: InstanceList,
                                          batch_data_samples: SampleList,
                                          batch_info: dict) -> dict:
        """SoftTeacher's classification loss, where promoted boxes pass the
        ``cls_pseudo_thr`` filter whatever their score.

        Without any proposal (the RPN's boxes are all non-finite, e.g. after
        a learning-rate spike: NMS drops them) there is no RoI to classify:
        the loss is 0 (mmdet's SoftTeacher fails with ``KeyError:
        'loss_cls'``), and the non-finite losses of the iteration stop the
        run with ``NonFiniteCheckHook``'s message."""
        if not any(len(results) for results in unsup_rpn_results_list):
            head = self.student.roi_head.bbox_head
            return dict(loss_cls=sum(p.sum() for p in head.parameters()) * 0)
        if self.miner is not None:
            promoted_samples = []
            for data_samples in batch_data_samples:
                data_samples = copy.deepcopy(data_samples)
                instances = data_samples.gt_instances
                instances.scores = torch.where(
                    instances.promoted, torch.ones_like(instances.scores),
                    instances.scores)
                promoted_samples.append(data_samples)
            batch_data_samples = promoted_samples
        return super().rcnn_cls_loss_by_pseudo_instances(
            x, unsup_rpn_results_list, batch_data_samples, batch_info)
