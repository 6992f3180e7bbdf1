"""Helpers for mmext's tests (as ``mmdet.testing`` for mmdet's): running the
tools from the source tree, small demo data, recording a training run and
what it logs."""
from .recording import (StartStateRecorder, logged_messages,
                        short_resumable_run, train_recording)
from .tools import REPO_ROOT, run_tool, tool_error, write_small_demo_sets

__all__ = [
    'REPO_ROOT', 'StartStateRecorder', 'logged_messages', 'run_tool',
    'short_resumable_run', 'tool_error', 'train_recording',
    'write_small_demo_sets'
]
