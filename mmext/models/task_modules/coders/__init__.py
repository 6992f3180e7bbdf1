from .delta_xyxy_bbox_coder import DeltaXYXYBBoxCoder

__all__ = ['DeltaXYXYBBoxCoder']
