"""A tiny regression model trained by MMExtRunner (or another runner), with
mmext's guarantee hooks declared as mmext's configs declare them, for the
engine tests."""
import torch
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset

from mmext.engine.runner import MMExtRunner


class ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.full((2, ), float(index))
        return dict(inputs=x, target=x.sum(0, keepdim=True) * 0.5)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.norm = nn.BatchNorm1d(1)

    def forward(self, inputs, target, mode='tensor'):
        out = self.norm(self.linear(inputs))
        if mode == 'loss':
            return dict(loss=((out - target)**2).mean())
        return out


# mmext's guarantee hooks, as mmext's runtime base declares them.
GUARANTEE_HOOKS = [
    dict(type='mmext.NonFiniteCheckHook'),
    dict(type='mmext.SyncSharedBuffersHook')
]


def toy_runner(work_dir,
               max_iters=4,
               resume=False,
               lr=0.01,
               runner_cls=MMExtRunner,
               checkpoint_type='mmext.SafeCheckpointHook',
               **kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('custom_hooks', GUARANTEE_HOOKS)
    return runner_cls(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            sampler=dict(type='InfiniteSampler', shuffle=True),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=lr)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(
                type=checkpoint_type,
                by_epoch=False,
                interval=1,
                max_keep_ckpts=1) if checkpoint_type else None,
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        default_scope='mmext',
        resume=resume,
        **kwargs)
