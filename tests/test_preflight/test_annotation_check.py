"""The json-level data checks: each kind of bad annotation gives an error
naming the annotation, what mmdet drops by design is counted."""
import copy
import json

import pytest
from mmengine.config import Config
from PIL import Image

from mmext.datasets import load_coco_json
from mmext.preflight import (check_annotations, check_data_before_run,
                             check_num_classes)
from mmext.preflight.annotations import JsonCache, check_coco, held_classes
from mmext.preflight.images import check_images

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


def config_for(tmp_path, coco, num_classes=2, **dataset):
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps(coco))
    Image.new('RGB', (100, 80)).save(tmp_path / 'a.png')
    return Config(
        dict(
            model=dict(bbox_head=dict(num_classes=num_classes)),
            train_dataloader=dict(
                dataset=dict(
                    type='mmext.DemoDetDataset',
                    ann_file=str(ann),
                    data_prefix=dict(img=str(tmp_path)),
                    metainfo=dict(classes=('cat', 'cup')),
                    **dataset)),
            val_evaluator=dict(type='CocoMetric', ann_file=str(ann))))


def test_num_classes_must_cover_the_classes(tmp_path):
    problems, _ = check_num_classes(config_for(tmp_path, CLEAN, num_classes=1))
    assert problems and 'model.bbox_head.num_classes = 1' in problems[0]
    assert 'has 2 classes' in problems[0]
    assert check_num_classes(config_for(tmp_path, CLEAN)) == ([], [])


def test_held_classes_follow_the_file_order():
    # mmdet numbers the kept categories in the file's order.
    coco = copy.deepcopy(CLEAN)
    coco['categories'].reverse()
    assert held_classes(coco, ('cat', 'cup', 'dog')) == ('cup', 'cat')
    assert held_classes(dict(CLEAN, annotations=[]), ('cat', )) is None


def test_more_num_classes_than_a_coco_metric_evaluates(tmp_path):
    # The metainfo has 3 classes, the file 2 of them: CocoMetric maps
    # labels to 2 category ids, and a prediction of label 2 would fail.
    cfg = config_for(tmp_path, CLEAN, num_classes=3)
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader] = copy.deepcopy(cfg.train_dataloader)
        cfg[loader].dataset.metainfo.classes = ('cat', 'cup', 'dog')
    errors, warnings = check_num_classes(cfg)
    assert len(errors) == 1
    assert errors[0].startswith('model.bbox_head.num_classes = 3, but '
                                'val_evaluator evaluates 2 classes')
    assert "['cat', 'cup']" in errors[0] and 'to 2' in errors[0]
    assert warnings == [
        'model.bbox_head.num_classes = 3, but train_dataloader.dataset holds '
        "2 classes ['cat', 'cup']: 1 of the model's classes get no "
        'training example'
    ]
    # Without a label-mapping evaluator the same data is only a warning.
    cfg.val_evaluator = dict(type='VOCMetric')
    assert check_num_classes(cfg) == ([], warnings)
    # The evaluator's own file decides, not the dataset's.
    full = copy.deepcopy(CLEAN)
    full['categories'].append(dict(id=3, name='dog'))
    (tmp_path / 'val.json').write_text(json.dumps(full))
    cfg.val_evaluator = dict(
        type='mmdet.CocoMetric', ann_file=str(tmp_path / 'val.json'))
    assert check_num_classes(cfg) == ([], warnings)


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


def test_images_missing_or_of_another_size_are_named(tmp_path):
    coco = copy.deepcopy(CLEAN)
    coco['images'] += [
        dict(id=2, file_name='gone.png', width=100, height=80),
        dict(id=3, file_name='small.png', width=100, height=80),
        dict(id=4, file_name='turned.jpg', width=100, height=80),
        dict(id=5, file_name='text.png', width=100, height=80),
    ]
    cfg = config_for(tmp_path, coco)
    Image.new('RGB', (50, 40)).save(tmp_path / 'small.png')
    # Stored 80x100 with EXIF orientation 6: decoded (as mmcv does) 100x80.
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new('RGB', (80, 100)).save(tmp_path / 'turned.jpg', exif=exif)
    (tmp_path / 'text.png').write_text('not an image')
    errors, notes = check_images(cfg, JsonCache())
    where = f'train_dataloader.dataset: image id {{}} ({tmp_path}/{{}})'
    assert errors == [
        where.format(2, 'gone.png') + ' is missing',
        where.format(3, 'small.png') + ' is 50x40, its annotations say '
        '100x80 (boxes would be misplaced)',
        where.format(5, 'text.png') + ' is not a readable image',
    ]
    assert notes == []
    # Past max_headers, a spread sample of headers is read; all must exist.
    errors, notes = check_images(cfg, JsonCache(), max_headers=2)
    assert errors[0].endswith('gone.png) is missing')
    assert notes == [
        'train_dataloader.dataset: read the headers of 2 of its 5 images '
        '(every 3th); all exist. `tools/misc/check_dataset.py CONFIG` reads '
        'every image'
    ]


@pytest.mark.parametrize('change, message', [
    (dict(images=[], annotations=[]), 'no images: the dataset would be '
     'empty'),
    (dict(annotations=None), 'no "annotations" list: every image would '
     'train as one without objects'),
])
def test_a_dataset_that_would_be_empty_or_unlabeled_is_refused(
        tmp_path, change, message):
    coco = dict(copy.deepcopy(CLEAN), **change)
    if coco['annotations'] is None:
        del coco['annotations']
    [report] = check_annotations(config_for(tmp_path, coco))
    assert report.errors[0].startswith(message)


def test_filtering_every_image_is_refused(tmp_path):
    coco = dict(copy.deepcopy(CLEAN), annotations=[])
    # Without filtering, images without objects train (unlabeled sets).
    assert not check_annotations(config_for(tmp_path, coco))[0].errors
    [report] = check_annotations(
        config_for(tmp_path, coco, filter_cfg=dict(filter_empty_gt=True)))
    assert report.would_be_empty and report.errors == [
        "no annotation of the dataset's classes, and train_dataloader."
        'dataset.filter_cfg.filter_empty_gt=True drops every image without '
        'one: the dataset would be empty'
    ]
