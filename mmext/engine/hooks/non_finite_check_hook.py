from typing import Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from mmext.registry import HOOKS
from ..rank_state import non_finite_tensors, unwrapped_model


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Stop training at the first iteration whose losses or weights are not
    finite, before anything of that iteration is logged, averaged into a
    teacher (``MeanTeacherHook``) or saved (checkpoint hooks).

    Every iteration: the logged loss terms and, with ``check_weights``, the
    model's parameters (one reduction over all of them; a weight can turn
    infinite after a finite loss with a large step). Ranks agree (one flag
    all-reduced) and all stop together. The error names the iteration, the
    non-finite terms, the first non-finite weights and the last checkpoint,
    which stays as it was.

    Args:
        check_weights (bool): also check the parameters.
    """

    priority = 'VERY_HIGH'

    def __init__(self, check_weights: bool = True) -> None:
        self.check_weights = check_weights

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        terms = {
            key:
            value.detach() if torch.is_tensor(value) else torch.tensor(value)
            for key, value in (outputs or {}).items()
            if isinstance(value, (float, int)) or torch.is_tensor(value)
        }
        bad_terms = non_finite_tensors({
            k: v.float()
            for k, v in terms.items()
        })
        bad_weights = []
        if self.check_weights:
            model = unwrapped_model(runner)
            bad_weights = non_finite_tensors(dict(model.named_parameters()))
        flag = torch.tensor(float(bool(bad_terms or bad_weights)))
        if get_world_size() > 1:
            all_reduce(flag, op='sum')
        if flag.item() == 0:
            return
        found = [f'{k}={float(terms[k])}' for k in bad_terms[:6]]
        if len(bad_terms) > 6:
            found.append(f'{len(bad_terms) - 6} more terms')
        if bad_weights:
            found.append('weights ' + ', '.join(bad_weights[:5]) +
                         (' ...' if len(bad_weights) > 5 else ''))
        last = runner.message_hub.get_info('last_ckpt')
        raise FloatingPointError(
            f'Training stopped at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}): non-finite '
            f'{"; ".join(found) or "values on another rank"}. Nothing of '
            'this iteration was saved or averaged into a teacher; the last '
            f'checkpoint is {last or "none (none was saved yet)"}. Lower '
            'optim_wrapper.optimizer.lr, set optim_wrapper.clip_grad, or '
            'check the data of this iteration.')
