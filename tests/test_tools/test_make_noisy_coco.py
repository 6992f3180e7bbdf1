"""make_noisy_coco.py follows the OA-MIL noise model: per-box bounds, the
mean IoU each level implies, clipping, and an unchanged json otherwise."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from mmext.testing import REPO_ROOT, run_tool, tool_error

pytestmark = pytest.mark.slow

TOOL = 'tools/dataset_converters/make_noisy_coco.py'
spec = importlib.util.spec_from_file_location('make_noisy_coco',
                                              osp.join(REPO_ROOT, TOOL))
make_noisy_coco = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_noisy_coco)


def reference_mean_iou(level: float, num: int = 200000) -> float:
    """Mean IoU of a unit box and its noisy copy, sampled directly from the
    model (no clipping): interval overlaps in x and y."""
    rng = np.random.default_rng(0)
    dx, dy, sw, sh = rng.uniform(-level, level, size=(4, num))
    w, h = 1 + sw, 1 + sh
    ix = np.clip(
        np.minimum(0.5, dx + w / 2) - np.maximum(-0.5, dx - w / 2), 0, None)
    iy = np.clip(
        np.minimum(0.5, dy + h / 2) - np.maximum(-0.5, dy - h / 2), 0, None)
    inter = ix * iy
    return float(np.mean(inter / (1 + w * h - inter)))


def make_coco(num_boxes: int = 3000, seed: int = 0) -> dict:
    """Boxes of random sizes and shapes, far from a big image's borders,
    and one crowd region."""
    rng = np.random.default_rng(seed)
    anns = []
    for i in range(num_boxes):
        w, h = rng.uniform(4, 300, size=2)
        anns.append(
            dict(
                id=i + 1,
                image_id=1 + i % 3,
                category_id=1,
                bbox=[float(v) for v in (5000 - w / 2, 5000 - h / 2, w, h)],
                area=float(w * h),
                segmentation=[[
                    5000 - w / 2, 5000, 5000, 5000 - h / 2, 5000 + w / 2, 5000
                ]],
                iscrowd=0))
    anns.append(
        dict(
            id=num_boxes + 1,
            image_id=1,
            category_id=1,
            bbox=[10., 10., 50., 50.],
            area=2500.,
            iscrowd=1))
    return dict(
        images=[
            dict(id=i, file_name=f'{i}.jpg', width=10000, height=10000)
            for i in (1, 2, 3)
        ],
        categories=[dict(id=1, name='thing')],
        annotations=anns,
        info=dict(description='test'))


@pytest.mark.parametrize('level', [0.1, 0.2, 0.3, 0.4])
def test_mean_iou_of_each_level_matches_the_noise_model(level):
    coco = make_coco()
    noisy = make_noisy_coco.add_box_noise(coco, level, seed=3)
    ious = make_noisy_coco.matched_box_ious(coco, noisy)
    assert len(ious) == 3000
    # 3000 boxes: the standard error of the mean is below 0.004.
    assert abs(ious.mean() - reference_mean_iou(level)) < 0.015
    assert ious.min() > 0


def test_reference_is_exact_without_noise_and_falls_with_the_level():
    assert reference_mean_iou(0.0, num=10) == pytest.approx(1.0)
    means = [reference_mean_iou(level) for level in (0.1, 0.2, 0.3, 0.4)]
    assert all(a > b for a, b in zip(means, means[1:]))


def test_each_box_stays_within_the_noise_bounds():
    coco = make_coco(500)
    level = 0.3
    noisy = make_noisy_coco.add_box_noise(coco, level, seed=5)
    for clean_ann, noisy_ann in zip(coco['annotations'], noisy['annotations']):
        x, y, w, h = clean_ann['bbox']
        nx, ny, nw, nh = noisy_ann['bbox']
        tol = 0.02  # boxes are rounded to 0.01 px
        assert abs(nx + nw / 2 - (x + w / 2)) <= level * w + tol
        assert abs(ny + nh / 2 - (y + h / 2)) <= level * h + tol
        assert (1 - level) * w - tol <= nw <= (1 + level) * w + tol
        assert (1 - level) * h - tol <= nh <= (1 + level) * h + tol


def test_boxes_are_clipped_to_the_image_and_degenerate_ones_stay_clean():
    boxes = np.array([[0., 0., 10., 10.], [90., 40., 10., 20.],
                      [99.5, 0., 0.5, 0.5]])
    rng = np.random.RandomState(0)
    noisy = np.concatenate([
        make_noisy_coco.perturb_boxes(boxes, 100, 60, 0.4, rng)
        for _ in range(200)
    ])
    assert (noisy[:, :2] >= 0).all()
    assert (noisy[:, 0] + noisy[:, 2] <= 100 + 1e-9).all()
    assert (noisy[:, 1] + noisy[:, 3] <= 60 + 1e-9).all()
    assert (noisy[:, 2:] > 0).all()
    # A box the noise cannot bring into the image keeps its clean
    # coordinates: centre in [101.4, 101.6], half width at most 0.55.
    outside = np.array([[101., 10., 1., 5.]])
    np.testing.assert_array_equal(
        make_noisy_coco.perturb_boxes(outside, 100, 60, 0.1,
                                      np.random.RandomState(1)), outside)


def test_fields_ids_and_crowd_regions_are_kept():
    coco = make_coco(50)
    noisy = make_noisy_coco.add_box_noise(coco, 0.4, seed=1)
    assert noisy['images'] == coco['images']
    assert noisy['categories'] == coco['categories']
    assert noisy['info'] == coco['info']
    assert [a['id'] for a in noisy['annotations']
            ] == [a['id'] for a in coco['annotations']]
    crowd = [a for a in noisy['annotations'] if a['iscrowd']]
    assert crowd == [a for a in coco['annotations'] if a['iscrowd']]
    changed = ('bbox', 'area', 'segmentation')
    for clean_ann, noisy_ann in zip(coco['annotations'], noisy['annotations']):
        assert {
            k: v
            for k, v in clean_ann.items() if k not in changed
        } == {
            k: v
            for k, v in noisy_ann.items() if k not in changed
        }
        if not clean_ann['iscrowd']:
            # The area is the noisy box's; the clean outline is dropped.
            x, y, w, h = noisy_ann['bbox']
            assert noisy_ann['area'] == pytest.approx(w * h, abs=0.01)
            assert 'segmentation' not in noisy_ann
    # The input is not modified.
    assert coco == make_coco(50)


def test_level_zero_is_the_clean_json_and_seeds_reproduce():
    coco = make_coco(50)
    unchanged = make_noisy_coco.add_box_noise(coco, 0.0)
    np.testing.assert_allclose([a['bbox'] for a in unchanged['annotations']],
                               [a['bbox'] for a in coco['annotations']],
                               atol=0.005)  # rounded to 0.01 px
    first = make_noisy_coco.add_box_noise(coco, 0.2, seed=7)
    assert first == make_noisy_coco.add_box_noise(coco, 0.2, seed=7)
    assert first != make_noisy_coco.add_box_noise(coco, 0.2, seed=8)


def test_cli_writes_each_level_and_reports_mean_iou(tmp_path):
    ann_file = tmp_path / 'train.json'
    ann_file.write_text(json.dumps(make_coco(300)))
    out_dir = tmp_path / 'noisy'
    proc = run_tool(TOOL, str(ann_file), '--out-dir', str(out_dir), '--levels',
                    '0.1', '0.4')
    for level in (10, 40):
        path = out_dir / f'train_noise{level}.json'
        assert path.is_file()
        noisy = json.loads(path.read_text())
        assert len(noisy['annotations']) == 301
    lines = [line.split() for line in proc.stdout.splitlines()[1:]]
    assert [line[0] for line in lines] == ['0.10', '0.40']
    assert float(lines[0][2]) > float(lines[1][2])
    run_tool(TOOL, str(ann_file), '--out-dir', str(out_dir), '--levels', '0.4',
             '--seed', '2')
    assert (out_dir / 'train_noise40_seed2.json').is_file()
    # An existing output is replaced only with --overwrite.
    before = (out_dir / 'train_noise40.json').read_text()
    proc = run_tool(
        TOOL,
        str(ann_file),
        '--out-dir',
        str(out_dir),
        '--levels',
        '0.4',
        check=False)
    assert proc.returncode != 0 and '--overwrite' in proc.stderr
    assert (out_dir / 'train_noise40.json').read_text() == before
    run_tool(TOOL, str(ann_file), '--out-dir', str(out_dir), '--levels', '0.4',
             '--overwrite')


def test_cli_errors_name_the_problem(tmp_path):
    ann_file = tmp_path / 'train.json'
    coco = make_coco(3)
    coco['annotations'][1]['bbox'] = [1, 2, 0, 5]
    ann_file.write_text(json.dumps(coco))
    stderr = tool_error(TOOL, str(ann_file), '--out-dir', str(tmp_path))
    assert 'annotation id 2 has bbox [1, 2, 0, 5]' in stderr
    stderr = tool_error(TOOL, str(ann_file), '--out-dir', str(tmp_path),
                        '--levels', '1.5')
    assert 'noise level must be in [0, 1), got 1.5' in stderr
