from typing import List, Tuple

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi, get_box_tensor
from mmdet.utils import InstanceList
from torch import Tensor

from mmext.registry import MODELS
from ..utils import FocalIoUWeightedHeadMixin


@MODELS.register_module()
class FIoURoIHead(FocalIoUWeightedHeadMixin, StandardRoIHead):
    """Faster R-CNN RoI head whose background RoIs are weighted by the Focal
    IoU weight of their predicted boxes (Calibrated Teacher, Sec. "Focal IoU
    Weight", carried to two-stage detectors).

    A background RoI's predicted box is its proposal refined by the bbox
    head's deltas for the foreground class it scores highest (the only box
    when regression is class-agnostic); its largest IoU with the image's
    annotated boxes gives the weight (:class:`FocalIoUWeight`) of its
    classification loss. Positive RoIs and the regression loss are mmdet's
    :class:`StandardRoIHead`.

    Args:
        focal_iou_weight (dict): Config of a :class:`FocalIoUWeight`.
        **kwargs: :class:`StandardRoIHead`'s arguments.
    """

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList,
             batch_data_samples: SampleList) -> dict:
        """StandardRoIHead's losses, with the image's boxes kept for the
        weights of :meth:`bbox_loss`."""
        batch_gt_instances = [
            sample.gt_instances for sample in batch_data_samples
        ]
        with self.gt_bboxes_kept(batch_gt_instances):
            return super().loss(x, rpn_results_list, batch_data_samples)

    def bbox_loss(self, x: Tuple[Tensor],
                  sampling_results: List[SamplingResult]) -> dict:
        """Bbox head losses with FIoU-weighted background RoIs."""
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        cls_score, bbox_pred = (bbox_results['cls_score'],
                                bbox_results['bbox_pred'])
        labels, label_weights, bbox_targets, bbox_weights = \
            self.bbox_head.get_targets(sampling_results, self.train_cfg)
        pred_bboxes = self.refined_bboxes(rois, cls_score, bbox_pred)
        reweighted = label_weights.clone()
        num_classes = self.bbox_head.num_classes
        for i, gt_bboxes in enumerate(self.batch_gt_bboxes):
            in_img = rois[:, 0] == i
            reweighted[in_img] = self.focal_iou_weight.reweight(
                label_weights[in_img], labels[in_img] == num_classes,
                pred_bboxes[in_img], gt_bboxes)
        bbox_results.update(
            loss_bbox=self.bbox_head.loss(cls_score, bbox_pred, rois, labels,
                                          reweighted, bbox_targets,
                                          bbox_weights))
        return bbox_results

    def refined_bboxes(self, rois: Tensor, cls_score: Tensor,
                       bbox_pred: Tensor) -> Tensor:
        """Each RoI's box ``(n, 4)`` refined for its top foreground class."""
        bbox_head = self.bbox_head
        deltas = bbox_pred
        if not bbox_head.reg_class_agnostic:
            encode_size = bbox_head.bbox_coder.encode_size
            top_class = cls_score[:, :bbox_head.num_classes].argmax(dim=1)
            deltas = bbox_pred.view(
                len(rois), -1,
                encode_size)[torch.arange(len(rois), device=rois.device),
                             top_class]
        if bbox_head.reg_decoded_bbox:
            return get_box_tensor(deltas)
        return get_box_tensor(bbox_head.bbox_coder.decode(rois[:, 1:], deltas))
