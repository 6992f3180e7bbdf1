import pytest
import torch
from mmdet.models.task_modules.assigners import \
    TaskAlignedAssigner as MMDetTaskAlignedAssigner
from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmengine.structures import InstanceData

from mmext.models.task_modules import TaskAlignedAssigner
from mmext.ops import compiled_ops_available, compiled_ops_disabled
from mmext.registry import TASK_UTILS
from mmext.testing import REPO_ROOT


@pytest.fixture(autouse=True, params=['compiled', 'pytorch'])
def ops_version(request):
    """Every test runs with the compiled candidate search and with its
    pure-PyTorch version."""
    if request.param == 'pytorch':
        with compiled_ops_disabled():
            yield request.param
    elif not compiled_ops_available(torch.device('cpu')):
        pytest.skip('mmext._ext is not built (MMEXT_WITH_OPS=0 or no '
                    'compiler at install)')
    else:
        yield request.param


def make_case(num_gts: int,
              seed: int,
              num_classes: int = 5,
              duplicate_priors: bool = False,
              degenerate: bool = False):
    """Anchors of a 5-level pyramid of a 160x224 image, decoded boxes near
    them, random scores and GTs."""
    g = torch.Generator().manual_seed(seed)
    generator = AnchorGenerator(
        strides=[8, 16, 32, 64, 128],
        ratios=[1.0],
        octave_base_scale=8,
        scales_per_octave=1)
    sizes = [(-(-160 // s), -(-224 // s)) for s in (8, 16, 32, 64, 128)]
    priors = torch.cat(generator.grid_priors(sizes, device='cpu'))
    if duplicate_priors:  # exact ties in metric and IoU
        priors = torch.cat([priors, priors[:50]])
    n = priors.size(0)
    decoded = priors + torch.randn(n, 4, generator=g) * 8
    decoded[:, 2:] = torch.maximum(decoded[:, 2:], decoded[:, :2] + 1)
    if duplicate_priors:
        decoded[-50:] = decoded[:50]
    scores = torch.rand(n, num_classes, generator=g)
    if duplicate_priors:
        scores[-50:] = scores[:50]
    xy = torch.rand(num_gts, 2, generator=g) * torch.tensor([200., 140.])
    wh = torch.rand(num_gts, 2, generator=g) * 90 + 4
    gt = torch.cat([xy, xy + wh], 1)
    if degenerate and num_gts:
        gt[0, 2] = gt[0, 0]  # zero width
        gt[-1, 3] = gt[-1, 1] - 5  # negative height
    labels = torch.randint(num_classes, (num_gts, ), generator=g)
    pred = InstanceData(priors=priors, bboxes=decoded, scores=scores)
    return pred, InstanceData(bboxes=gt, labels=labels)


def assert_same(ours, ref):
    assert ours.num_gts == ref.num_gts
    assert torch.equal(ours.gt_inds, ref.gt_inds)
    assert torch.equal(ours.labels, ref.labels)
    assert torch.equal(ours.max_overlaps, ref.max_overlaps)
    # the kernel's pow and torch's vectorised pow may differ in the last bit
    torch.testing.assert_close(
        ours.assign_metrics, ref.assign_metrics, rtol=1e-6, atol=0)


@pytest.mark.parametrize('num_gts', [0, 1, 7, 60])
@pytest.mark.parametrize('seed', [0, 1])
@pytest.mark.parametrize('chunk', [2**19, 3000])  # 3000: a GT or two a chunk
def test_same_assignment_as_mmdet(num_gts, seed, chunk):
    pred, gt = make_case(num_gts, seed)
    ours = TaskAlignedAssigner(topk=13, gt_chunk_elements=chunk)
    ref = MMDetTaskAlignedAssigner(topk=13)
    result = ours.assign(pred, gt)
    assert_same(result, ref.assign(pred, gt))
    if num_gts:
        assert (result.gt_inds > 0).any()


@pytest.mark.parametrize('alpha, beta', [(1, 6), (0.5, 2)])
def test_ties_degenerate_boxes_and_other_exponents(alpha, beta):
    pred, gt = make_case(30, seed=3, duplicate_priors=True, degenerate=True)
    result = TaskAlignedAssigner(
        topk=13, gt_chunk_elements=5000).assign(
            pred, gt, alpha=alpha, beta=beta)
    ref = MMDetTaskAlignedAssigner(topk=13).assign(
        pred, gt, alpha=alpha, beta=beta)
    assert_same(result, ref)
    # a zero-width or inverted GT contains no prior centre: no positive
    assert not (result.gt_inds == 1).any() and not (result.gt_inds == 30).any()


def test_crowded_image_many_gts_share_priors():
    """Hundreds of overlapping GTs: priors claimed by several GTs."""
    pred, gt = make_case(400, seed=5)
    gt.bboxes = gt.bboxes * 0.3 + 40  # squeeze them together
    assert_same(
        TaskAlignedAssigner(topk=13, gt_chunk_elements=20000).assign(pred, gt),
        MMDetTaskAlignedAssigner(topk=13).assign(pred, gt))


def test_hand_checked_assignment():
    """Two priors inside one GT; the better-aligned one wins the top-1."""
    priors = torch.tensor([[0., 0., 10., 10.], [10., 0., 20., 10.],
                           [30., 30., 40., 40.]])
    pred = InstanceData(
        priors=priors,
        bboxes=priors.clone(),
        scores=torch.tensor([[0.9], [0.2], [0.99]]))
    gt = InstanceData(
        bboxes=torch.tensor([[0., 0., 20., 10.]]), labels=torch.tensor([0]))
    result = TaskAlignedAssigner(topk=1).assign(pred, gt)
    # IoUs 0.5, 0.5, 0: t = 0.9 * 0.5**6 beats 0.2 * 0.5**6
    assert result.gt_inds.tolist() == [1, 0, 0]
    assert result.labels.tolist() == [0, -1, -1]
    torch.testing.assert_close(result.assign_metrics,
                               torch.tensor([0.9 * 0.5**6, 0., 0.]))
    assert result.max_overlaps[0] == 0.5
    assert (result.max_overlaps[1:] == -100000000).all()


def test_registered_in_mmext_scope():
    assigner = TASK_UTILS.build(dict(type='TaskAlignedAssigner', topk=13))
    assert isinstance(assigner, TaskAlignedAssigner)
    from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
    assert MMDET_TASK_UTILS.get('mmext.TaskAlignedAssigner') is \
        TaskAlignedAssigner


def test_equal_iou_goes_to_the_first_gt_as_in_mmdet():
    """Duplicated GT boxes claim the same priors with equal IoU."""
    pred, gt = make_case(6, seed=7, num_classes=1)
    gt = InstanceData(
        bboxes=torch.cat([gt.bboxes, gt.bboxes[[4, 1]]]),
        labels=torch.cat([gt.labels, gt.labels[[4, 1]]]))
    result = TaskAlignedAssigner(
        topk=13, gt_chunk_elements=3000).assign(pred, gt)
    assert_same(result, MMDetTaskAlignedAssigner(topk=13).assign(pred, gt))
    assert (result.gt_inds == 5).any() and not (result.gt_inds == 7).any()


@pytest.mark.parametrize('config', [
    'tood/tood_r50_fpn_1x_coco.py',
    'tood/tood_r50_fpn_anchor-based_1x_coco.py',
    'tood/tood_r101_fpn_ms-2x_coco.py',
    'tood/tood_r18_fpn_10e_demo.py',
])
def test_tood_configs_use_mmext_head_and_assigner(config):
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmext.models.dense_heads import TOODHead
    from mmext.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', config))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert type(model.bbox_head) is TOODHead
    # mmdet's TOODHead: ATSS for the first epochs, then task alignment
    assert type(model.bbox_head.alignment_assigner) is TaskAlignedAssigner
    assert model.bbox_head.alignment_assigner.topk == 13
