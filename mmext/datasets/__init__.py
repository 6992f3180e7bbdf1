from .coco_json import load_coco_json, write_coco_json
from .coco_with_ann_ids import CocoWithAnnIdsDataset
from .demo_det import DemoDetDataset
from .mvtec_ad import MVTec3DADDataset, MVTecADDataset
from .sample_seeded_dataset import SampleSeededDataset
from .samplers import (ResumableGroupMultiSourceSampler, SampleSeededSampler,
                       SeededIndex)
from .transforms import (LoadAnomalyMask, PackAnomalyInputs,
                         RandomImageRotation, SynthesizeAnomaly, perlin_noise,
                         procedural_texture)
from .visa import VisADataset

__all__ = [
    'CocoWithAnnIdsDataset', 'DemoDetDataset', 'MVTecADDataset',
    'MVTec3DADDataset', 'VisADataset', 'ResumableGroupMultiSourceSampler',
    'SampleSeededDataset', 'SampleSeededSampler', 'SeededIndex',
    'LoadAnomalyMask', 'PackAnomalyInputs', 'RandomImageRotation',
    'SynthesizeAnomaly', 'load_coco_json', 'perlin_noise',
    'procedural_texture', 'write_coco_json'
]
