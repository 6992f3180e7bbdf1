"""Every method family trains a few iterations in mixed precision (bfloat16
autocast on CPU) with losses that are finite and close to float32's, from
the same weights on the same batches.

mmengine's ``AmpOptimWrapper`` (what ``--amp`` selects) refuses to start
without a GPU, so the test enters the same context it enters on one,
``mmengine.runner.autocast`` (here on CPU, in bfloat16), around the
model's data preprocessing and loss, and steps the config's own optimizer.
"""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import autocast
from test_exact_resume import CONFIGS, write

from mmext.engine import unwrapped_model
from mmext.engine.hooks import CalibratorRefitHook
from mmext.engine.runner import build_runner

pytestmark = pytest.mark.slow

STEPS = 3


def losses_over_steps(runner, state, batches, low_precision: bool):
    model = unwrapped_model(runner)
    model.load_state_dict(state)
    optimizer = copy.deepcopy(runner.optim_wrapper)
    totals = []
    for step, batch in enumerate(batches):
        MessageHub.get_current_instance().update_info('iter', step)
        with autocast(
                device_type='cpu', dtype=torch.bfloat16,
                enabled=low_precision):
            data = model.data_preprocessor(copy.deepcopy(batch), True)
            losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        assert loss.dtype == torch.float32  # summed in float32
        optimizer.update_params(loss)
        totals.append(float(loss))
    return totals


@pytest.mark.parametrize('name', list(CONFIGS))
def test_bfloat16_losses_are_finite_and_close(name, demo_sets, tmp_path):
    cfg = Config.fromfile(write(tmp_path, name, demo_sets))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.num_workers = 0
    cfg.randomness = dict(seed=0)
    runner = build_runner(cfg)
    for hook in runner.hooks:  # schedules declared at the start of training
        if isinstance(hook, CalibratorRefitHook):
            hook.before_train(runner)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    loader = iter(runner.build_dataloader(runner._train_dataloader))
    batches = [next(loader) for _ in range(STEPS)]
    state = copy.deepcopy(unwrapped_model(runner).state_dict())
    full = losses_over_steps(runner, state, batches, low_precision=False)
    mixed = losses_over_steps(runner, state, batches, low_precision=True)
    assert all(torch.isfinite(torch.tensor(mixed))), mixed
    # bfloat16 keeps 8 bits of mantissa: a loss summed from many terms
    # differs from float32's by a few percent at most.
    for step, (a, b) in enumerate(zip(full, mixed)):
        assert b == pytest.approx(a, rel=0.05, abs=0.05), (step, full, mixed)
