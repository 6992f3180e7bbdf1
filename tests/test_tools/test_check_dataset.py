"""tools/misc/check_dataset.py and the checks train.py / test.py run first:
bad annotations, images of another size, a missing evaluator file and a
checkpoint of another model are refused, each named."""
import json
import shutil

import cv2
import pytest
import torch

from mmext.testing import run_tool

pytestmark = pytest.mark.slow

CONFIG = """
_base_ = 'mmext::demo/atss_r18_fpn_10e_demo.py'
data_root = '{root}/'
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
"""


def copy_demo(demo_data_root, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(demo_data_root, root)
    config = tmp_path / 'config.py'
    config.write_text(CONFIG.format(root=root))
    return root, str(config)


def refused_training(config, tmp_path) -> str:
    """tools/train.py's stderr, having refused before building a runner (no
    work dir)."""
    train = run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path / 'work'),
        check=False)
    assert train.returncode != 0
    assert not (tmp_path / 'work').exists()  # refused before the runner
    return train.stderr


def test_clean_data_passes_with_counts(demo_data_root, tmp_path):
    _, config = copy_demo(demo_data_root, tmp_path)
    proc = run_tool('tools/misc/check_dataset.py', config)
    assert 'No problem found.' in proc.stdout
    assert 'instances_train.json): 24 images' in proc.stdout
    assert 'astronaut' in proc.stdout


def test_problems_are_listed_and_training_refused(demo_data_root, tmp_path):
    root, config = copy_demo(demo_data_root, tmp_path)
    train_json = root / 'annotations' / 'instances_train.json'
    coco = json.loads(train_json.read_text())
    bad = coco['annotations'][0]
    bad['bbox'][1] = float('nan')
    train_json.write_text(json.dumps(coco))
    val_json = json.loads(
        (root / 'annotations' / 'instances_val.json').read_text())
    image_name = val_json['images'][0]['file_name']
    image_path = next(root.glob(f'**/{image_name}'))
    image = cv2.imread(str(image_path))
    cv2.imwrite(str(image_path), cv2.resize(image, (50, 40)))

    proc = run_tool('tools/misc/check_dataset.py', config, check=False)
    assert proc.returncode == 1
    assert '2 problem(s)' in proc.stdout
    assert (f'annotation id {bad["id"]} (image id {bad["image_id"]}): '
            'bbox') in proc.stdout and 'NaN' in proc.stdout
    assert f'{image_name} is 50x40, its annotations say' in proc.stdout

    stderr = refused_training(config, tmp_path)
    assert f'annotation id {bad["id"]}' in stderr
    assert '--skip-data-check' in stderr


def test_missing_evaluator_file_and_truncated_json(demo_data_root, tmp_path):
    root, config = copy_demo(demo_data_root, tmp_path)
    proc = run_tool(
        'tools/train.py',
        config,
        '--cfg-options',
        'val_evaluator.ann_file=nope/val.json',
        check=False)
    assert proc.returncode != 0
    assert "val_evaluator.ann_file: annotation file 'nope/val.json'" in (
        proc.stderr)
    train_json = root / 'annotations' / 'instances_train.json'
    train_json.write_text(train_json.read_text()[:-100])
    proc = run_tool('tools/train.py', config, check=False)
    assert proc.returncode != 0
    assert 'instances_train.json is not valid json' in proc.stderr


def test_test_refuses_another_models_checkpoint(demo_data_root, tmp_path):
    _, config = copy_demo(demo_data_root, tmp_path)
    checkpoint = tmp_path / 'other.pth'
    torch.save(
        dict(
            state_dict=dict(
                backbone_weight=torch.zeros(3),
                **{'bbox_head.atss_cls.weight': torch.zeros(3, 256, 3, 3)})),
        checkpoint)
    proc = run_tool(
        'tools/test.py',
        config,
        str(checkpoint),
        '--work-dir',
        str(tmp_path / 'test'),
        check=False)
    assert proc.returncode != 0
    assert 'does not fit the config\'s model' in proc.stderr
    assert 'bbox_head.atss_cls.weight: (3, 256, 3, 3) in the checkpoint' in (
        proc.stderr)
    assert '--allow-partial-checkpoint' in proc.stderr
    allowed = run_tool('tools/test.py', config, str(checkpoint), '--work-dir',
                       str(tmp_path / 'test'), '--allow-partial-checkpoint',
                       '--cfg-options', 'test_dataloader.dataset.indices=2')
    assert 'coco/bbox_mAP' in allowed.stdout + allowed.stderr


def test_a_json_without_annotations_or_images_is_a_problem(
        demo_data_root, tmp_path):
    root, config = copy_demo(demo_data_root, tmp_path)
    train_json = root / 'annotations' / 'instances_train.json'
    coco = json.loads(train_json.read_text())
    train_json.write_text(
        json.dumps(dict(coco,
                        annotations=None)).replace('"annotations": null, ',
                                                   ''))
    proc = run_tool('tools/misc/check_dataset.py', config, check=False)
    assert proc.returncode == 1
    assert 'no "annotations" list: every image would train as one' in (
        proc.stdout)
    assert 'No problem found' not in proc.stdout

    train_json.write_text(json.dumps(dict(coco, images=[], annotations=[])))
    proc = run_tool('tools/misc/check_dataset.py', config, check=False)
    assert proc.returncode == 1, proc.stderr
    assert 'no images: the dataset would be empty' in proc.stdout
    assert ('train_dataloader.dataset: not reading images (the dataset '
            'would be empty)') in proc.stdout
    assert 'no images: the dataset would be empty' in refused_training(
        config, tmp_path)
