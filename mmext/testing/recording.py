import contextlib
import copy
import logging
import os.path as osp
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


def short_resumable_run(cfg: Config,
                        data_root: str,
                        work_dir: str,
                        resume_from: Optional[str] = None) -> Config:
    """``cfg`` (the train dataloader already set up) made into a 4-iteration
    run without validation or learning-rate schedule that saves every 2nd
    iteration, tests on ``data_root``'s val set, and resumes from
    ``resume_from`` when given: what the teacher-student resume tests
    compare."""
    cfg.train_cfg.update(max_iters=4, val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = data_root
    cfg.test_evaluator.ann_file = osp.join(data_root, 'annotations',
                                           'instances_val.json')
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint.update(interval=2, max_keep_ckpts=-1)
    cfg.work_dir = work_dir
    if resume_from:
        cfg.update(load_from=resume_from, resume=True)
    return cfg
