import random
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from mmext.registry import DATASETS


@DATASETS.register_module()
class SampleSeededDataset(Dataset):
    """Load each sample with the random state its index carries.

    With :class:`mmext.datasets.SampleSeededSampler`, indices are
    :class:`SeededIndex` es: Python's, NumPy's and torch's (CPU) generators
    are seeded with the index's seed before the sample is loaded, so its
    random augmentations depend on the sample's place in the run alone
    (exact resume). In the main process (``num_workers=0``) the previous
    generator states are restored afterwards: loading data never shifts the
    random stream the model draws from. Plain indices load as they are.
    Attributes the sampler, the loops or hooks read or set (``metainfo``,
    ``cumulative_sizes``, ``get_data_info``, ``pipeline`` as mmdet's
    ``PipelineSwitchHook`` sets it ...) are the wrapped dataset's.

    Args:
        dataset (dict or Dataset): the dataset, or its config.
    """

    def __init__(self, dataset: Any) -> None:
        self.dataset = (
            DATASETS.build(dataset) if isinstance(dataset, dict) else dataset)

    def __getattr__(self, name: str) -> Any:
        if name == 'dataset':  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == 'dataset':
            super().__setattr__(name, value)
        else:
            setattr(self.dataset, name, value)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        seed = getattr(index, 'seed', None)
        if seed is None:
            return self.dataset[index]
        in_main_process = get_worker_info() is None
        if in_main_process:
            states = (random.getstate(), np.random.get_state(),
                      torch.get_rng_state())
        random.seed(seed)
        np.random.seed(seed)
        torch.random.default_generator.manual_seed(seed)
        try:
            return self.dataset[int(index)]
        finally:
            if in_main_process:
                random.setstate(states[0])
                np.random.set_state(states[1])
                torch.set_rng_state(states[2])
