from typing import List, Tuple

from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn


def checkpoint_misfit(model: nn.Module,
                      path: str) -> Tuple[List[str], List[str]]:
    """The model's weights a checkpoint lacks, and those it holds in another
    shape (each as ``name`` / ``name: checkpoint shape vs model shape``).

    A DDP checkpoint's ``module.`` prefixes are removed first, as mmengine's
    loading does.
    """
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    state = {
        (key[len('module.'):] if key.startswith('module.') else key): value
        for key, value in state.items()
    }
    missing, reshaped = [], []
    for name, tensor in model.state_dict().items():
        if name not in state:
            missing.append(name)
        elif tuple(state[name].shape) != tuple(tensor.shape):
            reshaped.append(f'{name}: {tuple(state[name].shape)} in the '
                            f'checkpoint, {tuple(tensor.shape)} in the model')
    return missing, reshaped


def check_checkpoint_fits(model: nn.Module, path: str) -> None:
    """Refuse a checkpoint that would leave some of the model's weights as
    initialised (another model's checkpoint, another number of classes).

    Raises:
        ValueError: naming the checkpoint, counts and the first names.
    """
    missing, reshaped = checkpoint_misfit(model, path)
    if not (missing or reshaped):
        return
    total = len(model.state_dict())
    parts = []
    if missing:
        parts.append(f'{len(missing)} of the model\'s {total} weights are '
                     f'not in it (e.g. {", ".join(missing[:3])})')
    if reshaped:
        parts.append(f'{len(reshaped)} have another shape (e.g. '
                     f'{"; ".join(reshaped[:3])})')
    raise ValueError(
        f'checkpoint {path!r} does not fit the config\'s model: '
        f'{" and ".join(parts)}. Evaluating it would use initial weights '
        'there: check the config / checkpoint pair, or pass '
        '--allow-partial-checkpoint to evaluate anyway.')
