"""A tiny regression model trained by MMExtRunner, for the engine tests."""
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


def toy_runner(work_dir, max_iters=4, resume=False, lr=0.01, **kwargs):
    torch.manual_seed(0)
    return MMExtRunner(
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
                type='CheckpointHook',
                by_epoch=False,
                interval=1,
                max_keep_ckpts=1),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        **kwargs)
