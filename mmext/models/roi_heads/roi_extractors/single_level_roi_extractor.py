from typing import List

from mmcv import ops
from mmdet.models.roi_heads.roi_extractors import \
    SingleRoIExtractor as MMDetSingleRoIExtractor
from mmdet.utils import ConfigType
from torch import nn

from mmext.registry import MODELS


@MODELS.register_module()
class SingleRoIExtractor(MMDetSingleRoIExtractor):
    """mmdet's ``SingleRoIExtractor`` whose ``roi_layer`` may also be a
    registered layer, e.g. ``dict(type='mmext.RoIAlign', ...)``: mmcv's
    ``RoIAlign`` with mmext's multi-threaded CPU kernels (mmdet looks the
    type up in ``mmcv.ops`` only). Names of ``mmcv.ops`` resolve as in
    mmdet; everything else is mmdet's."""

    def build_roi_layers(self, layer_cfg: ConfigType,
                         featmap_strides: List[int]) -> nn.ModuleList:
        cfg = layer_cfg.copy()
        layer_type = cfg.get('type')
        if isinstance(layer_type, str) and not hasattr(ops, layer_type):
            cfg['type'] = MODELS.get(layer_type)
            if cfg['type'] is None:
                raise KeyError(f'roi_layer type {layer_type!r} is neither a '
                               'layer of mmcv.ops nor a registered module '
                               "(e.g. 'mmext.RoIAlign')")
        return super().build_roi_layers(cfg, featmap_strides)
