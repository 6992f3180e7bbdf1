"""The json-level data checks: each kind of bad annotation gives an error
naming the annotation, what mmdet drops by design is counted."""
import copy
import json

import pytest
from mmengine.config import Config

from mmext.utils import (check_annotations, check_data_before_run,
                         check_num_classes, load_coco_json)
from mmext.utils.annotation_check import check_coco

CLEAN = dict(
    images=[dict(id=1, file_name='a.png', width=100, height=80)],
    categories=[dict(id=1, name='cat'),
                dict(id=2, name='cup')],
    annotations=[
        dict(id=10, image_id=1, category_id=1, bbox=[10, 10, 30, 20]),
        dict(id=11, image_id=1, category_id=2, bbox=[50, 40, 20, 20]),
    ])


def with_box(bbox, category_id=1):
    coco = copy.deepcopy(CLEAN)
    coco['annotations'].append(
        dict(id=12, image_id=1, category_id=category_id, bbox=bbox))
    return coco


def test_clean_file_counts_classes():
    report = check_coco(CLEAN, 'f', ('cat', 'cup'))
    assert not report.errors and not report.warnings
    assert report.class_counts == dict(cat=1, cup=1)
    assert (report.num_images, report.num_annotations) == (1, 2)


@pytest.mark.parametrize('bbox, message', [
    ([10, 10, -5, 20], 'negative width or height'),
    ([10, float('nan'), 5, 20], 'NaN or infinite'),
    ([120, 10, 5, 5], 'entirely outside'),
    ([-30, -30, 10, 10], 'entirely outside'),
    ([1, 2, 3], 'is not [x, y, w, h]'),
])
def test_broken_boxes_are_errors_naming_the_annotation(bbox, message):
    report = check_coco(with_box(bbox), 'f', ('cat', 'cup'))
    assert len(report.errors) == 1
    assert 'annotation id 12 (image id 1)' in report.errors[0]
    assert message in report.errors[0]
    assert report.class_counts['cat'] == 1  # the broken box is not counted


@pytest.mark.parametrize('bbox, message', [
    ([10, 10, 0.5, 20], 'narrower than 1 px'),
    ([90, 10, 30, 20], 'extends beyond its image'),
])
def test_what_mmdet_drops_or_keeps_is_counted(bbox, message):
    report = check_coco(with_box(bbox), 'f', ('cat', 'cup'))
    assert not report.errors and len(report.warnings) == 1
    assert report.warnings[0].startswith(f'1 annotation(s) {message}')


def test_categories_and_classes():
    report = check_coco(
        with_box([1, 1, 5, 5], category_id=7), 'f', ('cat', 'cup'))
    assert report.errors == [
        'annotation id 12 (image id 1): category_id 7 is not in categories'
    ]
    # A category the dataset does not keep: dropped by mmdet, counted.
    report = check_coco(CLEAN, 'f', ('cat', ))
    assert not report.errors
    assert "1 annotation(s) of category 'cup'" in report.warnings[0]
    # No class of the metainfo in the file: every annotation would go.
    report = check_coco(CLEAN, 'f', ('person', 'car'))
    assert 'mmdet would drop every annotation' in report.errors[0]


def test_images_without_size_or_duplicated():
    coco = copy.deepcopy(CLEAN)
    coco['images'].append(dict(id=1, file_name='b.png'))
    errors = check_coco(coco, 'f', None).errors
    assert any('image id 1 appears twice' in e for e in errors)
    assert any('no positive width / height' in e for e in errors)


def test_truncated_json_names_the_file(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text(json.dumps(CLEAN)[:-20])
    with pytest.raises(ValueError, match='broken.json is not valid json'):
        load_coco_json(str(path))


def config_for(tmp_path, coco, num_classes=2):
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps(coco))
    return Config(
        dict(
            model=dict(bbox_head=dict(num_classes=num_classes)),
            train_dataloader=dict(
                dataset=dict(
                    type='mmext.DemoDetDataset',
                    ann_file=str(ann),
                    metainfo=dict(classes=('cat', 'cup')))),
            val_evaluator=dict(type='CocoMetric', ann_file=str(ann))))


def test_num_classes_must_cover_the_classes(tmp_path):
    problems = check_num_classes(config_for(tmp_path, CLEAN, num_classes=1))
    assert problems and 'model.bbox_head.num_classes = 1' in problems[0]
    assert 'has 2 classes' in problems[0]
    assert not check_num_classes(config_for(tmp_path, CLEAN))


def test_check_before_run(tmp_path):
    cfg = config_for(tmp_path, CLEAN)
    check_data_before_run(cfg)
    # The dataset and the evaluator read the same file: checked once.
    assert len(check_annotations(cfg)) == 1
    cfg = config_for(tmp_path, with_box([10, 10, -5, 20]), num_classes=1)
    with pytest.raises(ValueError) as error:
        check_data_before_run(cfg)
    message = str(error.value)
    assert '2 problem(s)' in message and 'annotation id 12' in message
    assert 'num_classes = 1' in message and '--skip-data-check' in message
