from .coco_json import load_coco_json
from .dataset_paths import check_dataset_paths
from .runner_builder import build_runner, release_process_group
from .setup_env import register_all_modules
from .timing import (describe_device, peak_memory_mib, run_benchmark_worker,
                     step_cost, time_ms)

__all__ = [
    'build_runner', 'check_dataset_paths', 'describe_device',
    'load_coco_json', 'peak_memory_mib', 'register_all_modules',
    'release_process_group',
    'run_benchmark_worker', 'step_cost', 'time_ms'
]
