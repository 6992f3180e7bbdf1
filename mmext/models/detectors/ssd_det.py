from typing import Tuple

from mmdet.models.detectors import SingleStageDetector
from mmdet.structures import SampleList
from torch import Tensor

from mmext.registry import MODELS


@MODELS.register_module()
class SSDDet(SingleStageDetector):
    """SSD-Det: spatial self-distillation for learning from inaccurate boxes
    (Wu et al., ICCV 2023).

    A backbone and FPN feed :class:`SSDRefineHead` (``bbox_head``), which
    learns from the noisy annotated boxes themselves and refines them. In
    training it returns the head's losses; in ``predict`` it returns, for
    every annotated box of each image, its refined box (``pred_instances``,
    one per annotation, in the annotations' order), which
    ``mmext.BoxRefinementMetric`` writes out as a COCO json to train any
    detector on (``tools/test.py`` on the training set).
    """

    def _forward(self, batch_inputs: Tensor,
                 batch_data_samples: SampleList) -> Tuple[Tensor, Tensor]:
        """Refined boxes ``(G, 4)`` and bag scores ``(G, )`` of the batch's
        annotated boxes, without post-processing."""
        x = self.extract_feat(batch_inputs)
        boxes, labels, img_shapes = self.bbox_head.unpack_boxes(
            batch_data_samples)
        return self.bbox_head.refine_boxes(x, boxes, labels, img_shapes)
