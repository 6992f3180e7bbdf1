import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmext.datasets import DemoDetDataset
from mmext.testing import run_tool

pytestmark = pytest.mark.slow


def _digest(root: str) -> str:
    sha = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(dirpath, name), 'rb') as f:
                sha.update(name.encode() + f.read())
    return sha.hexdigest()


def _load(root: str, split: str) -> dict:
    with open(osp.join(root, 'annotations', f'instances_{split}.json')) as f:
        return json.load(f)


def test_layout_and_coco_fields(demo_data_root):
    for split, num in (('train', 24), ('val', 8)):
        coco = _load(demo_data_root, split)
        assert len(coco['images']) == num
        assert [c['name'] for c in coco['categories']
                ] == list(DemoDetDataset.METAINFO['classes'])
        for img in coco['images']:
            path = osp.join(demo_data_root, split, img['file_name'])
            h, w = cv2.imread(path).shape[:2]
            assert (h, w) == (img['height'], img['width'])
        ids = [a['id'] for a in coco['annotations']]
        assert len(set(ids)) == len(ids)


def test_boxes_lie_inside_their_images(demo_data_root):
    coco = _load(demo_data_root, 'train')
    sizes = {
        img['id']: (img['width'], img['height'])
        for img in coco['images']
    }
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        img_w, img_h = sizes[ann['image_id']]
        assert w >= 2 and h >= 2
        assert 0 <= x and x + w <= img_w and 0 <= y and y + h <= img_h
        assert ann['area'] == w * h and ann['iscrowd'] == 0


def test_boxes_cover_pasted_photographs(demo_data_root):
    """A box holds a pasted object: its pixels differ from the texture
    around it more than the texture differs from itself."""
    coco = _load(demo_data_root, 'train')
    ann = max(coco['annotations'], key=lambda a: a['area'])
    img_info = next(i for i in coco['images'] if i['id'] == ann['image_id'])
    img = cv2.imread(osp.join(demo_data_root, 'train',
                              img_info['file_name'])).astype(np.float32)
    x, y, w, h = (int(v) for v in ann['bbox'])
    inside = img[y:y + h, x:x + w].reshape(-1, 3)
    assert inside.std(0).mean() > 10  # a photograph, not a flat fill


def test_default_set_has_tiny_large_crowded_and_empty_images(tmp_path):
    out = str(tmp_path / 'demo')
    proc = run_tool('tools/misc/make_demo_data.py', '--out-dir', out,
                    '--ad-out-dir', str(tmp_path / 'demo_ad'))
    assert 'train: images=320' in proc.stdout
    coco = _load(out, 'train')
    sizes = np.array([max(a['bbox'][2:]) for a in coco['annotations']])
    per_image = np.bincount([a['image_id'] for a in coco['annotations']],
                            minlength=len(coco['images']))
    assert (sizes < 16).sum() > 100 and (sizes >= 96).sum() > 50
    assert (per_image == 0).sum() >= 10
    assert (per_image >= 20).sum() >= 10
    labels = np.bincount([a['category_id'] for a in coco['annotations']])
    assert (labels[1:] > 200).all()  # every class well represented


def test_generation_is_deterministic(tmp_path, demo_data_root, demo_ad_root):
    small = ('--num-train', '24', '--num-val', '8', '--ad-num-train', '16',
             '--ad-num-test', '4')
    again, again_ad = str(tmp_path / 'again'), str(tmp_path / 'again_ad')
    run_tool('tools/misc/make_demo_data.py', '--out-dir', again,
             '--ad-out-dir', again_ad, *small)
    assert _digest(again) == _digest(demo_data_root)
    assert _digest(again_ad) == _digest(demo_ad_root)
    other, other_ad = str(tmp_path / 'other'), str(tmp_path / 'other_ad')
    run_tool('tools/misc/make_demo_data.py', '--out-dir', other,
             '--ad-out-dir', other_ad, *small, '--seed', '1')
    assert _digest(other) != _digest(demo_data_root)
    assert _digest(other_ad) != _digest(demo_ad_root)


def test_rerun_replaces_its_own_files_and_keeps_everything_else(tmp_path):
    small = ('--num-train', '4', '--num-val', '2', '--ad-num-train', '2',
             '--ad-num-test', '1')
    out, ad = tmp_path / 'det', tmp_path / 'ad'
    run_tool('tools/misc/make_demo_data.py', '--out-dir', str(out),
             '--ad-out-dir', str(ad), *small)
    # What a user and the other tools put there survives a rerun.
    (out / 'sub').mkdir()
    (out / 'sub' / 'mine.txt').write_text('keep me')
    (out / 'noisy_anns').mkdir()
    (out / 'noisy_anns' / 'refined.json').write_text('{}')
    stale = out / 'train' / '000003.jpg'
    run_tool('tools/misc/make_demo_data.py', '--out-dir', str(out),
             '--ad-out-dir', str(ad), *small[:1], '2', *small[2:])
    assert (out / 'sub' / 'mine.txt').read_text() == 'keep me'
    assert (out / 'noisy_anns' / 'refined.json').is_file()
    assert not stale.exists()  # ours, from the 4-image run
    assert _load(str(out),
                 'train')['images'][-1]['file_name'].endswith('000001.jpg')


def test_refuses_a_directory_it_did_not_write(tmp_path):
    out = tmp_path / 'photos'
    out.mkdir()
    (out / 'holiday.jpg').write_bytes(b'not ours')
    proc = run_tool(
        'tools/misc/make_demo_data.py',
        '--out-dir',
        str(out),
        '--ad-out-dir',
        str(tmp_path / 'ad'),
        check=False)
    assert proc.returncode != 0
    assert 'was not written by this tool' in proc.stderr
    assert 'nothing was deleted' in proc.stderr
    assert (out / 'holiday.jpg').read_bytes() == b'not ours'
