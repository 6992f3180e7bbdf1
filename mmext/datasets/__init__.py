from .coco_with_ann_ids import CocoWithAnnIdsDataset
from .demo_det import DemoDetDataset
from .samplers import ResumableGroupMultiSourceSampler

__all__ = [
    'CocoWithAnnIdsDataset', 'DemoDetDataset',
    'ResumableGroupMultiSourceSampler'
]
