import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, List

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


def _proc_status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise KeyError(key)


def peak_memory_mib(fn: Callable[[], None], device: str = 'cpu') -> float:
    """Memory ``fn()`` needs at its peak, in MiB, above what was in use
    before the call.

    CUDA: the growth of ``torch.cuda.max_memory_allocated``. CPU on Linux:
    the resident-set high-water mark (``VmHWM``, reset through
    ``/proc/self/clear_refs`` before the call) minus the resident set before
    it. Elsewhere: the growth of ``getrusage``'s maximum resident set, which
    only sees a call that goes beyond the process' earlier peak.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset the high-water mark to the current RSS
        base = _proc_status_kib('VmRSS')
        fn()
        return max(0., (_proc_status_kib('VmHWM') - base) / 1024)
    except OSError:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fn()
        return max(
            0.,
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)


def step_cost(fn: Callable[[], None],
              repeat: int,
              device: str = 'cpu') -> dict:
    """What a benchmark worker reports for a step: ``peak`` (MiB, the first
    call, :func:`peak_memory_mib`) and ``time`` (ms, the median of
    ``repeat`` more calls)."""
    peak = peak_memory_mib(fn, device)
    times = [time_ms(fn, device) for _ in range(repeat)]
    return dict(time=statistics.median(times), peak=peak)


def profile_table(fn: Callable[[], None],
                  repeat: int,
                  device: str = 'cpu',
                  rows: int = 15) -> str:
    """``torch.profiler``'s table of ``repeat`` calls of ``fn()``: the
    ``rows`` operators that took the most time of their own (CPU time; GPU
    time on a CUDA device)."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    sort_by = 'self_cpu_time_total'
    if device.startswith('cuda'):
        activities.append(torch.profiler.ProfilerActivity.CUDA)
        sort_by = 'self_cuda_time_total'
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(repeat):
            time_ms(fn, device)
    table = prof.key_averages().table(sort_by=sort_by, row_limit=rows)
    return '\n'.join(line.rstrip() for line in table.splitlines())


def describe_device(device: str, threads: int) -> str:
    """What a benchmark ran on, for its table's caption: the GPU's name on
    CUDA, else the CPU thread count."""
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(device)
    return f'CPU, {threads} threads'


def run_benchmark_worker(cmd: List[str], what: str) -> dict:
    """Run a benchmark's worker process and return the JSON object it prints
    last; a failure raises ``RuntimeError`` naming ``what`` with the end of
    the worker's stderr. Benchmarks measure each case in a fresh process so
    that peak memory and caches of one case do not leak into the next. A
    progress line per case goes to stderr (the table goes to stdout)."""
    print(f'measuring {what} ...', end='', file=sys.stderr, flush=True)
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(' failed', file=sys.stderr)
        raise RuntimeError(f'{what} failed:\n{out.stderr[-3000:]}')
    print(f' {time.perf_counter() - start:.0f} s', file=sys.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])
