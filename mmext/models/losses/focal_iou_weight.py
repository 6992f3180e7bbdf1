"""The Focal IoU Weight (FIoU) of Calibrated Teacher (Sec. "Focal IoU
Weight").

Paper: Calibrated Teacher for Sparsely Annotated Object Detection (Wang et al.,
AAAI 2023), https://arxiv.org/abs/2303.07582.
Compared with the authors' code: docs/fidelity.md#calibrated-teacher.
"""
import torch
from torch import Tensor, nn

from mmext.ops import box_iou
from mmext.registry import MODELS
from ..utils import training_iter


@MODELS.register_module()
class FocalIoUWeight(nn.Module):
    """Classification-loss weight of negative samples from their predicted
    box's overlap with the annotated boxes (Focal IoU weight, FIoU).

    Calibrated Teacher (Wang et al., AAAI 2023), Sec. "Focal IoU Weight": a
    negative sample whose predicted box overlaps no annotation may well be a
    missing annotation, so its weight drops to ``bias``; the more its box
    overlaps an annotated object, the surer it is a true negative and the
    more its weight rises, in the shape of the focal loss:

        w(u) = bias + k * (1 - bias) * (-alpha * u^gamma * log(1 - u + eps))

    with ``u`` the largest IoU of the predicted box with the image's
    annotated (and pseudo-labelled) boxes, ``eps = 1e-5``, applied to
    negatives with ``u < max_iou``. Defaults are the authors' configuration
    (``ioufocala=0.25, ioufocalgamma=2, ioufocalbias=0.5, ioufocalk=3,
    miniou=1, ioudetach=False``): ``w(0) = 0.5``, ``w(0.5) = 0.565``,
    ``w(0.9) = 1.20``. With ``detach_iou=False`` (theirs) the weight passes
    gradient to the box regression of negative samples.

    ``start_iter`` switches the weight on at a training iteration (read
    from the runner's message hub, so it resumes with the run): the authors
    train their RetinaNet without it for 152k of the 180k iterations and
    resume with it for the rest (Whileherham/CalibratedTeacher@0a27de8:
    README.md:14-20, configs/WHH_cali_retina/cali_04_07.py:55 and
    configs/WHH_cali_retina_focaliou/cali_04_07_focaldefault.py:87-88).

    Reading chosen: the authors' RetinaNet head also assigns this weight to
    anchors the assigner ignored (label background, weight 0), which makes
    them weighted negatives; mmext re-weights only samples that are
    negatives (positive weight), and multiplies their weight rather than
    replacing it, so other weighting schemes compose.

    Args:
        alpha (float): ``alpha``. Defaults to 0.25.
        gamma (float): ``gamma``. Defaults to 2.
        bias (float): Weight of a negative overlapping nothing.
        k (float): Scale of the focal term.
        max_iou (float): Negatives with ``u >= max_iou`` keep their weight.
        detach_iou (bool): Stop the gradient through ``u``.
        start_iter (int): First training iteration with the weight on; 0
            (the default) for all of them.
    """

    eps = 1e-5

    def __init__(self,
                 alpha: float = 0.25,
                 gamma: float = 2.,
                 bias: float = 0.5,
                 k: float = 3.,
                 max_iou: float = 1.,
                 detach_iou: bool = False,
                 start_iter: int = 0) -> None:
        super().__init__()
        if not 0 <= bias <= 1:
            raise ValueError(f'FocalIoUWeight.bias must be in [0, 1], got '
                             f'{bias}')
        if alpha < 0 or gamma < 0 or k < 0:
            raise ValueError('FocalIoUWeight needs alpha, gamma, k >= 0, got '
                             f'alpha={alpha}, gamma={gamma}, k={k}')
        self.alpha = alpha
        self.gamma = gamma
        self.bias = bias
        self.k = k
        self.max_iou = max_iou
        self.detach_iou = detach_iou
        self.start_iter = start_iter

    def is_on(self) -> bool:
        """Whether the current training iteration is ``start_iter`` or
        later."""
        return self.start_iter <= 0 or training_iter() >= self.start_iter

    def forward(self, ious: Tensor) -> Tensor:
        """``w(u)`` of the IoUs ``u`` (any shape)."""
        # Sec. "Focal IoU Weight": w(u) = b + k (1 - b) (-alpha u^gamma
        # log(1 - u)), rising from b as the IoU u with an annotation grows.
        focal = -self.alpha * ious.pow(
            self.gamma) * torch.log(1 - ious + self.eps)
        return self.bias + self.k * (1 - self.bias) * focal

    def max_ious(self, pred_bboxes: Tensor, gt_bboxes: Tensor) -> Tensor:
        """Largest IoU ``(n, )`` of each predicted box ``(n, 4)`` with the
        annotated boxes ``(m, 4)``; 0 when there are none."""
        if len(gt_bboxes) == 0:
            return pred_bboxes.new_zeros(len(pred_bboxes))
        if self.detach_iou:
            pred_bboxes, gt_bboxes = pred_bboxes.detach(), gt_bboxes.detach()
        return box_iou(pred_bboxes, gt_bboxes).max(dim=1).values

    def reweight(self, label_weights: Tensor, negatives: Tensor,
                 pred_bboxes: Tensor, gt_bboxes: Tensor) -> Tensor:
        """Label weights with the negatives' weights multiplied by FIoU.

        Args:
            label_weights (Tensor): Classification weights ``(n, )``.
            negatives (Tensor): Boolean mask ``(n, )`` of background samples.
            pred_bboxes (Tensor): Decoded predicted boxes ``(n, 4)``.
            gt_bboxes (Tensor): The image's annotated boxes ``(m, 4)``.

        Returns:
            Tensor: New label weights ``(n, )``; ``label_weights`` itself
            before ``start_iter``.
        """
        if not self.is_on():
            return label_weights
        ious = self.max_ious(pred_bboxes, gt_bboxes)
        apply = negatives & (label_weights > 0) & (ious < self.max_iou)
        factor = torch.where(apply, self(ious), torch.ones_like(ious))
        return label_weights * factor
