"""SSD-Det's refinement head: proposal bags, SPSD, the two MIL stages and
SISD.

Paper: Spatial Self-Distillation for Object Detection with Inaccurate Bounding
Boxes (Wu et al., ICCV 2023), https://arxiv.org/abs/2307.12101.
Compared with the authors' code: docs/fidelity.md#ssd-det.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
from mmdet.models.losses.gfocal_loss import quality_focal_loss_with_prob
from mmdet.structures import SampleList
from mmdet.structures.bbox import (HorizontalBoxes, bbox2roi, get_box_tensor,
                                   scale_boxes)
from mmdet.utils import ConfigType, InstanceList, OptConfigType, OptMultiConfig
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmext.ops import box_iou
from mmext.registry import MODELS, TASK_UTILS
from ..utils import (box_bags, instance_weights, merge_bag_topk,
                     random_negative_boxes, widen_to_min_size)


def _fc_stack(in_channels: int, channels: int, num: int) -> nn.Sequential:
    layers: List[nn.Module] = [nn.Flatten(1)]
    for i in range(num):
        layers += [
            nn.Linear(in_channels if i == 0 else channels, channels),
            nn.ReLU(inplace=True)
        ]
    return nn.Sequential(*layers)


class ProposalBags(NamedTuple):
    """Step 1: the widened noisy boxes ``(G, 4)``, their labels ``(G, )``,
    bags ``(G, N, 4)`` with valid proposals ``(G, N)``, boxes per image."""
    noisy: Tensor
    labels: Tensor
    bags: Tensor
    valid: Tensor
    num_boxes: List[int]


class SPSDOutput(NamedTuple):
    """Step 2: regression deltas ``(G N, 4)`` onto the noisy boxes and the
    regressed (detached) bag ``(G, N, 4)``."""
    deltas: Tensor
    bags: Tensor


class FirstStage(NamedTuple):
    """Step 3, first stage: class probabilities ``(G, N, C + 1)``, instance
    logits, first pseudo boxes ``(G, 4)``, bag scores ``(G, )``, cascade
    deltas ``(G N, 4)`` and the second stage's bag ``(G, N, 4)``."""
    cls: Tensor
    ins: Tensor
    boxes: Tensor
    bag_scores: Tensor
    cascade_deltas: Tensor
    bags: Tensor


class SecondStage(NamedTuple):
    """Steps 3-4, second stage and SISD: class probabilities ``(G, N, C)``,
    instance logits, valid proposals (all), predicted IoUs ``(G, N)``, the
    refined boxes ``(G, 4)`` and their scores ``(G, )``."""
    cls: Tensor
    ins: Tensor
    valid: Tensor
    iou_pred: Tensor
    boxes: Tensor
    bag_scores: Tensor


class Stages(NamedTuple):
    """Every stage's output of a refinement, in the paper's order."""
    bags: ProposalBags
    spsd: SPSDOutput
    first: FirstStage
    second: SecondStage


