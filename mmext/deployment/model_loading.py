import copy

import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from torch import nn

from mmext.preflight import check_checkpoint_fits
from mmext.registry import MODELS
from mmext.utils import register_all_modules


def without_pretrained_backbones(model_cfg: dict) -> None:
    """No ImageNet download for a model whose checkpoint is loaded after:
    the ``init_cfg`` of its backbone (and DMDD's teacher) is dropped."""
    for key in ('backbone', 'teacher'):
        if isinstance(model_cfg.get(key), dict):
            model_cfg[key]['init_cfg'] = None
    if isinstance(model_cfg.get('detector'), dict):
        without_pretrained_backbones(model_cfg['detector'])


def load_model(config: str, checkpoint: str) -> nn.Module:
    """The model of ``config`` with the weights of ``checkpoint`` (all of
    them: a checkpoint of another model is refused), on CPU, in eval
    mode."""
    register_all_modules()
    cfg = Config.fromfile(config)
    without_pretrained_backbones(cfg.model)
    model = MODELS.build(cfg.model)
    check_checkpoint_fits(model, checkpoint)
    load_checkpoint(model, checkpoint, map_location='cpu')
    return model.eval()


def random_weights_model(model_cfg: dict, seed: int = 0) -> nn.Module:
    """The model of ``model_cfg`` (its modules registered) with the random
    weights of its ``init_weights`` under ``seed`` (no pretrained
    download), in eval mode: what exports and benchmarks compare without a
    checkpoint."""
    model_cfg = copy.deepcopy(model_cfg)
    without_pretrained_backbones(model_cfg)
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.eval()
