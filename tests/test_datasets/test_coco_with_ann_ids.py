"""CocoWithAnnIdsDataset: ann_ids line up with the object instances mmdet
keeps, whatever it drops."""
import json

from mmext.datasets import CocoWithAnnIdsDataset


def test_ann_ids_follow_the_kept_object_instances(tmp_path):
    anns = [
        dict(id=11, image_id=1, category_id=1, bbox=[1, 1, 5, 5], area=25),
        # Dropped by mmdet: under 1 px, outside the image, unknown category.
        dict(id=12, image_id=1, category_id=1, bbox=[1, 1, 0.5, 5], area=2),
        dict(id=13, image_id=1, category_id=1, bbox=[50, 50, 5, 5], area=25),
        dict(id=14, image_id=1, category_id=9, bbox=[1, 1, 5, 5], area=25),
        # A crowd region: an ignored instance, no ann_id.
        dict(
            id=15,
            image_id=1,
            category_id=2,
            bbox=[2, 2, 4, 4],
            area=16,
            iscrowd=1),
        dict(id=16, image_id=1, category_id=2, bbox=[3, 3, 4, 4], area=16),
        dict(id=21, image_id=2, category_id=2, bbox=[0, 0, 9, 9], area=81),
    ]
    coco = dict(
        images=[
            dict(id=1, file_name='1.jpg', width=20, height=20),
            dict(id=2, file_name='2.jpg', width=20, height=20),
            dict(id=3, file_name='3.jpg', width=20, height=20)
        ],
        categories=[dict(id=1, name='cat'),
                    dict(id=2, name='dog')],
        annotations=anns)
    ann_file = tmp_path / 'anns.json'
    ann_file.write_text(json.dumps(coco))
    dataset = CocoWithAnnIdsDataset(
        ann_file=str(ann_file),
        data_prefix=dict(img=''),
        metainfo=dict(classes=('cat', 'dog')),
        test_mode=True,
        pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    infos = {info['img_id']: info for info in infos}
    first = infos[1]
    assert first['ann_ids'] == [11, 16]
    objects = [i for i in first['instances'] if not i['ignore_flag']]
    assert [i['bbox'] for i in objects] == [[1, 1, 6, 6], [3, 3, 7, 7]]
    assert len(first['instances']) == 3
    assert infos[2]['ann_ids'] == [21]
    assert infos[3]['ann_ids'] == []
