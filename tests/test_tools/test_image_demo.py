"""demo/image_demo.py: detections for a detector config (mmdet's
DetInferencer), panels for DMDD (AnomalyInferencer), and no output folder
overwritten without --overwrite."""
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmext.datasets import DemoDetDataset
from mmext.registry import MODELS
from mmext.testing import run_tool

pytestmark = pytest.mark.slow

DET_CONFIG = 'configs/demo/atss_r18_fpn_10e_demo.py'
AD_CONFIG = 'configs/dmdd/dmdd_r18_800it_demo-brick.py'


def save_checkpoint(config, path, **meta):
    init_default_scope('mmext')
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    state = model.state_dict()
    if 'bbox_head.atss_cls.bias' in state:
        # Confident enough to pass the test score threshold.
        state['bbox_head.atss_cls.bias'].fill_(2.)
    torch.save(dict(state_dict=state, meta=meta), path)
    return str(path)


@pytest.fixture(scope='module')
def image_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('inputs')
    rng = np.random.RandomState(0)
    for name in ('x', 'y'):
        cv2.imwrite(
            str(folder / f'{name}.jpg'),
            rng.randint(0, 255, (100, 140, 3), np.uint8))
    return str(folder)


def test_detector(image_dir, tmp_path):
    ckpt = save_checkpoint(
        DET_CONFIG,
        tmp_path / 'atss.pth',
        dataset_meta=dict(classes=DemoDetDataset.METAINFO['classes']))
    out = tmp_path / 'out'
    args = ('demo/image_demo.py', image_dir, DET_CONFIG, '--weights', ckpt,
            '--out-dir', str(out), '--device', 'cpu', '--pred-score-thr', '0')
    proc = run_tool(*args)
    found = 0
    for name in ('x', 'y'):
        assert cv2.imread(str(out / 'vis' / f'{name}.jpg')).shape == (100, 140,
                                                                      3)
        pred = json.loads((out / 'preds' / f'{name}.json').read_text())
        assert len(pred['bboxes']) == len(pred['scores']) == len(
            pred['labels']) > 0
        assert all(0 <= label < 6 for label in pred['labels'])
        found += len(pred['scores'])
    assert f'{found} detections >= 0.0 in 2 images' in proc.stdout
    assert 'Failed to add' not in proc.stdout + proc.stderr
    before = (out / 'vis' / 'x.jpg').read_bytes()
    refused = run_tool(*args, check=False)
    assert refused.returncode != 0
    assert '--overwrite' in refused.stderr and 'holds files' in refused.stderr
    assert (out / 'vis' / 'x.jpg').read_bytes() == before
    run_tool(*args, '--overwrite')


def test_anomaly_model(image_dir, tmp_path):
    ckpt = save_checkpoint(AD_CONFIG, tmp_path / 'dmdd.pth')
    out = tmp_path / 'out'
    proc = run_tool('demo/image_demo.py',
                    image_dir, AD_CONFIG, '--weights', ckpt, '--out-dir',
                    str(out), '--device', 'cpu', '--threshold', '0.5')
    anomalous = 0
    for name in ('x', 'y'):
        panel = cv2.imread(str(out / 'vis' / f'{name}.png'))
        assert panel.shape == (100 + 2 * 14, 3 * 140 + 28, 3)
        pred = json.loads((out / 'preds' / f'{name}.json').read_text())
        assert pred['threshold'] == 0.5
        assert pred['is_anomalous'] == (pred['pred_score'] >= 0.5)
        assert np.load(out / 'preds' / f'{name}.npy').shape == (100, 140)
        anomalous += pred['is_anomalous']
    assert (f'{anomalous} of 2 images anomalous (image score >= 0.5)'
            in proc.stdout)
    assert 'Failed to add' not in proc.stdout + proc.stderr


def test_missing_checkpoint_is_named(image_dir, tmp_path):
    proc = run_tool(
        'demo/image_demo.py',
        image_dir,
        AD_CONFIG,
        '--weights',
        str(tmp_path / 'nope.pth'),
        check=False)
    assert proc.returncode != 0 and 'nope.pth' in proc.stderr
