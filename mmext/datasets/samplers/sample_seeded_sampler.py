import itertools
from typing import Iterator, Optional

import numpy as np
from mmengine.dataset.sampler import sync_random_seed
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from mmext.registry import DATA_SAMPLERS


class SeededIndex(int):
    """A dataset index that carries the seed of the sample it loads.

    It is an ``int`` (batch samplers, ``get_data_info`` and arithmetic treat
    it as one) and pickles with its seed, so it reaches dataloader workers.
    """

    seed: int

    def __new__(cls, index: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)


def sample_seed(seed: int, rank: int, epoch: int, position: int) -> int:
    """32-bit seed of the ``position``-th sample a rank draws in ``epoch``
    (NumPy's ``SeedSequence``: independent streams for distinct keys)."""
    return int(
        np.random.SeedSequence([seed, rank, epoch,
                                position]).generate_state(1)[0])


@DATA_SAMPLERS.register_module()
class SampleSeededSampler(Sampler):
    """Wrap a sampler so that each index carries the seed its sample's random
    augmentations draw from (:class:`mmext.datasets.SampleSeededDataset`
    applies it).

    The seed is a function of the run's seed, the rank, the epoch
    (:meth:`set_epoch`) and the sample's position in the rank's stream, not
    of which dataloader worker loads it or how long that worker has lived:
    a run resumed from a checkpoint draws the augmentations the
    uninterrupted run drew, with any number of workers, persistent or not,
    and whether the loop skips the trained batches by loading them
    (mmengine) or by advancing the sampler (:meth:`skip`, OneDL mmengine).

    Args:
        sampler (dict): the wrapped sampler's config (built with this
            sampler's ``dataset`` and ``seed``).
        dataset: the dataset.
        seed (int, optional): the run's seed; ``None`` draws one shared by
            all ranks, as mmengine's samplers do.
    """

    def __init__(self, sampler: dict, dataset, seed: Optional[int] = None):
        self.dataset = dataset
        self.sampler = DATA_SAMPLERS.build(
            sampler, default_args=dict(dataset=dataset, seed=seed))
        self.seed = sync_random_seed() if seed is None else seed
        self.rank, _ = get_dist_info()
        self.epoch = 0
        self._start = 0
        self._skipped_inside = False

    def set_epoch(self, epoch: int) -> None:
        """Forward the epoch to the wrapped sampler; it also keys the
        seeds."""
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def skip(self, num_samples: int) -> None:
        """Make the next iterator start ``num_samples`` samples into the
        stream (mmengine's resume contract: called once, before iterating).
        A wrapped sampler with its own ``skip`` skips itself; any other is
        advanced by drawing (and dropping) its first indices."""
        self._start = num_samples
        self._skipped_inside = hasattr(self.sampler, 'skip')
        if self._skipped_inside:
            self.sampler.skip(num_samples)

    def __iter__(self) -> Iterator[SeededIndex]:
        start, self._start = self._start, 0
        indices = iter(self.sampler)
        if start and not self._skipped_inside:
            indices = itertools.islice(indices, start, None)
        for position, index in enumerate(indices, start):
            yield SeededIndex(
                index, sample_seed(self.seed, self.rank, self.epoch, position))

    def __len__(self) -> int:
        return len(self.sampler)
