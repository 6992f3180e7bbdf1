from typing import List

import torch
from mmdet.models.dense_heads import RetinaHead
from mmdet.structures.bbox import get_box_tensor
from mmdet.utils import InstanceList, OptInstanceList
from torch import Tensor

from mmext.registry import MODELS
from ..utils import FocalIoUWeightedHeadMixin


@MODELS.register_module()
class FIoURetinaHead(FocalIoUWeightedHeadMixin, RetinaHead):
    """RetinaNet head whose negative anchors are weighted by the Focal IoU
    weight of their predicted boxes (Calibrated Teacher, Sec. "Focal IoU
    Weight"; the authors' ``RetinaHead_adaptivenegweight2_focaliou``).

    Each background anchor's predicted box is decoded and compared with the
    image's annotated boxes (:class:`FocalIoUWeight`); everything else is
    mmdet's :class:`RetinaHead`.

    Args:
        focal_iou_weight (dict): Config of a :class:`FocalIoUWeight`.
        **kwargs: :class:`RetinaHead`'s arguments.
    """

    def loss_by_feat(
            self,
            cls_scores: List[Tensor],
            bbox_preds: List[Tensor],
            batch_gt_instances: InstanceList,
            batch_img_metas: List[dict],
            batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """RetinaHead's losses, with the image's boxes kept for the weights
        of :meth:`loss_by_feat_single` (mmdet passes it no boxes)."""
        with self.gt_bboxes_kept(batch_gt_instances):
            return super().loss_by_feat(cls_scores, bbox_preds,
                                        batch_gt_instances, batch_img_metas,
                                        batch_gt_instances_ignore)

    def loss_by_feat_single(self, cls_score: Tensor, bbox_pred: Tensor,
                            anchors: Tensor, labels: Tensor,
                            label_weights: Tensor, bbox_targets: Tensor,
                            bbox_weights: Tensor, avg_factor: int) -> tuple:
        """One level's losses with FIoU-weighted negatives.

        Shapes as in mmdet: ``anchors (N, n, 4)``, ``labels`` and
        ``label_weights (N, n)``, ``bbox_pred (N, A * 4, H, W)``.
        """
        num_imgs = anchors.size(0)
        encode_size = self.bbox_coder.encode_size
        deltas = bbox_pred.permute(0, 2, 3, 1).reshape(num_imgs, -1,
                                                       encode_size)
        reweighted = []
        for i in range(num_imgs):
            pred_bboxes = get_box_tensor(
                self.bbox_coder.decode(anchors[i], deltas[i]))
            reweighted.append(
                self.focal_iou_weight.reweight(label_weights[i],
                                               labels[i] == self.num_classes,
                                               pred_bboxes,
                                               self.batch_gt_bboxes[i]))
        return super().loss_by_feat_single(cls_score, bbox_pred, anchors,
                                           labels, torch.stack(reweighted),
                                           bbox_targets, bbox_weights,
                                           avg_factor)
