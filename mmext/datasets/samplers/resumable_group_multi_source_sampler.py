import itertools
from typing import Dict, Iterator, List

import numpy as np
from mmdet.datasets.samplers import GroupMultiSourceSampler

from mmext.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class ResumableGroupMultiSourceSampler(GroupMultiSourceSampler):
    """mmdet's ``GroupMultiSourceSampler`` whose stream a resumed run
    continues exactly.

    Batches mix the sources (labeled, unlabeled) in ``source_ratio`` and
    keep one aspect-ratio group per batch, as mmdet's sampler does. mmdet's
    draws each batch's group from the global NumPy generator, which data
    transforms also draw from; a resumed run skips the trained batches without
    transforming them, so it continues with other batches. Here the group
    draws come from a generator seeded by ``seed``, so the stream depends on
    ``seed`` alone: mmengine's ``IterBasedTrainLoop`` advances it to the
    resumed iteration (with :meth:`skip`, or by drawing the batches on
    mmengine versions without it) and training continues where it stopped.

    A resumed run must use the same seed: set ``seed`` here (our configs use
    0) or ``randomness.seed``; otherwise mmengine draws a new one per run.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._start = 0

    def skip(self, num_samples: int) -> None:
        """Make the next iterator start ``num_samples`` indices later."""
        self._start += num_samples

    def _source_indices(self) -> List[Dict[int, Iterator[int]]]:
        return [{
            source:
            self._indices_of_rank(self.group2size_per_source[source][group])
            for source in range(len(self.dataset.datasets))
        } for group in range(len(self.group_ratio))]

    def _stream(self) -> Iterator[int]:
        group_rng = np.random.RandomState(self.seed)
        source_indices = self._source_indices()
        groups = list(range(len(self.group_ratio)))
        while True:
            group = group_rng.choice(groups, p=self.group_ratio)
            for source, num in enumerate(self.num_per_source):
                inds = self.group2inds_per_source[source][group]
                for idx in itertools.islice(source_indices[group][source],
                                            num):
                    yield inds[idx] + self.cumulative_sizes[source]

    def __iter__(self) -> Iterator[int]:
        yield from itertools.islice(self._stream(), self._start, None)
