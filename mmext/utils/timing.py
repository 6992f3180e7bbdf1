import resource
import time
from typing import Callable

import torch


def time_ms(fn: Callable[[], None], device: str = 'cpu') -> float:
    """Wall time of one ``fn()`` call in milliseconds, waiting for the GPU
    before and after when ``device`` is a CUDA device."""
    cuda = device.startswith('cuda')
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if cuda:
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def peak_memory_mib(fn: Callable[[], None], device: str = 'cpu') -> float:
    """Memory ``fn()`` needs at its peak, in MiB: on CUDA the growth of
    ``torch.cuda.max_memory_allocated`` during the call, on CPU the growth of
    the process' maximum resident set (so only a call that goes beyond the
    process' earlier peak counts: measure in a fresh process)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
