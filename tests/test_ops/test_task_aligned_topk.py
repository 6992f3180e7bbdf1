import math

import pytest
import torch

from mmext.ops import (compiled_ops_disabled, task_aligned_topk,
                       task_aligned_topk_pytorch)


def make_inputs(num_priors: int,
                num_gts: int,
                seed: int = 0,
                num_classes: int = 4,
                dtype=torch.float32):
    """Random priors on a 200x200 image, decoded boxes near them, scores
    and GTs."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(num_priors, 2, generator=g) * 180
    priors = torch.cat(
        [xy, xy + 4 + torch.rand(num_priors, 2, generator=g) * 40], 1)
    decoded = priors + torch.randn(num_priors, 4, generator=g) * 4
    decoded[:, 2:] = torch.maximum(decoded[:, 2:], decoded[:, :2] + 1)
    scores = torch.rand(num_priors, num_classes, generator=g)
    gxy = torch.rand(num_gts, 2, generator=g) * 150
    gts = torch.cat([gxy, gxy + 8 + torch.rand(num_gts, 2, generator=g) * 60],
                    1)
    labels = torch.randint(num_classes, (num_gts, ), generator=g)
    return [
        t.to(dtype) if t.is_floating_point() else t
        for t in (decoded, scores, priors, gts, labels)
    ]


def brute_force(decoded, scores, priors, gts, labels, topk, alpha, beta):
    """Each GT's candidates by sorting every prior by (-metric, index)."""
    out = []
    for g in range(len(gts)):
        x1, y1, x2, y2 = gts[g].tolist()
        rows = []
        for i in range(len(decoded)):
            a1, b1, a2, b2 = decoded[i].tolist()
            w = max(min(a2, x2) - max(a1, x1), 0)
            h = max(min(b2, y2) - max(b1, y1), 0)
            union = max((a2 - a1) * (b2 - b1) + (x2 - x1) * (y2 - y1) - w * h,
                        1e-6)
            iou = w * h / union
            metric = scores[i, labels[g]].item()**alpha * iou**beta
            cx = (priors[i, 0] + priors[i, 2]).item() / 2
            cy = (priors[i, 1] + priors[i, 3]).item() / 2
            inside = min(cx - x1, cy - y1, x2 - cx, y2 - cy) > 0.01
            rows.append((-metric, i, iou, metric > 0 and inside))
        out.append(sorted(rows)[:topk])
    return out


def assert_same(ours, ref, finite_only: bool = False):
    keep = torch.isfinite(ref.metric) if finite_only else \
        torch.ones_like(ref.is_pos)
    assert ours.index.shape == ref.index.shape
    assert torch.equal(ours.index[keep], ref.index[keep])
    torch.testing.assert_close(
        ours.metric[keep], ref.metric[keep], rtol=1e-6, atol=1e-12)
    torch.testing.assert_close(ours.iou[keep], ref.iou[keep])
    assert torch.equal(ours.is_pos, ref.is_pos)


@pytest.mark.parametrize('num_gts', [1, 7, 60, 300])
@pytest.mark.parametrize('seed', [0, 1])
def test_compiled_matches_pytorch(compiled_cpu, num_gts, seed):
    inputs = make_inputs(700, num_gts, seed)
    ours = task_aligned_topk(*inputs, topk=13)
    with compiled_ops_disabled():
        ref = task_aligned_topk(*inputs, topk=13)
    assert_same(ours, ref)
    assert ours.is_pos.any()
    # the PyTorch version gives the same a GT at a time
    assert_same(task_aligned_topk_pytorch(*inputs, 13, chunk_elements=1), ref)


@pytest.mark.parametrize('compiled', [True, False])
def test_against_brute_force(request, compiled):
    if compiled:
        request.getfixturevalue('compiled_cpu')
    inputs = make_inputs(60, 5, seed=3, dtype=torch.float64)
    if compiled:
        ours = task_aligned_topk(*inputs, topk=6, alpha=0.5, beta=2)
    else:
        ours = task_aligned_topk_pytorch(*inputs, topk=6, alpha=0.5, beta=2)
    for g, rows in enumerate(brute_force(*inputs, 6, 0.5, 2)):
        assert ours.index[:, g].tolist() == [r[1] for r in rows]
        torch.testing.assert_close(
            ours.metric[:, g],
            torch.tensor([-r[0] for r in rows], dtype=torch.float64))
        torch.testing.assert_close(
            ours.iou[:, g],
            torch.tensor([r[2] for r in rows], dtype=torch.float64))
        assert ours.is_pos[:, g].tolist() == [r[3] for r in rows]


