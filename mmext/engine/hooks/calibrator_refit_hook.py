import logging
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmext.registry import HOOKS
from ..rank_state import unwrapped_model


@HOOKS.register_module()
class CalibratorRefitHook(Hook):
    """Refit a :class:`~mmext.models.CalibratedTeacher`'s confidence
    calibrator on its observations every ``interval`` training iterations
    (Calibrated Teacher, Sec. 3.2; the authors refit every 500 of 180k), as
    mmdet's ``MeanTeacherHook`` updates the teacher.

    The fit runs after the iteration's forward pass, so its observations
    count, and before the checkpoint hook saves, so a checkpoint holds the
    fitted calibrator. Every rank fits on the observations of all ranks
    (:meth:`ConfidenceCalibrator.fit` gathers them), in the same iteration.
    When training starts it declares its interval to the calibrator
    (``refit_interval``), without which the model refuses to train.
    Every refit is logged with its observation count: done (info, with the
    fitted map) or skipped for too few or one-sided observations (warning).

    Args:
        interval (int): Iterations between fits. Defaults to 500.
    """
    priority = 'NORMAL'

    def __init__(self, interval: int = 500) -> None:
        if interval < 1:
            raise ValueError(
                f'CalibratorRefitHook interval must be >= 1, got {interval}')
        self.interval = interval

    def before_train(self, runner: Runner) -> None:
        model = unwrapped_model(runner)
        if not hasattr(model, 'calibrator'):
            raise TypeError('CalibratorRefitHook refits a model\'s '
                            '`calibrator` (mmext.CalibratedTeacher); '
                            f'{type(model).__name__} has none')
        model.calibrator.refit_interval = self.interval

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            calibrator = unwrapped_model(runner).calibrator
            fitted_before = calibrator.is_fitted
            fitted = calibrator.fit()
            print_log(
                self.describe(calibrator, fitted, fitted_before,
                              runner.iter + 1), 'current',
                logging.INFO if fitted else logging.WARNING)

    @staticmethod
    def describe(calibrator, fitted: bool, fitted_before: bool,
                 iteration: int) -> str:
        """The log line of a refit, done or skipped, with its counts."""
        num, num_correct = calibrator.last_fit_data
        counts = f'{num} observations ({num_correct} correct)'
        if fitted:
            return (f'Calibrator refit at iteration {iteration} on {counts}: '
                    f'slope {float(calibrator.slope):.4g}, intercept '
                    f'{float(calibrator.intercept):.4g}')
        kept = 'its previous fit' if fitted_before else 'the identity map'
        return (f'Calibrator refit at iteration {iteration} skipped: '
                f'{counts}; a fit needs at least {calibrator.min_samples} '
                'teacher boxes, some correct and some not. It keeps '
                f'{kept}.')
