"""SummarizedOptimWrapperConstructor: mmengine's parameter groups, logged in
a few lines (DMDD logged one per frozen teacher tensor and per option)."""

import torch
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmext.engine.optimizers import SummarizedOptimWrapperConstructor
from mmext.testing import logged_messages

OPTIM = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.4, momentum=0.9, weight_decay=1e-4))
PARAMWISE = dict(custom_keys={'head': dict(lr_mult=0.25)})


class Model(nn.Module):

    def __init__(self):
        super().__init__()
        self.teacher = nn.Linear(4, 4).requires_grad_(False)
        self.student = nn.Linear(4, 4)
        self.head = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))


def build(constructor_type, model):
    logger = MMLogger.get_instance('summarized_constructor_test')
    with logged_messages(logger) as logged:
        wrapper = constructor_type(OPTIM, PARAMWISE)(model)
    return wrapper, logged


def per_parameter(logged):
    return [
        m for m in logged
        if 'paramwise_options' in m or 'is skipped since' in m
    ]


def test_same_groups_in_a_few_lines():
    torch.manual_seed(0)
    model = Model()
    plain, plain_log = build(DefaultOptimWrapperConstructor, model)
    ours, our_log = build(SummarizedOptimWrapperConstructor, model)
    # two frozen tensors, four head tensors x 3 options
    assert len(per_parameter(plain_log)) == 2 + 4 * 3
    assert per_parameter(our_log) == []
    groups = [{
        k: v
        for k, v in g.items() if k != 'params'
    } for g in ours.optimizer.param_groups]
    assert groups == [{
        k: v
        for k, v in g.items() if k != 'params'
    } for g in plain.optimizer.param_groups]
    assert [g['params'] for g in ours.optimizer.param_groups
            ] == [g['params'] for g in plain.optimizer.param_groups]
    assert our_log[-1:] == [
        'SGD: 2 setting(s) over 6 parameter tensors\n'
        '  lr=0.4, momentum=0.9, weight_decay=0.0001: 2 tensors\n'
        '  lr=0.1, momentum=0.9, weight_decay=0.0001: 4 tensors\n'
        '  2 frozen tensors (requires_grad=False) left out'
    ]
