from .annotation_check import (AnnotationReport, check_annotations,
                               check_data_before_run, check_num_classes)
from .checkpoint_fit import check_checkpoint_fits, checkpoint_misfit
from .coco_json import load_coco_json, write_coco_json
from .dataset_paths import check_dataset_paths
from .runner_builder import build_runner, release_process_group
from .setup_env import list_modules, register_all_modules
from .timing import (describe_device, peak_memory_mib, run_benchmark_worker,
                     step_cost, time_ms)

__all__ = [
    'AnnotationReport', 'build_runner', 'check_annotations',
    'check_checkpoint_fits', 'check_data_before_run', 'check_dataset_paths',
    'checkpoint_misfit', 'check_num_classes', 'describe_device',
    'list_modules', 'load_coco_json', 'peak_memory_mib',
    'register_all_modules', 'release_process_group', 'write_coco_json',
    'run_benchmark_worker', 'step_cost', 'time_ms'
]
