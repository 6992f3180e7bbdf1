"""mmext's benchmark harness (``tools/analysis_tools/benchmark.py``): each
case measures an mmext module, op or training step against its mmdet /
mmseg / mmcv baseline in fresh processes (:mod:`.harness`, :mod:`.timing`);
the cases themselves are in :mod:`mmext.benchmark.cases`, one module a
method, registered when that package is imported."""
from .harness import (BENCHMARK_CASES, TABLE_HEADER, Case, Side, parse_size,
                      register_case, register_cases, select_cases)
from .timing import (describe_device, peak_memory_mib, run_benchmark_worker,
                     step_cost, time_ms)

__all__ = [
    'BENCHMARK_CASES', 'Case', 'Side', 'TABLE_HEADER', 'describe_device',
    'parse_size', 'peak_memory_mib', 'register_case', 'register_cases',
    'run_benchmark_worker', 'select_cases', 'step_cost', 'time_ms'
]
