"""Pre-flight checks: what ``tools/train.py``, ``tools/test.py`` and
``tools/misc/check_dataset.py`` verify before anything is built (the
annotation files and images a config names, the classes they hold against
the model's, dataset paths, top-level config keys that nothing reads, and a
checkpoint against the model it is loaded into)."""
from .annotations import (AnnotationReport, JsonCache, check_annotations,
                          check_data_before_run, check_num_classes)
from .checkpoint_fit import check_checkpoint_fits, checkpoint_misfit
from .config_keys import unread_keys
from .dataset_paths import check_dataset_paths
from .images import check_images

__all__ = [
    'AnnotationReport', 'JsonCache', 'check_annotations',
    'check_checkpoint_fits', 'check_data_before_run', 'check_dataset_paths',
    'check_images', 'check_num_classes', 'checkpoint_misfit', 'unread_keys'
]
