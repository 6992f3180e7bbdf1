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
