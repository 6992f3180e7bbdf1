"""Functions and constants shared by mmext's models (no registered
modules)."""
from .anomaly_mask import mask_at
from .box_bag import (box_bags, merge_bag_topk, random_negative_boxes,
                      widen_to_min_size)
from .destseg_init import DESTSEG_CONV_INIT
from .fiou_head_mixin import FocalIoUWeightedHeadMixin
from .mil import instance_weights
from .precision import heads_in_float32, outputs_in_float32, to_float32
from .training_iter import training_iter

__all__ = [
    'DESTSEG_CONV_INIT', 'FocalIoUWeightedHeadMixin', 'box_bags',
    'heads_in_float32', 'instance_weights', 'mask_at', 'merge_bag_topk',
    'outputs_in_float32', 'random_negative_boxes', 'to_float32',
    'training_iter', 'widen_to_min_size'
]
