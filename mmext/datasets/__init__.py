from .demo_det import DemoDetDataset

__all__ = ['DemoDetDataset']
