"""make_sparse_coco.py keeps the documented annotations of each setting,
never removes images, and says what it kept."""
import json

import pytest

from mmext.testing import run_tool

pytestmark = pytest.mark.slow

TOOL = 'tools/dataset_converters/make_sparse_coco.py'


def make_coco(path):
    """Image 1: 3 cats, 1 dog; image 2: 2 cats; image 3: 5 dogs, 1 cat and a
    crowd region; image 4: nothing."""
    anns = []

    def add(image_id, category_id, n, iscrowd=0):
        for _ in range(n):
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=image_id,
                    category_id=category_id,
                    bbox=[1, 1, 5, 5],
                    area=25,
                    iscrowd=iscrowd))

    add(1, 1, 3)
    add(1, 2, 1)
    add(2, 1, 2)
    add(3, 2, 5)
    add(3, 1, 1)
    add(3, 2, 1, iscrowd=1)
    coco = dict(
        images=[
            dict(id=i, file_name=f'{i}.jpg', width=10, height=10)
            for i in (1, 2, 3, 4)
        ],
        categories=[dict(id=1, name='cat'),
                    dict(id=2, name='dog')],
        annotations=anns)
    path.write_text(json.dumps(coco))
    return coco


def counts(coco):
    """(image, category) -> non-crowd annotations."""
    out = {}
    for ann in coco['annotations']:
        if not ann['iscrowd']:
            key = (ann['image_id'], ann['category_id'])
            out[key] = out.get(key, 0) + 1
    return out


@pytest.fixture()
def sparse(tmp_path):
    src = tmp_path / 'instances_train.json'
    full = make_coco(src)
    proc = run_tool(TOOL, str(src), '--out-dir', str(tmp_path / 'out'),
                    '--settings', 'easy', 'hard', 'extreme', 'keep1', 'drop50')
    out = {
        s: json.loads(
            (tmp_path / 'out' / f'instances_train_{s}.json').read_text())
        for s in ('easy', 'hard', 'extreme', 'keep1', 'drop50')
    }
    return full, out, proc.stdout


def test_settings_keep_the_documented_counts(sparse):
    full, out, _ = sparse
    assert counts(full) == {
        (1, 1): 3,
        (1, 2): 1,
        (2, 1): 2,
        (3, 2): 5,
        (3, 1): 1
    }
    assert counts(out['easy']) == {
        (1, 1): 2,
        (1, 2): 1,
        (2, 1): 1,
        (3, 2): 4,
        (3, 1): 1
    }
    assert counts(out['hard']) == {
        (1, 1): 2,
        (1, 2): 1,
        (2, 1): 1,
        (3, 2): 3,
        (3, 1): 1
    }
    assert counts(out['extreme']) == {
        (1, 1): 1,
        (1, 2): 1,
        (2, 1): 1,
        (3, 2): 1,
        (3, 1): 1
    }
    per_image = {}
    for (image_id, _), n in counts(out['keep1']).items():
        per_image[image_id] = per_image.get(image_id, 0) + n
    assert per_image == {1: 1, 2: 1, 3: 1}
    assert sum(counts(out['drop50']).values()) == 6  # 12 objects, half


def test_images_crowd_and_other_keys_are_kept(sparse):
    full, out, _ = sparse
    full_ids = {ann['id'] for ann in full['annotations']}
    for coco in out.values():
        assert coco['images'] == full['images']
        assert coco['categories'] == full['categories']
        assert any(ann['iscrowd'] for ann in coco['annotations'])
        assert {ann['id'] for ann in coco['annotations']} <= full_ids


def test_report_lists_kept_boxes_per_category(sparse):
    _, _, stdout = sparse
    assert 'setting extreme' in stdout
    # extreme keeps 3 of 6 cats and 2 of 6 dogs.
    extreme = stdout.split('setting extreme')[1].split('wrote')[0]
    assert [line.split()[:3]
            for line in extreme.splitlines()[2:5]] == [['cat', '3', '6'],
                                                       ['dog', '2', '6'],
                                                       ['all', '5', '12']]


def test_seed_changes_the_draw_reproducibly(tmp_path):
    src = tmp_path / 'a.json'
    make_coco(src)
    ids = {}
    for seed in ('1', '1', '2'):
        out = tmp_path / f'out{len(ids)}'
        run_tool(TOOL, str(src), '--out-dir', str(out), '--settings', 'drop50',
                 '--seed', seed)
        name = 'a_drop50.json' if seed == '1' else 'a_drop50_seed2.json'
        coco = json.loads((out / name).read_text())
        ids[len(ids)] = sorted(a['id'] for a in coco['annotations'])
    assert ids[0] == ids[1]
    assert ids[0] != ids[2]


@pytest.mark.parametrize('setting', ['medium', 'drop100', 'drop0'])
def test_unknown_setting_is_refused(tmp_path, setting):
    src = tmp_path / 'a.json'
    make_coco(src)
    proc = run_tool(
        TOOL,
        str(src),
        '--out-dir',
        str(tmp_path),
        '--settings',
        setting,
        check=False)
    assert proc.returncode != 0
    assert f'unknown sparse setting {setting!r}' in proc.stderr


def test_annotation_of_a_missing_image_is_named(tmp_path):
    src = tmp_path / 'a.json'
    coco = make_coco(src)
    coco['annotations'][0]['image_id'] = 99
    src.write_text(json.dumps(coco))
    proc = run_tool(TOOL, str(src), '--out-dir', str(tmp_path), check=False)
    assert proc.returncode != 0
    assert 'annotation id 1 refers to image id 99' in proc.stderr


def test_json_without_annotations_is_refused(tmp_path):
    src = tmp_path / 'train.json'
    coco = make_coco(src)
    del coco['annotations']
    src.write_text(json.dumps(coco))
    proc = run_tool(
        TOOL, str(src), '--out-dir', str(tmp_path / 'out'), check=False)
    assert proc.returncode != 0
    assert 'has no "annotations" list' in proc.stderr
    assert not (tmp_path / 'out').exists()
