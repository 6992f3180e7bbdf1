from mmdet.datasets import CocoDataset

from mmext.registry import DATASETS


@DATASETS.register_module()
class CocoWithAnnIdsDataset(CocoDataset):
    """A :class:`CocoDataset` whose samples also carry ``ann_ids``: the COCO
    annotation id of each object instance (``ignore_flag == 0``), in the
    instances' order.

    Predictions made per annotated box (SSD-Det's refined boxes) are written
    back to the json by these ids; add ``'ann_ids'`` to ``PackDetInputs``'s
    ``meta_keys``. Which annotations become instances is decided by mmdet's
    own ``parse_data_info``, asked about each annotation on its own.
    """

    def parse_data_info(self, raw_data_info: dict) -> dict:
        parse = super().parse_data_info
        img_info = raw_data_info['raw_img_info']
        data_info = parse(dict(raw_img_info=img_info, raw_ann_info=[]))
        data_info['ann_ids'] = []
        for ann in raw_data_info['raw_ann_info']:
            kept = parse(dict(raw_img_info=img_info,
                              raw_ann_info=[ann]))['instances']
            data_info['instances'] += kept
            if kept and not kept[0]['ignore_flag']:
                data_info['ann_ids'].append(ann['id'])
        return data_info
