"""SSD-Det's refine-then-train pipeline with the real tools on a small demo
set: noisy json -> train SSD-Det -> tools/test.py writes the refined json ->
a Faster R-CNN trains on it."""
import glob
import json
import os.path as osp
import textwrap

import pytest
import torch
from mmengine.config import Config

from mmext.registry import DATASETS
from mmext.testing import REPO_ROOT, run_tool
from mmext.utils import register_all_modules

pytestmark = pytest.mark.slow

SSD_DET = """
_base_ = 'mmext::ssd_det/ssd-det_r18_fpn_500it_demo-noise40.py'
root = '{root}/'
noisy = root + 'noisy_anns/instances_train_noise40.json'
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs')
]
refine_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor', 'ann_ids'))
]
model = dict(train_cfg=dict(num_negatives=20))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, ann_file=noisy, pipeline=pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, ann_file=noisy, pipeline=refine_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=noisy, clean_ann_file=root + 'annotations/instances_train.json',
    outfile='{out}')
test_evaluator = val_evaluator
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2), logger=dict(interval=1))
"""

DETECTOR = """
_base_ = 'mmext::ssd_det/faster-rcnn_r18_fpn_500it_demo-noise40-refined.py'
root = '{root}/'
# After two iterations the scores can all sit under the default 0.05
# threshold, and COCO evaluation of no detection reports nothing: keep them.
model = dict(test_cfg=dict(rcnn=dict(score_thr=0.0)))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, ann_file='{refined}'))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_iters=2, val_interval=2)
param_scheduler = []
"""


@pytest.fixture(scope='module')
def noisy_root(demo_data_root):
    run_tool('tools/dataset_converters/make_noisy_coco.py',
             f'{demo_data_root}/annotations/instances_train.json', '--out-dir',
             f'{demo_data_root}/noisy_anns', '--levels', '0.4')
    return demo_data_root


def write(tmp_path, name, template, **fields):
    path = tmp_path / name
    path.write_text(textwrap.dedent(template).format(**fields))
    return str(path)


def test_refine_then_train(noisy_root, tmp_path):
    trained_out = tmp_path / 'after_training.json'
    config = write(
        tmp_path, 'ssd_det.py', SSD_DET, root=noisy_root, out=trained_out)
    work_dir = tmp_path / 'ssd_det'
    proc = run_tool('tools/train.py', config, '--work-dir', str(work_dir))
    assert 'refine/refined_mIoU' in proc.stdout + proc.stderr
    assert trained_out.is_file()

    # tools/test.py on the checkpoint writes the refined training json.
    refined_file = tmp_path / 'refined.json'
    test_config = write(
        tmp_path,
        'ssd_det_test.py',
        SSD_DET,
        root=noisy_root,
        out=refined_file)
    proc = run_tool('tools/test.py', test_config, str(work_dir / 'iter_2.pth'),
                    '--work-dir', str(tmp_path / 'test'))
    log = proc.stdout + proc.stderr
    assert 'refine/noisy_mIoU' in log and 'refine/refined_mIoU' in log
    noisy = json.load(
        open(f'{noisy_root}/noisy_anns/instances_train_noise40.json'))
    refined = json.loads(refined_file.read_text())
    assert [a['id'] for a in refined['annotations']
            ] == [a['id'] for a in noisy['annotations']]
    assert all('refine_score' in a for a in refined['annotations'])
    for ann in refined['annotations']:
        assert ann['bbox'][2] > 0 and ann['bbox'][3] > 0

    # A standard detector trains and evaluates on the refined json.
    detector = write(
        tmp_path,
        'detector.py',
        DETECTOR,
        root=noisy_root,
        refined=refined_file)
    proc = run_tool('tools/train.py', detector, '--work-dir',
                    str(tmp_path / 'detector'))
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr
    assert (tmp_path / 'detector' / 'iter_2.pth').is_file()


SSD_DET_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', 'ssd_det', 'ssd-det_*.py')))


@pytest.mark.parametrize('config', SSD_DET_CONFIGS, ids=osp.basename)
def test_refining_loads_boxes_before_the_resize(config):
    """The network refines boxes at its input scale: a test pipeline that
    loads them after the resize (mmdet's, for evaluation) would hand it
    boxes in the original image."""
    cfg = Config.fromfile(config)
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        types = [t['type'] for t in loader.dataset.pipeline]
        assert types.index('LoadAnnotations') < types.index('Resize')
        assert 'ann_ids' in loader.dataset.pipeline[-1]['meta_keys']


def test_refine_samples_carry_resized_boxes_and_their_ids(noisy_root):
    register_all_modules()
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'ssd_det',
                 'ssd-det_r18_fpn_500it_demo-noise40.py'))
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.data_root = noisy_root + '/'
    dataset = DATASETS.build(dataset_cfg)
    noisy = json.load(
        open(f'{noisy_root}/noisy_anns/instances_train_noise40.json'))
    boxes = {a['id']: a['bbox'] for a in noisy['annotations']}
    item = dataset[0]
    meta = item['data_samples'].metainfo
    scale = torch.tensor(meta['scale_factor']).repeat(2)
    gt = item['data_samples'].gt_instances.bboxes.tensor
    assert len(meta['ann_ids']) == len(gt) > 0
    for box, ann_id in zip(gt, meta['ann_ids']):
        x, y, w, h = boxes[ann_id]
        assert torch.allclose(
            box / scale, torch.tensor([x, y, x + w, y + h]), atol=0.05)
