"""AUROC and AUPRO against hand-computed cases and a threshold-by-threshold
reference computation."""
import numpy as np
import pytest
from scipy import ndimage

from mmext.evaluation import auroc, pixel_auroc_and_aupro


def reference_auroc(scores, labels):
    """Mann-Whitney: share of (anomalous, normal) pairs ranked right."""
    pos, neg = scores[labels], scores[~labels]
    greater = (pos[:, None] > neg[None]).sum()
    ties = (pos[:, None] == neg[None]).sum()
    return (greater + 0.5 * ties) / (pos.size * neg.size)


def reference_aupro(maps, masks, max_fpr):
    """One pass over the images per threshold, one region at a time."""
    regions = []
    for i, mask in enumerate(masks):
        labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
        regions += [(i, labels == k) for k in range(1, count + 1)]
    normal = sum((~m).sum() for m in masks)
    points = [(0.0, 0.0)]
    for t in np.unique(np.concatenate([m.ravel() for m in maps]))[::-1]:
        false_pos = sum((m >= t)[~k].sum() for m, k in zip(maps, masks))
        overlaps = [(maps[i] >= t)[r].sum() / r.sum() for i, r in regions]
        points.append((false_pos / normal, np.mean(overlaps)))
    fpr, pro = np.array(points).T
    keep = fpr <= max_fpr
    xs, ys = fpr[keep], pro[keep]
    if xs[-1] < max_fpr:
        # The PRO just past the limit, interpolated from the last point.
        nxt = np.argmax(fpr > max_fpr)
        xs = np.r_[xs, max_fpr]
        ys = np.r_[ys, pro[nxt - 1] + (pro[nxt] - pro[nxt - 1]) *
                   (max_fpr - fpr[nxt - 1]) / (fpr[nxt] - fpr[nxt - 1])]
    return np.trapezoid(ys, xs) / max_fpr


def test_hand_computed_case():
    # One region of two pixels; thresholds 0.9, 0.5, 0.2, 0.1 give the
    # (FPR, PRO) points (0, .5), (.5, .5), (.5, 1), (1, 1).
    score_map = np.array([[0.9, 0.2, 0.5, 0.1]])
    mask = np.array([[1, 1, 0, 0]], dtype=bool)
    pixel, aupro = pixel_auroc_and_aupro([score_map], [mask], max_fpr=0.3)
    assert pixel == pytest.approx(0.75)  # 3 of 4 pairs ranked right
    assert aupro == pytest.approx(0.5)
    _, full = pixel_auroc_and_aupro([score_map], [mask], max_fpr=1.0)
    assert full == pytest.approx(0.75)


def test_pro_weighs_regions_not_pixels():
    # A big region found and a small one missed: most anomalous
    # pixels, region-wise only half the regions do (the missed one scores
    # under every normal pixel).
    score_map = np.full((20, 20), 0.5)
    mask = np.zeros((20, 20), dtype=bool)
    mask[:10, :10] = True
    score_map[:10, :10] = 1.0
    mask[15, 15] = True
    score_map[15, 15] = 0.0
    pixel, aupro = pixel_auroc_and_aupro([score_map], [mask])
    assert aupro == pytest.approx(0.5)
    assert pixel > 0.99


def test_diagonal_pixels_are_one_region():
    mask = np.eye(4, dtype=bool)
    score_map = np.full((4, 4), 0.5)
    score_map[mask] = [1.0, 1.0, 0.0, 0.0]
    # One 4-pixel region half found at FPR 0: PRO 0.5, not two regions of 2.
    _, aupro = pixel_auroc_and_aupro([score_map], [mask])
    assert aupro == pytest.approx(0.5)


@pytest.mark.parametrize('seed', range(5))
def test_against_reference_on_random_maps(seed):
    rng = np.random.default_rng(seed)
    maps, masks = [], []
    for shape in [(12, 9), (12, 9), (7, 15)]:
        mask = ndimage.binary_dilation(rng.random(shape) > 0.93)
        # Rounded scores give ties across and inside regions.
        maps.append(np.round(rng.random(shape) + 0.5 * mask, 1))
        masks.append(mask)
    masks[1][:] = False  # a normal image
    for max_fpr in (0.3, 0.05, 1.0):
        pixel, aupro = pixel_auroc_and_aupro(maps, masks, max_fpr)
        flat = np.concatenate([m.ravel() for m in maps])
        labels = np.concatenate([m.ravel() for m in masks])
        assert pixel == pytest.approx(reference_auroc(flat, labels))
        assert aupro == pytest.approx(reference_aupro(maps, masks, max_fpr))


def test_image_auroc_with_ties_and_errors():
    scores = np.array([0.1, 0.4, 0.4, 0.8, 0.35])
    labels = np.array([0, 0, 1, 1, 1], dtype=bool)
    assert auroc(scores,
                 labels) == pytest.approx(reference_auroc(scores, labels))
    assert auroc(scores, labels) == pytest.approx((2 + 1.5 + 1) / 6)
    with pytest.raises(ValueError, match='both normal and anomalous'):
        auroc(scores, np.zeros(5, dtype=bool))


def test_undefined_pixel_metrics_raise():
    with pytest.raises(ValueError, match='anomalous and normal pixels'):
        pixel_auroc_and_aupro([np.zeros((3, 3))], [np.zeros((3, 3), bool)])
    with pytest.raises(ValueError, match='differs from its mask'):
        pixel_auroc_and_aupro([np.zeros((3, 3))], [np.ones((3, 4), bool)])
    with pytest.raises(ValueError, match='max_fpr'):
        pixel_auroc_and_aupro([np.zeros((3, 3))], [np.ones((3, 3), bool)],
                              max_fpr=0)
