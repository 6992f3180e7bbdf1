"""DMDD through tools/train.py and tools/test.py on the small demo texture
set: both training stages, resuming into the second, the three metrics, and
heat-map panels from --show-dir."""
import glob
import os.path as osp
import re
import shutil

import cv2
import pytest

from mmext.testing import run_tool

pytestmark = pytest.mark.slow

SMALL_DMDD = """
_base_ = 'mmext::dmdd/dmdd_r18_800it_demo-brick.py'
data_root = '{root}/'
model = dict(distill_iters=2)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=4, val_interval=4)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, max_keep_ckpts=-1))
randomness = dict(seed=0)
"""


def test_train_then_test_with_heat_maps(demo_ad_root, tmp_path):
    config = tmp_path / 'small_dmdd.py'
    config.write_text(SMALL_DMDD.format(root=demo_ad_root))
    work_dir = tmp_path / 'work'
    train = run_tool('tools/train.py', str(config), '--work-dir',
                     str(work_dir))
    log = train.stdout + train.stderr
    assert 'loss_ngm' in log and 'loss_aim' in log  # iterations 0-1
    assert 'loss_focal' in log and 'loss_l1' in log  # iterations 2-3
    ckpt = work_dir / 'iter_4.pth'
    assert ckpt.is_file()

    # Resumed after the distillation stage, training goes on in the
    # segmentation stage.
    resumed_dir = tmp_path / 'resumed'
    resumed_dir.mkdir()
    shutil.copy(work_dir / 'iter_2.pth', resumed_dir)
    resumed = run_tool('tools/train.py', str(config), '--work-dir',
                       str(resumed_dir), '--resume',
                       str(resumed_dir / 'iter_2.pth'))
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 0, iter: 2' in log
    iterations = [line for line in log.splitlines() if 'Iter(train)' in line]
    assert len(iterations) == 2
    # Only the trained losses are logged, not the frozen distillation ones.
    assert all('loss_focal' in line and 'loss_ngm' not in line
               for line in iterations)
    assert (resumed_dir / 'iter_4.pth').is_file()

    test = run_tool('tools/test.py', str(config), str(ckpt), '--work-dir',
                    str(tmp_path / 'test'), '--show-dir', 'vis')
    log = test.stdout + test.stderr
    for name in ('image_AUROC', 'pixel_AUROC', 'AUPRO'):
        value = float(re.search(rf'anomaly/{name}: ([0-9.]+)', log).group(1))
        assert 0 <= value <= 1
    panels = sorted(
        glob.glob(
            str(tmp_path / 'test' / '*' / 'vis' / 'brick' / '*' / '*.png')))
    assert len(panels) == 4 + 3 * 4  # every test image
    assert {osp.basename(osp.dirname(p))
            for p in panels} == {'good', 'foreign', 'stain', 'scratch'}
    panel = cv2.imread(panels[0])
    image = cv2.imread(
        osp.join(demo_ad_root, 'brick', 'test', 'foreign', '000.png'))
    mask = cv2.imread(
        osp.join(demo_ad_root, 'brick', 'ground_truth', 'foreign',
                 '000_mask.png'), cv2.IMREAD_GRAYSCALE)
    # Titled image | heat map | overlay and a colour bar, at the original
    # size; the ground truth outlined in magenta on the overlay, and a
    # legend strip below.
    h, w = image.shape[:2]
    title_h, bar_w = max(14, h // 8), max(24, w // 5)
    assert panels[0].endswith('foreign/000.png')
    assert panel.shape == (h + 2 * title_h, 3 * w + bar_w, 3)
    assert (panel[title_h:title_h + h, :w] == image).all()
    magenta = (panel[title_h:title_h + h,
                     2 * w:3 * w] == (255, 0, 255)).all(-1)
    assert magenta.any()
    near_mask = cv2.dilate((mask > 0).astype('uint8'), None, iterations=2)
    assert near_mask[magenta].all()
