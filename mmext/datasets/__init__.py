from .demo_det import DemoDetDataset
from .samplers import ResumableGroupMultiSourceSampler

__all__ = ['DemoDetDataset', 'ResumableGroupMultiSourceSampler']