@pytest.mark.parametrize('compiled', [True, False])
def test_ties_go_to_the_lower_prior_index(request, compiled):
    if compiled:
        request.getfixturevalue('compiled_cpu')
    decoded, scores, priors, gts, labels = make_inputs(40, 3, seed=4)
    # priors 10..29 are copies of prior 5: equal metrics, IoUs and centres
    decoded[10:30], scores[10:30], priors[10:30] = (decoded[5], scores[5],
                                                    priors[5])
    gts[0] = decoded[5]  # makes prior 5 and its copies the best of GT 0
    fn = task_aligned_topk if compiled else task_aligned_topk_pytorch
    if compiled:
        out = fn(decoded, scores, priors, gts, labels, 8)
    else:
        with compiled_ops_disabled():
            out = fn(decoded, scores, priors, gts, labels, 8)
    assert out.index[:, 0].tolist() == [5] + list(range(10, 17))
    assert (out.metric[:, 0] == out.metric[0, 0]).all()


@pytest.mark.parametrize('compiled', [True, False])
def test_edge_cases(request, compiled):
    if compiled:
        request.getfixturevalue('compiled_cpu')

    def run(*inputs, topk=13):
        if compiled:
            return task_aligned_topk(*inputs, topk=topk)
        with compiled_ops_disabled():
            return task_aligned_topk(*inputs, topk=topk)

    # no GT
    out = run(*make_inputs(50, 0))
    assert out.index.shape == (13, 0) and out.is_pos.dtype == torch.bool
    # fewer priors than topk: all of them, in order
    out = run(*make_inputs(5, 2))
    assert out.index.shape == (5, 2)
    assert sorted(out.index[:, 0].tolist()) == list(range(5))
    # priors outside every box: candidates, never positives
    decoded, scores, priors, gts, labels = make_inputs(80, 4)
    priors = priors + 1000
    decoded = decoded + 1000
    out = run(decoded, scores, priors, gts, labels)
    assert not out.is_pos.any()
    assert (out.metric == 0).all() and (out.iou == 0).all()
    # zero scores: metric 0, so no positive even where the centre is inside
    decoded, scores, priors, gts, labels = make_inputs(80, 4)
    out = run(decoded, torch.zeros_like(scores), priors, gts, labels)
    assert not out.is_pos.any()


def test_nan_scores_are_never_candidates(compiled_cpu):
    inputs = make_inputs(100, 6, seed=5)
    inputs[1][::3] = math.nan
    ours = task_aligned_topk(*inputs, topk=13)
    with compiled_ops_disabled():
        ref = task_aligned_topk(*inputs, topk=13)
    assert_same(ours, ref, finite_only=True)
    nan_rows = torch.arange(100)[::3]
    assert not torch.isin(ours.index[ours.is_pos], nan_rows).any()


def test_float64_and_half_inputs(compiled_cpu):
    inputs64 = make_inputs(300, 9, seed=6, dtype=torch.float64)
    out = task_aligned_topk(*inputs64, topk=13)
    assert out.metric.dtype == torch.float64
    with compiled_ops_disabled():
        assert_same(out, task_aligned_topk(*inputs64, topk=13))
    # half inputs are computed in float32
    half = [t.half() if t.is_floating_point() else t for t in inputs64]
    assert task_aligned_topk(*half, topk=13).metric.dtype == torch.float32


def test_bad_inputs():
    decoded, scores, priors, gts, labels = make_inputs(20, 3)
    with pytest.raises(ValueError, match='decoded boxes must be'):
        task_aligned_topk(decoded[:, :3], scores, priors, gts, labels, 13)
    with pytest.raises(ValueError, match='scores'):
        task_aligned_topk(decoded, scores[:10], priors, gts, labels, 13)
    with pytest.raises(ValueError, match='gt_labels must lie in'):
        task_aligned_topk(decoded, scores, priors, gts, labels + 10, 13)
    with pytest.raises(ValueError, match='topk must be'):
        task_aligned_topk(decoded, scores, priors, gts, labels, 0)


@pytest.mark.parametrize('num_gts', [0, 1, 40])
def test_cuda_matches_cpu(compiled_cuda, num_gts):
    inputs = make_inputs(5000, num_gts, seed=7)
    cpu = task_aligned_topk(*inputs, topk=13)
    cuda = task_aligned_topk(*[t.cuda() for t in inputs], topk=13)
    assert_same(type(cpu)(*(t.cpu() for t in cuda)), cpu)
