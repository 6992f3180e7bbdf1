"""DMDD: decoupled student-teacher distillation, then the segmentation of
the discrepancies, on synthetic anomalies.

Paper: Dual-Modeling Decouple Distillation for Unsupervised Anomaly Detection
(ACM MM 2024; no official code), https://arxiv.org/abs/2408.03888.
Compared with DeSTSeg's code, which DMDD builds on: docs/fidelity.md#dmdd.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.structures import SegDataSample
from torch import Tensor

from mmext.registry import MODELS
from ..utils import mask_at, training_iter


@MODELS.register_module()
class DMDD(BaseSegmentor):
    """Dual-Modeling Decouple Distillation for unsupervised anomaly detection
    (Liu et al., ACM MM 2024).

    A frozen teacher encoder (ImageNet WideResNet-50 in the paper), a
    :class:`DecoupledStudent` whose normality and abnormality features are
    distilled on normal-anomaly pairs (:class:`DualModelingDistillationLoss`)
    and a :class:`MultiPerceptionSegHead` trained on the synthetic masks
    with focal and L1 losses (DeSTSeg's, gamma 4).

    Training has DeSTSeg's two stages, by iteration: for the first
    ``distill_iters`` only the student learns (distillation losses); after
    that the student is frozen (eval mode, no gradient) and only the
    segmentation head learns. At test time the head's sigmoid map, upsampled
    to the input, is the anomaly map and the mean of its ``image_score_topk``
    highest values the image's score (DeSTSeg's T = 100).

    An mmseg ``BaseSegmentor`` (its ``forward`` dispatches the modes):
    ``extract_feat`` gives the teacher's and both student branches'
    features, ``encode_decode`` the anomaly logits at the input's size.

    Args:
        teacher (dict): Backbone config, e.g. ``WideResNet`` with
            ``out_indices=(0, 1, 2)`` and a ``Pretrained`` ``init_cfg``.
        student (dict): :class:`DecoupledStudent` config.
        seg_head (dict): :class:`MultiPerceptionSegHead` config.
        distill_loss (dict): :class:`DualModelingDistillationLoss` config.
        loss_focal (dict): Focal loss on the anomaly logits (mmdet's
            ``FocalLoss``).
        loss_l1 (dict): L1 loss on the anomaly probabilities.
        distill_iters (int): Iterations of the distillation stage.
        image_score_topk (int): Pixels averaged into the image score.
        map_size (str): ``'original'`` (default): anomaly maps resized to
            each image's original size, where the masks are; ``'input'``:
            at the network's input size (its own output, which DeSTSeg
            evaluates against masks resized to it; ``LoadAnomalyMask(
            scale=...)``).
        data_preprocessor (dict, optional): ``AnomalyDataPreProcessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 teacher: ConfigType,
                 student: ConfigType,
                 seg_head: ConfigType,
                 distill_loss: ConfigType = dict(
                     type='DualModelingDistillationLoss'),
                 loss_focal: ConfigType = dict(
                     type='FocalLoss',
                     use_sigmoid=True,
                     gamma=4.0,
                     alpha=0.5,
                     loss_weight=2.0),
                 loss_l1: ConfigType = dict(type='L1Loss', loss_weight=1.0),
                 distill_iters: int = 1000,
                 image_score_topk: int = 100,
                 map_size: str = 'original',
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if distill_iters < 0 or image_score_topk < 1:
            raise ValueError('distill_iters must be >= 0 and '
                             'image_score_topk >= 1, got '
                             f'{distill_iters} and {image_score_topk}')
        if map_size not in ('original', 'input'):
            raise ValueError('model.map_size must be \'original\' or '
                             f'\'input\', got {map_size!r}')
        self.teacher = MODELS.build(teacher)
        self.teacher.requires_grad_(False)
        self.student = MODELS.build(student)
        self.seg_head = MODELS.build(seg_head)
        self.distill_loss = MODELS.build(distill_loss)
        self.loss_focal = MODELS.build(loss_focal)
        self.loss_l1 = MODELS.build(loss_l1)
        self.distill_iters = distill_iters
        self.image_score_topk = image_score_topk
        self.map_size = map_size

    def train(self, mode: bool = True) -> 'DMDD':
        """Train mode everywhere but in the frozen teacher."""
        super().train(mode)
        self.teacher.eval()
        return self

    @torch.no_grad()
    def teacher_features(self, images: Tensor) -> List[Tensor]:
        return list(self.teacher(images))

    def student_features(
            self, images: Tensor,
            teacher: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """The student's normality and abnormality features of ``images``,
        checked against the teacher's features of them."""
        normality, abnormality = self.student(images)
        for t, s in zip(teacher, normality):
            if t.shape != s.shape:
                raise ValueError(
                    f'teacher feature {tuple(t.shape)} and student feature '
                    f'{tuple(s.shape)} differ: set the student\'s '
                    'out_channels to the teacher\'s and give its encoder '
                    'the teacher\'s strides')
        return normality, abnormality

    def extract_feat(self, inputs: Tensor) -> Tuple[List[Tensor], ...]:
        """The teacher's features and the student's normality and
        abnormality features of normalised images."""
        teacher = self.teacher_features(inputs)
        return (teacher, *self.student_features(inputs, teacher))

    def anomaly_logits(self, images: Tensor) -> Tensor:
        """Anomaly logits ``(B, 1, H/4, W/4)`` of normalised images."""
        return self.seg_head(*self.extract_feat(images))

    def encode_decode(self,
                      inputs: Tensor,
                      batch_img_metas: Optional[List[dict]] = None) -> Tensor:
        """Anomaly logits upsampled to the inputs' size."""
        return F.interpolate(
            self.anomaly_logits(inputs),
            size=inputs.shape[-2:],
            mode='bilinear',
            align_corners=False)

    def in_distillation_stage(self) -> bool:
        return training_iter() < self.distill_iters

    def loss(self, inputs: Tensor,
             data_samples: Sequence[SegDataSample]) -> Dict[str, Tensor]:
        masks = torch.stack([s.gt_sem_seg.data for s in data_samples])
        teacher = self.teacher_features(inputs)
        if self.in_distillation_stage():
            normal = torch.stack([s.normal_img.data for s in data_samples])
            return self.distill_loss(*self.student_features(inputs, teacher),
                                     self.teacher_features(normal), teacher,
                                     masks)
        self.student.eval()
        with torch.no_grad():
            student = self.student_features(inputs, teacher)
        logits = self.seg_head(teacher, *student)
        target = mask_at(masks, logits.shape[-2:])
        # Class-index targets (0: anomalous, 1: normal, i.e. "background"),
        # so that mmdet's FocalLoss runs mmcv's sigmoid_focal_loss kernel on
        # CUDA (its one-hot form would always take the PyTorch version).
        return dict(
            loss_focal=self.loss_focal(
                logits.reshape(-1, 1), (1 - target).long().reshape(-1)),
            loss_l1=self.loss_l1(logits.sigmoid(), target))

    def anomaly_maps_and_scores(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Anomaly maps ``(B, 1, H, W)`` in [0, 1] at the inputs' size and
        image scores ``(B, )``, the mean of each map's top-k values: the
        network part of :meth:`predict` (what an ONNX export holds)."""
        maps = self.encode_decode(inputs).sigmoid()
        k = min(self.image_score_topk, maps[0].numel())
        scores = maps.flatten(1).topk(k, dim=1).values.mean(1)
        return maps, scores

    def predict(self, inputs: Tensor,
                data_samples: Sequence[SegDataSample]) -> List[SegDataSample]:
        """Anomaly maps at each image's original size (or input size, with
        ``map_size='input'``) and image scores.

        Returns:
            list[SegDataSample]: The samples with ``pred_anomaly_map``
            (``PixelData``, ``(1, H, W)`` in [0, 1]) and ``pred_score``.
        """
        maps, scores = self.anomaly_maps_and_scores(inputs)
        for sample, score_map, score in zip(data_samples, maps, scores):
            h, w = sample.metainfo.get('img_shape', score_map.shape[-2:])
            score_map = score_map[:, :h, :w]
            ori_shape = sample.metainfo.get('ori_shape', (h, w))[:2]
            if self.map_size == 'original' and tuple(ori_shape) != (h, w):
                score_map = F.interpolate(
                    score_map[None],
                    size=ori_shape,
                    mode='bilinear',
                    align_corners=False)[0]
            sample.pred_anomaly_map = PixelData(data=score_map)
            sample.pred_score = score
        return list(data_samples)

    def _forward(
            self,
            inputs: Tensor,
            data_samples: Optional[Sequence[SegDataSample]] = None) -> Tensor:
        return self.anomaly_logits(inputs)
