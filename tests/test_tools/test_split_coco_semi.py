"""tools/dataset_converters/split_coco_semi.py on the demo set's json."""
import json
import os.path as osp

import pytest

from mmext.testing import run_tool, tool_error

pytestmark = pytest.mark.slow

TOOL = 'tools/dataset_converters/split_coco_semi.py'


def load(path):
    with open(path) as f:
        return json.load(f)


def test_writes_disjoint_labeled_and_unlabeled_splits(demo_data_root,
                                                      tmp_path):
    ann_file = osp.join(demo_data_root, 'annotations', 'instances_train.json')
    out = str(tmp_path)
    proc = run_tool(TOOL, ann_file, '--out-dir', out, '--percents', '10', '50',
                    '--folds', '1', '2')
    coco = load(ann_file)
    all_ids = {img['id'] for img in coco['images']}
    assert len(all_ids) == 24
    picked = {}
    for fold in (1, 2):
        for percent, expected in ((10, 2), (50, 12)):
            name = f'instances_train.{fold}@{percent}'
            labeled = load(osp.join(out, f'{name}.json'))
            unlabeled = load(osp.join(out, f'{name}-unlabeled.json'))
            labeled_ids = {img['id'] for img in labeled['images']}
            unlabeled_ids = {img['id'] for img in unlabeled['images']}
            # int(percent% * N) images, drawn without replacement.
            assert len(labeled['images']) == len(labeled_ids) == expected
            assert labeled_ids | unlabeled_ids == all_ids
            assert not labeled_ids & unlabeled_ids
            # Every annotation of a labeled image, and only those.
            assert sorted(a['id'] for a in labeled['annotations']) == sorted(
                a['id'] for a in coco['annotations']
                if a['image_id'] in labeled_ids)
            assert labeled['categories'] == coco['categories']
            assert unlabeled['categories'] == coco['categories']
            picked[fold, percent] = labeled_ids
            assert f'{name:<40} {expected:>8} {24 - expected:>10}' in \
                proc.stdout
    assert picked[1, 50] != picked[2, 50]  # folds are different seeds

    # Existing splits are replaced only with --overwrite.
    written = open(osp.join(out, 'instances_train.1@10.json')).read()
    refused = run_tool(
        TOOL,
        ann_file,
        '--out-dir',
        out,
        '--percents',
        '10',
        '--folds',
        '1',
        check=False)
    assert refused.returncode != 0 and '--overwrite' in refused.stderr
    run_tool(TOOL, ann_file, '--out-dir', out, '--percents', '10', '--folds',
             '1', '--overwrite')
    assert open(osp.join(out, 'instances_train.1@10.json')).read() == written

    # Same fold, same split.
    again = str(tmp_path / 'again')
    run_tool(TOOL, ann_file, '--out-dir', again, '--percents', '50', '--folds',
             '1')
    assert {
        img['id']
        for img in load(osp.join(again, 'instances_train.1@50.json'))['images']
    } == picked[1, 50]


def test_unlabeled2017_set(demo_data_root, tmp_path):
    ann_file = osp.join(demo_data_root, 'annotations', 'instances_train.json')
    info = tmp_path / 'image_info_unlabeled2017.json'
    info.write_text(json.dumps(dict(images=[dict(id=7, file_name='a.jpg')])))
    run_tool(TOOL, ann_file, '--out-dir', str(tmp_path), '--percents', '50',
             '--folds', '1', '--unlabeled-info', str(info))
    out = load(str(tmp_path / 'instances_unlabeled2017.json'))
    assert out['images'] == [dict(id=7, file_name='a.jpg')]
    assert out['annotations'] == []
    assert out['categories'] == load(ann_file)['categories']


def test_errors_name_the_problem(demo_data_root, tmp_path):
    ann_file = osp.join(demo_data_root, 'annotations', 'instances_train.json')
    stderr = tool_error(TOOL, ann_file, '--out-dir', str(tmp_path),
                        '--percents', '1')
    assert '1.0% of 24 images is no image' in stderr

    coco = load(ann_file)
    coco['annotations'][0]['image_id'] = 999999
    broken = tmp_path / 'broken.json'
    broken.write_text(json.dumps(coco))
    proc = run_tool(
        TOOL,
        str(broken),
        '--out-dir',
        str(tmp_path),
        '--percents',
        '50',
        '--folds',
        '1',
        check=False)
    assert (f'annotation id {coco["annotations"][0]["id"]} refers to image '
            'id 999999') in proc.stderr

    del coco['annotations']
    broken.write_text(json.dumps(coco))
    proc = run_tool(
        TOOL, str(broken), '--out-dir', str(tmp_path / 'none'), check=False)
    assert 'has no "annotations" list' in proc.stderr
