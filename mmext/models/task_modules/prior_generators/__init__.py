from .box_bag import (box_bags, merge_bag_topk, random_negative_boxes,
                      widen_to_min_size)

__all__ = [
    'box_bags', 'merge_bag_topk', 'random_negative_boxes', 'widen_to_min_size'
]
