"""BoxRefinementMetric writes the refined json and scores noisy and refined
boxes against the clean ones by annotation id."""
import json

import numpy as np
import pytest
import torch

from mmext.evaluation import BoxRefinementMetric


def write_jsons(tmp_path):
    images = [dict(id=1, file_name='1.jpg', width=100, height=100)]
    categories = [dict(id=1, name='thing')]
    clean = [
        dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 10, 10], area=100),
        dict(id=2, image_id=1, category_id=1, bbox=[20, 20, 10, 10], area=100),
        dict(id=3, image_id=1, category_id=1, bbox=[50, 50, 10, 10], area=100),
        dict(
            id=4,
            image_id=1,
            category_id=1,
            bbox=[70, 70, 10, 10],
            area=100,
            iscrowd=1),
    ]
    noisy = [dict(a) for a in clean]
    noisy[0]['bbox'] = [5, 0, 10, 10]  # IoU 1/3
    noisy[1]['bbox'] = [20, 20, 20, 10]  # IoU 1/2
    noisy[2]['bbox'] = [55, 50, 10, 10]  # not refined
    paths = {}
    for name, anns in (('clean', clean), ('noisy', noisy)):
        paths[name] = tmp_path / f'{name}.json'
        paths[name].write_text(
            json.dumps(
                dict(images=images, categories=categories, annotations=anns)))
    return str(paths['clean']), str(paths['noisy'])


def prediction(ann_ids, boxes, scores=None):
    boxes = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    scores = torch.tensor(scores or [0.5] * len(boxes))
    return dict(
        img_id=1,
        ann_ids=ann_ids,
        pred_instances=dict(bboxes=boxes, scores=scores))


def test_writes_refined_json_and_scores_it(tmp_path):
    clean, noisy = write_jsons(tmp_path)
    outfile = tmp_path / 'out' / 'refined.json'
    metric = BoxRefinementMetric(
        ann_file=noisy, clean_ann_file=clean, outfile=str(outfile))
    metric.dataset_meta = dict(classes=('thing', ))
    # Box 1 refined exactly; box 2 refined to IoU 0.8 (8 x 10 inside).
    metric.process(
        {},
        [prediction([1, 2], [[0, 0, 10, 10], [21, 20, 29, 30]], [0.9, 0.4])])
    results = metric.evaluate(1)
    assert results['refine/num_boxes'] == 2
    assert results['refine/noisy_mIoU'] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert results['refine/refined_mIoU'] == pytest.approx((1 + 0.8) / 2)
    assert results['refine/noisy_IoU50'] == pytest.approx(0.5)
    assert results['refine/refined_IoU50'] == pytest.approx(1.)
    refined = json.loads(outfile.read_text())
    by_id = {a['id']: a for a in refined['annotations']}
    assert by_id[1]['bbox'] == [0, 0, 10, 10]
    assert by_id[2]['bbox'] == [21, 20, 8, 10]
    assert by_id[1]['refine_score'] == pytest.approx(0.9)
    # Not predicted: the noisy box; crowd: untouched.
    assert by_id[3]['bbox'] == [55, 50, 10, 10]
    assert 'refine_score' not in by_id[3]
    assert by_id[4]['bbox'] == [70, 70, 10, 10]
    assert refined['images'] == json.loads(open(noisy).read())['images']


def test_without_clean_json_it_only_writes(tmp_path):
    _, noisy = write_jsons(tmp_path)
    outfile = tmp_path / 'refined.json'
    metric = BoxRefinementMetric(ann_file=noisy, outfile=str(outfile))
    metric.process({}, [prediction([3], [[50, 50, 60, 60]])])
    assert metric.evaluate(1) == {'refine/num_boxes': 1.}
    boxes = {
        a['id']: a['bbox']
        for a in json.loads(outfile.read_text())['annotations']
    }
    np.testing.assert_allclose(boxes[3], [50, 50, 10, 10])


def test_errors_name_the_problem(tmp_path):
    clean, noisy = write_jsons(tmp_path)
    with pytest.raises(ValueError, match='clean_ann_file .* or outfile'):
        BoxRefinementMetric(ann_file=noisy)
    # Its inputs are never overwritten.
    for key, path in (('ann_file', noisy), ('clean_ann_file', clean)):
        with pytest.raises(ValueError, match=f'outfile is its {key}'):
            BoxRefinementMetric(
                ann_file=noisy, clean_ann_file=clean, outfile=path)
    metric = BoxRefinementMetric(ann_file=noisy, clean_ann_file=clean)
    with pytest.raises(KeyError, match="'ann_ids' to PackDetInputs"):
        sample = prediction([1], [[0, 0, 1, 1]])
        del sample['ann_ids']
        metric.process({}, [sample])
    with pytest.raises(ValueError, match='2 annotation ids but 1 predicted'):
        metric.process({}, [prediction([1, 2], [[0, 0, 1, 1]])])
    metric.process({}, [prediction([99], [[0, 0, 1, 1]])])
    with pytest.raises(KeyError, match=r'annotation ids \[99\]'):
        metric.evaluate(1)
