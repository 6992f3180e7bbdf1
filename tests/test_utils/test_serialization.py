"""mmengine checkpoints load with torch.load(weights_only=True) once mmext
is imported, and nothing else is let through."""
import os
import pickle

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

import mmext  # noqa: F401  (registers the safe globals)
from mmext.serialization import (mmengine_checkpoint_globals,
                                 register_checkpoint_safe_globals)


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.linear(inputs).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(labels))**2).mean())
        return out


class Pairs(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(
            inputs=torch.tensor([float(i), 1.]),
            labels=torch.tensor(float(i % 2)))


def train_one_checkpoint(work_dir) -> str:
    runner = Runner(
        model=TinyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=Pairs(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1]),
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=10),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=2)),
        randomness=dict(seed=0),
        default_scope='mmengine')
    runner.train()
    return os.path.join(str(work_dir), 'iter_2.pth')


def test_a_runner_checkpoint_loads_with_weights_only(tmp_path):
    path = train_one_checkpoint(tmp_path)
    # OneDL's mmengine loads checkpoints inside torch's safe_globals context,
    # whose exit removes its globals from the process-wide allow-list, ours
    # included (upstream mmengine does not): register again, as importing
    # mmext did, so the check does not depend on what ran before.
    register_checkpoint_safe_globals()
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    assert {
        'meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers'
    } <= set(checkpoint)
    logs = checkpoint['message_hub']['log_scalars']
    assert 'train/loss' in logs and logs['train/loss'].data[0].size == 2
    assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []


class RunsACommand:
    """What a malicious checkpoint would carry."""

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


@pytest.mark.parametrize('payload', [RunsACommand(), TinyModel()])
def test_other_pickled_objects_are_still_refused(tmp_path, payload):
    path = tmp_path / 'bad.pth'
    torch.save(dict(state_dict={}, extra=payload), path)
    with pytest.raises(pickle.UnpicklingError, match='(?i)unsupported global'):
        torch.load(path, weights_only=True)


def test_allow_list_is_small_and_has_no_callables_that_run_code():
    names = {
        getattr(g[0] if isinstance(g, tuple) else g, '__name__', '')
        for g in mmengine_checkpoint_globals()
    }
    assert not names & {
        'system', 'eval', 'exec', 'popen', 'Popen', 'import_module',
        '__import__', 'load', 'loads'
    }
    assert 'HistoryBuffer' in names
