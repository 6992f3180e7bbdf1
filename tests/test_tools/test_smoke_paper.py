"""tools/misc/smoke_paper.py and mmext.testing.paper_data: generated data in
each paper config's own format loads through the config's datasets and
evaluators; the smoke config switches pretrained weights off and starts
late stages; a config that does not run is reported and fails the tool.
(The real runs are `make smoke-paper`; CI runs one config a method.)"""
import importlib.util
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmext.registry import DATASETS
from mmext.testing import REPO_ROOT, run_tool, tool_error
from mmext.testing.paper_data import PaperDataWriter, leaf_datasets
from mmext.utils import register_all_modules

pytestmark = pytest.mark.slow

register_all_modules()
spec = importlib.util.spec_from_file_location(
    'smoke_paper', osp.join(REPO_ROOT, 'tools', 'misc', 'smoke_paper.py'))
smoke_paper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(smoke_paper)

# One config of each data format.
FORMATS = [
    'configs/mixteacher/mixteacher_faster-rcnn_r50-caffe_fpn_180k_semi-0.1-'
    'coco.py',  # semi-supervised COCO splits
    'configs/mixteacher/mixteacher_faster-rcnn_r50-caffe_fpn_40k_voc07-'
    'voc12.py',  # VOC as COCO jsons
    'configs/calibrated_teacher/calibrated-teacher_retinanet_r101-caffe_fpn_'
    '180k_coco-sparse-keep1.py',  # sparse annotations
    'configs/ssd_det/ssd-det_r50_fpn_1x_coco-noise40.py',  # noisy + clean
    'configs/ssd_det/faster-rcnn_r50_fpn_1x_voc07-noise40-refined.py',
    'configs/dmdd/dmdd_wrn50_5k_mvtec-bottle.py',  # MVTec AD
    'configs/dmdd/dmdd_wrn50_5k_visa-candle.py',  # VisA
    'configs/dmdd/dmdd_wrn50_5k_mvtec3d-bagel.py',  # MVTec 3D-AD
]


@pytest.mark.parametrize('config', FORMATS)
def test_generated_data_loads_through_the_config(config, tmp_path,
                                                 monkeypatch):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    cfg, _, train_images = smoke_paper.smoke_config(cfg, iters=2)
    PaperDataWriter(str(tmp_path), num_images=3).write(cfg, train_images)
    monkeypatch.chdir(tmp_path)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    for split in ('train', 'val', 'test'):
        for leaf in leaf_datasets(cfg[f'{split}_dataloader'].dataset):
            dataset = DATASETS.build(leaf)
            assert len(dataset) > 0, (split, leaf)
    for split in ('val', 'test'):
        metrics = cfg[f'{split}_evaluator']
        for metric in metrics if isinstance(metrics, list) else [metrics]:
            for key in ('ann_file', 'clean_ann_file'):
                if metric.get(key):
                    assert osp.isfile(metric[key]), (split, key)


def test_smoke_config_switches_downloads_off_and_starts_stages():
    cfg = Config.fromfile(
        osp.join(
            REPO_ROOT, 'configs/calibrated_teacher/calibrated-teacher_'
            'retinanet_r101-caffe_fpn_180k_coco-sparse-easy.py'))
    cfg, changes, _ = smoke_paper.smoke_config(cfg, iters=3)
    assert 'Pretrained' not in str(cfg.model)
    assert cfg.model.detector.bbox_head.focal_iou_weight.start_iter == 0
    assert cfg.train_cfg.max_iters == 3 and cfg.train_cfg.val_interval == 3
    assert any('start_iter=0' in c for c in changes)
    assert 'calibrator refit every iteration' in changes
    tood = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/tood/tood_r50_fpn_1x_coco.py'))
    tood, changes, images = smoke_paper.smoke_config(tood, iters=2)
    assert tood.train_cfg.max_epochs == 1
    assert images == 2 * tood.train_dataloader.batch_size
    assert tood.model.train_cfg.initial_epoch == 0


def test_every_paper_config_is_listed():
    configs = smoke_paper.paper_configs()
    assert 'configs/dmdd/dmdd_wrn50_5k_mvtec-bottle.py' in configs
    assert not any('demo' in c for c in configs)
    assert set(smoke_paper.CI_CONFIGS) <= set(configs)


def test_a_config_that_does_not_run_fails_the_tool(tmp_path):
    config = tmp_path / 'broken.py'
    base = osp.join(REPO_ROOT, 'configs/rcnet/retinanet_r50_rcnet_1x_coco.py')
    config.write_text(f"_base_ = '{base}'\n"
                      "model = dict(neck=dict(type='NoSuchNeck'))\n")
    result = smoke_paper.run_one(str(config), str(tmp_path / 'out'), iters=1)
    assert result['error'] is not None
    assert 'NoSuchNeck' in open(result['log']).read()
    assert 'FAILED' in smoke_paper.table([result])
    os.makedirs(tmp_path / 'out2' / 'broken')
    (tmp_path / 'out2' / 'broken' / 'x').write_text('keep')
    with pytest.raises(SystemExit, match='not empty'):
        smoke_paper.run_one(str(config), str(tmp_path / 'out2'), iters=1)


def test_a_stopped_run_goes_on_from_its_table(tmp_path):
    """--resume keeps the configs that ran and runs the others again,
    writing the table after each; an existing table is never replaced
    without it, and a file that is not such a table never."""
    config = tmp_path / 'broken.py'
    base = osp.join(REPO_ROOT, 'configs/rcnet/retinanet_r50_rcnet_1x_coco.py')
    config.write_text(f"_base_ = '{base}'\n"
                      "model = dict(neck=dict(type='NoSuchNeck'))\n")
    ran = ('| configs/rcnet/retinanet_r50_rcnet_1x_coco.py | 4 | 83.9 | 9.9 | '
           '181 | ok | - |')
    table = tmp_path / 'table.md'
    earlier = '\n'.join(
        smoke_paper.TABLE_HEADER +
        [f'| {config} | 4 | 1.0 | 1.0 | 1 | FAILED: old error | - |', ran]
    ) + '\n'
    table.write_text(earlier)
    tool = osp.join('tools', 'misc', 'smoke_paper.py')
    args = (tool, 'configs/rcnet/retinanet_r50_rcnet_1x_coco.py', str(config),
            '--iters', '1', '--out-dir', str(tmp_path / 'out'), '--markdown',
            str(table))
    assert 'exists; give --resume' in tool_error(*args)
    assert table.read_text() == earlier
    proc = run_tool(*args, '--resume', check=False)
    assert proc.returncode == 1  # the broken config ran again and failed
    assert 'retinanet_r50_rcnet_1x_coco.py: ran in' in proc.stdout
    rows = table.read_text().splitlines()
    assert rows[:2] == smoke_paper.TABLE_HEADER
    assert rows[2] == ran  # kept, not run again; the configs' order
    assert rows[3].startswith(f'| {config} |') and 'FAILED' in rows[3]
    assert 'old error' not in rows[3] and len(rows) == 4
    notes = tmp_path / 'notes.md'
    notes.write_text('my notes\n')
    error = tool_error(tool, str(config), '--markdown', str(notes), '--resume',
                       '--out-dir', str(tmp_path / 'out2'))
    assert 'is not a table of this tool' in error
    assert notes.read_text() == 'my notes\n'