@MODELS.register_module()
class SSDRefineHead(BaseModule):
    """Refines inaccurate (noisy) annotated boxes: SSD-Det's refinement
    network on RoI features (Wu et al., ICCV 2023).

    For every annotated box, in the order of the paper's method:

    1. **Proposal bag**: :func:`box_bags` around the noisy box.
    2. **SPSD** (Spatial Position Self-Distillation): a regressor
       on the bag's RoI features learns to map each proposal onto the noisy
       box. The noise is zero-mean, so across the data set the regressor
       distils the position the noisy boxes agree on; its outputs (detached)
       replace the bag, a bag of higher quality.
    3. **Interactive structure**, a two-stage MIL cascade:
       stage 1 classifies the SPSD bag (softmax over ``C + 1``, MIL loss
       ``bce``) and merges its top-``k`` proposals, weighted by class times
       instance score, into a first pseudo box (category -> position); a
       regressor learns to move every proposal onto that pseudo box, weighted
       by the bag's score, and its outputs are the stage-2 bag
       (position -> category). Stage 2 classifies that bag (sigmoid over
       ``C``, MIL loss ``qfl``, with random background boxes as negatives).
    4. **SISD** (Spatial Identity Self-Distillation): a separate
       branch predicts each stage-2 proposal's IoU with the first pseudo box
       from the proposal's feature plus its bag's mean feature (which object
       the proposal belongs to); the prediction, min-max normalised per bag,
       is the spatial confidence. The refined box merges the top-``k``
       stage-2 proposals by class score times spatial confidence; its score
       is the bag's class-times-instance score weighted by the same
       confidence (the authors' ``dynamic_weight``).

    Readings and facts from the authors' code (ucas-vg/PointTinyBenchmark,
    branch SSD-Det, config ``ENoiseBoxPLUS`` with ``with_objectness=True``):
    shared 2-fc features for SPSD and both MIL stages, a separate 2-fc SISD
    branch; class-agnostic ``DeltaXYWHBBoxCoder`` (stds 0.1, 0.1, 0.2, 0.2);
    loss weights 0.25 (SPSD L1, both MIL losses, cascade L1), 0.75 for the
    negatives (times the mean first-stage bag score), 5 for the SISD
    smooth-L1 on ``(IoU - 0.5) / 0.5``; ``k = 7``; 500 negatives an image
    with IoU < 0.3 to every proposal; both L1 regressions average over
    proposals (``avg_factor``), not over coordinates; every stage-2 proposal
    is valid; the regressed bags are not clipped to the image (merged boxes
    are). Boxes are widened to 1 px before encoding (the coder takes logs of
    sizes). Compared end to end with the authors' ``ENoiseBox`` /
    ``EP2BplusHead`` in ``docs/fidelity.md``. The authors also co-train a
    Faster R-CNN on the refined boxes in the same network; mmext runs the
    refine-then-train pipeline instead (the refined json trains any
    detector), so this head refines only.

    Args:
        num_classes (int): object classes.
        bbox_roi_extractor (dict): RoI feature extractor (mmext.RoIAlign:
            mmcv's results on every CPU thread, mmcv's kernel on CUDA).
        in_channels (int): RoI feature channels.
        roi_feat_size (int): RoI feature side.
        fc_channels (int): width of the fc layers.
        scale_ratios (Sequence[float]): bag width / height scales.
        shift_ratios (Sequence[float]): bag centre shifts.
        min_inside (float): share of a proposal inside the image to be valid.
        topk (int): proposals merged into a box.
        bbox_coder (dict): proposal -> box coder.
        loss_spsd, loss_mil_first, loss_mil_second, loss_cascade,
        loss_sisd (dict): the losses above.
        negative_loss_weight (float): weight of the negatives' loss.
        train_cfg (dict, optional): ``num_negatives`` (500) and
            ``negative_iou_thr`` (0.3).
        test_cfg (dict, optional): unused; accepted as every mmdet head.
        init_cfg (dict or list[dict], optional): the authors' normal(0.01)
            init, class layers with a 0.01 prior.
    """

    loss_names = ('loss_spsd', 'loss_mil_first', 'loss_cascade',
                  'loss_mil_second', 'loss_negative', 'loss_sisd')

    def __init__(
        self,
        num_classes: int,
        bbox_roi_extractor: ConfigType = dict(
            type='mmext.SingleRoIExtractor',
            roi_layer=dict(
                type='mmext.RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        in_channels: int = 256,
        roi_feat_size: int = 7,
        fc_channels: int = 1024,
        scale_ratios: Sequence[float] = (1., 1.2, 1.3, 0.8, 0.7),
        shift_ratios: Sequence[float] = (0.2, ),
        min_inside: float = 0.7,
        topk: int = 7,
        bbox_coder: ConfigType = dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[0., 0., 0., 0.],
            target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_spsd: ConfigType = dict(type='L1Loss', loss_weight=0.25),
        loss_mil_first: ConfigType = dict(
            type='mmext.MILLoss', loss_type='bce', loss_weight=0.25),
        loss_mil_second: ConfigType = dict(
            type='mmext.MILLoss', loss_type='qfl', loss_weight=0.25),
        loss_cascade: ConfigType = dict(type='L1Loss', loss_weight=0.25),
        loss_sisd: ConfigType = dict(
            type='SmoothL1Loss', beta=1.0, loss_weight=5.0),
        negative_loss_weight: float = 0.75,
        train_cfg: OptConfigType = None,
        test_cfg: OptConfigType = None,
        init_cfg: OptMultiConfig = [
            dict(type='Normal', layer='Linear', std=0.01),
            dict(
                type='Normal',
                std=0.01,
                bias_prob=0.01,
                override=[dict(name='first_cls'),
                          dict(name='second_cls')])
        ]
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.scale_ratios = tuple(scale_ratios)
        self.shift_ratios = tuple(shift_ratios)
        self.min_inside = min_inside
        self.topk = topk
        train_cfg = train_cfg or {}
        self.num_negatives = train_cfg.get('num_negatives', 500)
        self.negative_iou_thr = train_cfg.get('negative_iou_thr', 0.3)
        self.negative_loss_weight = negative_loss_weight

        self.bbox_roi_extractor = MODELS.build(bbox_roi_extractor)
        self.bbox_coder = TASK_UTILS.build(bbox_coder)
        roi_channels = in_channels * roi_feat_size**2
        self.shared_fcs = _fc_stack(roi_channels, fc_channels, 2)
        self.spsd_reg = nn.Linear(fc_channels, 4)
        self.first_cls = nn.Linear(fc_channels, num_classes + 1)
        self.first_ins = nn.Linear(fc_channels, num_classes + 1)
        self.cascade_reg = nn.Linear(fc_channels, 4)
        self.second_cls = nn.Linear(fc_channels, num_classes)
        self.second_ins = nn.Linear(fc_channels, num_classes)
        self.sisd_fcs = _fc_stack(roi_channels, fc_channels, 2)
        self.sisd_iou = nn.Linear(fc_channels, 1)

        self.loss_spsd = MODELS.build(loss_spsd)
        self.loss_mil_first = MODELS.build(loss_mil_first)
        self.loss_mil_second = MODELS.build(loss_mil_second)
        self.loss_cascade = MODELS.build(loss_cascade)
        self.loss_sisd = MODELS.build(loss_sisd)

    def roi_features(self, x: Tuple[Tensor], bags: List[Tensor]) -> Tensor:
        """RoI features ``(sum N_i, C, s, s)`` of per-image proposals
        ``(..., 4)``."""
        rois = bbox2roi([bag.reshape(-1, 4) for bag in bags])
        return self.bbox_roi_extractor(x[:self.bbox_roi_extractor.num_inputs],
                                       rois)

    def decode(self, bags: Tensor, deltas: Tensor) -> Tensor:
        """Boxes ``(G, N, 4)`` from bag proposals and deltas, at least 1 px
        wide. Not clipped to the image: the authors' SPSD and cascade
        regressions decode without ``max_shape``, so a proposal may reach
        past the border and its RoI feature sees the padding."""
        return widen_to_min_size(
            self.bbox_coder.decode(bags.reshape(-1, 4),
                                   deltas.reshape(-1, 4)).view(bags.shape))

    @staticmethod
    def clip(boxes: Tensor, img_shapes: Sequence[Tuple[int, int]],
             num_boxes: List[int]) -> Tensor:
        """``(G, 4)`` boxes clipped to their images, at least 1 px wide."""
        clipped = []
        for box, shape in zip(boxes.split(num_boxes), img_shapes):
            box = HorizontalBoxes(box)
            box.clip_(shape)
            clipped.append(box.tensor)
        return widen_to_min_size(torch.cat(clipped))

    def proposal_bags(self, boxes: List[Tensor], labels: List[Tensor],
                      img_shapes: Sequence[Tuple[int, int]]) -> ProposalBags:
        """Step 1: the proposal bag of every noisy box of the batch."""
        num_boxes = [len(b) for b in boxes]
        noisy = widen_to_min_size(torch.cat(boxes))
        bags, valid = zip(*[
            box_bags(b, self.scale_ratios, self.shift_ratios, shape,
                     self.min_inside)
            for b, shape in zip(noisy.split(num_boxes), img_shapes)
        ])
        return ProposalBags(noisy, torch.cat(labels), torch.cat(bags),
                            torch.cat(valid), num_boxes)

    def spsd(self, x: Tuple[Tensor], bags: ProposalBags) -> SPSDOutput:
        """Step 2, SPSD: regress every proposal onto its noisy box; the
        regressed proposals (detached) are the next bag."""
        deltas = self.spsd_reg(
            self.shared_fcs(
                self.roi_features(x, bags.bags.split(bags.num_boxes))))
        return SPSDOutput(deltas, self.decode(bags.bags, deltas.detach()))

    def first_stage(self, x: Tuple[Tensor], bags: ProposalBags,
                    spsd: SPSDOutput,
                    img_shapes: Sequence[Tuple[int, int]]) -> FirstStage:
        """Step 3, first stage: softmax MIL on the SPSD bag, its top-k merge
        (the first pseudo box) and the cascade regression onto it, whose
        outputs (detached) are the second stage's bag."""
        num_gt, num_props = bags.valid.shape
        index = torch.arange(num_gt, device=bags.noisy.device)
        feats = self.shared_fcs(
            self.roi_features(x, spsd.bags.split(bags.num_boxes)))
        cls = self.first_cls(feats).view(num_gt, num_props, -1).softmax(-1)
        ins = self.first_ins(feats).view(num_gt, num_props, -1)
        weights = (cls * instance_weights(ins, bags.valid))[index, :,
                                                            bags.labels]
        boxes = self.clip(
            merge_bag_topk(spsd.bags, weights.detach(), self.topk), img_shapes,
            bags.num_boxes)
        cascade_deltas = self.cascade_reg(feats)
        return FirstStage(cls, ins, boxes,
                          weights.detach().sum(dim=1), cascade_deltas,
                          self.decode(spsd.bags, cascade_deltas.detach()))

    def second_stage(self, x: Tuple[Tensor], bags: ProposalBags,
                     first: FirstStage,
                     img_shapes: Sequence[Tuple[int, int]]) -> SecondStage:
        """Steps 3-4: sigmoid MIL on the second bag and SISD's spatial
        confidence; the refined box merges the top-k proposals by class
        score times confidence, its score is the bag's score weighted by the
        confidence."""
        num_gt, num_props = bags.valid.shape
        index = torch.arange(num_gt, device=bags.noisy.device)
        roi_feats = self.roi_features(x, first.bags.split(bags.num_boxes))
        feats = self.shared_fcs(roi_feats)
        cls = self.second_cls(feats).view(num_gt, num_props, -1).sigmoid()
        ins = self.second_ins(feats).view(num_gt, num_props, -1)
        sisd_feats = self.sisd_fcs(roi_feats).view(num_gt, num_props, -1)
        sisd_feats = sisd_feats + sisd_feats.mean(dim=1, keepdim=True)
        iou_pred = self.sisd_iou(sisd_feats).squeeze(-1)
        low = iou_pred.min(dim=1, keepdim=True)[0]
        high = iou_pred.max(dim=1, keepdim=True)[0]
        confidence = (iou_pred - low) / (high - low).clamp(min=1e-6)
        valid = bags.valid.new_ones(bags.valid.shape)
        refined = self.clip(
            merge_bag_topk(first.bags,
                           (cls[index, :, bags.labels] * confidence).detach(),
                           self.topk), img_shapes, bags.num_boxes)
        scores = ((cls * instance_weights(ins, valid))[index, :, bags.labels] *
                  confidence).sum(dim=1)
        return SecondStage(cls, ins, valid, iou_pred, refined, scores.detach())

    def refine(self, x: Tuple[Tensor], boxes: List[Tensor],
               labels: List[Tensor],
               img_shapes: Sequence[Tuple[int, int]]) -> Optional[Stages]:
        """Run steps 1-4 above on the annotated boxes of a batch.

        Args:
            x (tuple[Tensor]): FPN features.
            boxes (list[Tensor]): per image ``(G_i, 4)`` noisy boxes.
            labels (list[Tensor]): per image ``(G_i, )`` labels.
            img_shapes (Sequence[tuple]): per image ``(height, width)``.

        Returns:
            Stages, optional: every stage's output (``stages.second.boxes``
            are the refined boxes); None for a batch without boxes.
        """
        if sum(len(b) for b in boxes) == 0:
            return None
        bags = self.proposal_bags(boxes, labels, img_shapes)
        spsd = self.spsd(x, bags)
        first = self.first_stage(x, bags, spsd, img_shapes)
        return Stages(bags, spsd, first,
                      self.second_stage(x, bags, first, img_shapes))

    def refine_boxes(
            self, x: Tuple[Tensor], boxes: List[Tensor], labels: List[Tensor],
            img_shapes: Sequence[Tuple[int, int]]) -> Tuple[Tensor, Tensor]:
        """Refined boxes ``(G, 4)`` and their scores ``(G, )`` (empty for a
        batch without boxes)."""
        stages = self.refine(x, boxes, labels, img_shapes)
        if stages is None:
            empty = x[0].new_zeros((0, 4))
            return empty, empty[:, 0]
        return stages.second.boxes, stages.second.bag_scores

    def loss(self, x: Tuple[Tensor],
             batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of SPSD, both MIL stages, the cascade regression, the
        negatives and SISD for the annotated (noisy) boxes of a batch."""
        boxes, labels, img_shapes = self.unpack_boxes(batch_data_samples)
        stages = self.refine(x, boxes, labels, img_shapes)
        if stages is None:
            # A batch without boxes: the losses of a stand-in box, times 0,
            # so that every parameter gets a (zero) gradient, as DDP needs.
            height, width = img_shapes[0]
            stand_in = x[0].new_tensor(
                [[0.25 * width, 0.25 * height, 0.75 * width, 0.75 * height]])
            batch = [batch_data_samples[0].clone()]
            batch[0].gt_instances = InstanceData(
                bboxes=stand_in, labels=labels[0].new_zeros(1))
            return {
                name: loss * 0
                for name, loss in self.loss(x, batch).items()
            }
        bags, spsd, first, second = stages
        num_props = bags.valid.size(1)

        def encode(proposals: Tensor, targets: Tensor) -> Tensor:
            return self.bbox_coder.encode(
                proposals.reshape(-1, 4),
                targets[:, None].expand_as(proposals).reshape(-1, 4))

        cascade_weight = first.bag_scores[:, None].expand(-1,
                                                          num_props).reshape(
                                                              -1, 1)
        iou_target = box_iou(
            first.bags,
            first.boxes[:, None].expand_as(first.bags),
            aligned=True)
        return dict(
            loss_spsd=self.loss_spsd(
                spsd.deltas,
                encode(bags.bags, bags.noisy),
                avg_factor=spsd.deltas.size(0)),
            loss_mil_first=self.loss_mil_first(first.cls, first.ins,
                                               bags.labels, bags.valid),
            loss_cascade=self.loss_cascade(
                first.cascade_deltas,
                encode(spsd.bags, first.boxes),
                cascade_weight,
                avg_factor=first.cascade_deltas.size(0)),
            loss_mil_second=self.loss_mil_second(second.cls, second.ins,
                                                 bags.labels, second.valid,
                                                 first.bag_scores),
            loss_negative=self.negative_loss(x,
                                             first.bags.split(bags.num_boxes),
                                             img_shapes, first.bag_scores),
            loss_sisd=self.loss_sisd(second.iou_pred,
                                     (iou_target - 0.5) / 0.5))

    def negative_loss(self, x: Tuple[Tensor], bags: Sequence[Tensor],
                      img_shapes: Sequence[Tuple[int, int]],
                      bag_scores: Tensor) -> Tensor:
        """Second-stage quality focal loss of random background boxes towards
        zero on every class, summed and divided by the number of bags, times
        the mean first-stage bag score (the authors' weighting)."""
        negatives, valid = zip(*[
            random_negative_boxes(self.num_negatives, shape, bag,
                                  self.negative_iou_thr)
            for bag, shape in zip(bags, img_shapes)
        ])
        feats = self.shared_fcs(self.roi_features(x, list(negatives)))
        probs = self.second_cls(feats).sigmoid()
        background = probs.new_full((len(probs), ),
                                    self.num_classes,
                                    dtype=torch.long)
        loss = quality_focal_loss_with_prob(
            probs, (background, probs.new_zeros(len(probs))), reduction='none')
        loss = (loss * torch.cat(valid).to(loss)).sum() / len(bag_scores)
        return self.negative_loss_weight * bag_scores.mean() * loss

    def predict(self,
                x: Tuple[Tensor],
                batch_data_samples: SampleList,
                rescale: bool = True) -> InstanceList:
        """Refined boxes of each image's annotated boxes.

        Returns:
            list[InstanceData]: per image, one instance per annotated box in
            the annotations' order: ``bboxes`` (refined, in the original
            image when ``rescale``), ``labels`` (the annotations') and
            ``scores`` (second-stage bag score of the label, weighted by
            the SISD confidence).
        """
        boxes, labels, img_shapes = self.unpack_boxes(batch_data_samples)
        num_boxes = [len(b) for b in boxes]
        refined, scores = self.refine_boxes(x, boxes, labels, img_shapes)
        results = []
        for box, score, label, sample in zip(
                refined.split(num_boxes), scores.split(num_boxes), labels,
                batch_data_samples):
            if rescale:
                box = self.clip(
                    scale_boxes(
                        box, [1 / s for s in sample.metainfo['scale_factor']]),
                    [sample.metainfo['ori_shape'][:2]], [len(box)])
            results.append(
                InstanceData(bboxes=box, labels=label, scores=score))
        return results

    @staticmethod
    def unpack_boxes(
        batch_data_samples: SampleList
    ) -> Tuple[List[Tensor], List[Tensor], List[Tuple[int, int]]]:
        """Per image: annotated boxes ``(G_i, 4)``, labels ``(G_i, )`` and
        ``(height, width)`` of the network input."""
        boxes, labels, img_shapes = [], [], []
        for sample in batch_data_samples:
            if 'gt_instances' not in sample:
                raise ValueError(
                    'SSDRefineHead refines annotated boxes: each sample '
                    'needs gt_instances (add LoadAnnotations to the test '
                    'pipeline)')
            boxes.append(get_box_tensor(sample.gt_instances.bboxes).float())
            labels.append(sample.gt_instances.labels)
            img_shapes.append(tuple(sample.metainfo['img_shape'][:2]))
        return boxes, labels, img_shapes
