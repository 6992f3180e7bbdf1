"""ResumableGroupMultiSourceSampler: mmdet's batch composition, a stream
that depends on the seed alone, and skip()."""
import itertools

import numpy as np
from mmengine.dataset import BaseDataset, ConcatDataset

from mmext.datasets import ResumableGroupMultiSourceSampler


class Sizes(BaseDataset):
    """A dataset of image sizes only."""

    def __init__(self, sizes):
        self.sizes = sizes
        super().__init__(lazy_init=False, serialize_data=False)

    def load_data_list(self):
        return [dict(width=w, height=h) for w, h in self.sizes]


def concat():
    labeled = Sizes([(100, 50)] * 6 + [(50, 100)] * 4)  # wide, tall
    unlabeled = Sizes([(100, 50)] * 20 + [(50, 100)] * 10)
    return ConcatDataset([labeled, unlabeled])


def first(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_batches_follow_source_ratio_and_one_aspect_group():
    dataset = concat()
    sampler = ResumableGroupMultiSourceSampler(
        dataset, batch_size=5, source_ratio=[1, 4], seed=3)
    indices = first(sampler, 5 * 40)
    for b in range(40):
        batch = indices[5 * b:5 * b + 5]
        assert batch[0] < 10 and all(i >= 10 for i in batch[1:])
        infos = [dataset.get_data_info(i) for i in batch]
        assert len({info['width'] < info['height'] for info in infos}) == 1


def test_stream_depends_on_the_seed_only():
    dataset = concat()
    make = lambda seed: ResumableGroupMultiSourceSampler(  # noqa: E731
        dataset, batch_size=5, source_ratio=[1, 4], seed=seed)
    reference = first(make(0), 100)
    # Other users of the global NumPy generator do not change it.
    sampler = make(0)
    it = iter(sampler)
    drawn = []
    for _ in range(100):
        np.random.rand(7)
        drawn.append(next(it))
    assert drawn == reference
    assert first(make(1), 100) != reference


def test_skip_starts_later_in_the_same_stream():
    dataset = concat()
    reference = first(
        ResumableGroupMultiSourceSampler(
            dataset, batch_size=5, source_ratio=[1, 4], seed=0), 100)
    sampler = ResumableGroupMultiSourceSampler(
        dataset, batch_size=5, source_ratio=[1, 4], seed=0)
    sampler.skip(35)
    assert first(sampler, 65) == reference[35:]
