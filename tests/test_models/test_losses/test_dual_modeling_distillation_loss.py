"""Dual-Modeling Distillation on hand-made features."""
import pytest
import torch

from mmext.models import DualModelingDistillationLoss, mask_at


def _unit(vector, h=4, w=4):
    """A (1, C, h, w) map holding ``vector`` at every location."""
    return torch.tensor(
        vector, dtype=torch.float).view(1, -1, 1,
                                        1).expand(1, len(vector), h,
                                                  w).clone()


def test_hand_made_cases():
    loss = DualModelingDistillationLoss()
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., :4, :4] = 1  # the top-left quarter: one cell of 4 at 2x2
    teacher = _unit([1.0, 0.0], 2, 2)
    same = _unit([3.0, 0.0], 2, 2)  # cosine 1, any norm
    opposite = _unit([-1.0, 0.0], 2, 2)
    orthogonal = _unit([0.0, 2.0], 2, 2)
    # Normality equal to the normal image's teacher: no NGM loss.
    out = loss([same], [same], [teacher], [teacher], mask)
    assert out['loss_ngm'] == pytest.approx(0.0)
    # Abnormality equal to the teacher: no mimic loss on normal cells, a
    # push of cos = 1 on the anomalous cell.
    assert out['loss_aim'] == pytest.approx(1.0)
    # Abnormality opposite to the teacher on the anomalous cell only.
    abnormal = same.clone()
    abnormal[..., 0, 0] = opposite[..., 0, 0]
    out = loss([opposite], [abnormal], [teacher], [teacher], mask)
    assert out['loss_ngm'] == pytest.approx(2.0)  # 1 - (-1) everywhere
    assert out['loss_aim'] == pytest.approx(0.0)
    # An orthogonal abnormality everywhere: mimic 1 on normal cells, push 0
    # (margin 0); with margin -0.5 the push is 0.5.
    out = loss([same], [orthogonal], [teacher], [teacher], mask)
    assert out['loss_aim'] == pytest.approx(1.0)
    margin = DualModelingDistillationLoss(margin=-0.5)
    assert margin([same], [orthogonal], [teacher], [teacher],
                  mask)['loss_aim'] == pytest.approx(1.5)


def test_sums_scales_and_images_and_weights():
    loss = DualModelingDistillationLoss(
        normality_weight=2.0, abnormality_weight=0.5)
    teacher = torch.cat([_unit([1.0, 0.0]), _unit([0.0, 1.0])])
    student = torch.cat([_unit([-1.0, 0.0]), _unit([0.0, 1.0])])
    masks = torch.zeros(2, 1, 4, 4)
    out = loss([student, student], [student, student], [teacher, teacher],
               [teacher, teacher], masks)
    # Image 0 has distance 2, image 1 distance 0, on each of two scales.
    assert out['loss_ngm'] == pytest.approx(2.0 * 2 * 2)
    assert out['loss_aim'] == pytest.approx(0.5 * 2 * 2)


def test_image_without_anomaly_adds_no_push_and_stays_finite():
    loss = DualModelingDistillationLoss()
    feats = torch.randn(2, 8, 4, 4, requires_grad=True)
    out = loss([feats], [feats], [feats.detach()], [torch.randn(2, 8, 4, 4)],
               torch.zeros(2, 1, 16, 16))
    assert all(torch.isfinite(v) for v in out.values())
    sum(out.values()).backward()
    assert torch.isfinite(feats.grad).all()


def test_mask_at_keeps_cells_half_covered():
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 0, :] = 1  # a one-pixel line: a quarter of each 4x4 cell
    mask[..., 4:6, 4:8] = 1  # half of the bottom-right cell
    cells = mask_at(mask, (2, 2))
    assert cells.view(-1).tolist() == [0.0, 0.0, 0.0, 1.0]


def test_margin_is_checked():
    with pytest.raises(ValueError, match='margin'):
        DualModelingDistillationLoss(margin=1.0)
