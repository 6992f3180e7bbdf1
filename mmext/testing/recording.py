import contextlib
import copy
import logging
from typing import Dict, Iterator, List, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mmext.engine.runner import build_runner


@contextlib.contextmanager
def logged_messages(
        logger: Optional[logging.Logger] = None) -> Iterator[List[str]]:
    """The messages ``logger`` (mmengine's current logger by default) emits
    inside the block, in order."""
    logger = logger or MMLogger.get_current_instance()
    messages: List[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


class StartStateRecorder(Hook):
    """Keeps a copy of the model's state when training starts (what a
    resumed run must start from); subclasses record more per iteration."""

    def __init__(self) -> None:
        self.start_state: Optional[Dict[str, torch.Tensor]] = None

    def before_train(self, runner: Runner) -> None:
        self.start_state = copy.deepcopy(runner.model.state_dict())


def train_recording(
        cfg: Config,
        recorder: Optional[StartStateRecorder] = None) -> StartStateRecorder:
    """Train with mmext's runner (as ``tools/train.py`` builds it) and a
    recorder hook; return the recorder."""
    recorder = recorder or StartStateRecorder()
    runner = build_runner(cfg)
    runner.register_hook(recorder)
    runner.train()
    return recorder
