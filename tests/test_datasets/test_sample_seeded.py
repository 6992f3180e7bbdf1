"""Per-sample seeds: SampleSeededSampler keys each index by (seed, rank,
epoch, position); SampleSeededDataset loads it with that random state."""
import pickle
import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmext.datasets import (SampleSeededDataset, SampleSeededSampler,
                            SeededIndex)
from mmext.datasets.samplers import sample_seed
from mmext.utils import register_all_modules


@pytest.fixture(autouse=True)
def registered():
    register_all_modules()


class RandomDraws(Dataset):
    """Each sample is the draws its loading makes from the three global
    generators, and its index."""

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return (index, random.random(), float(np.random.rand()),
                float(torch.rand(())))


def sampler(kind='DefaultSampler', **kwargs):
    return SampleSeededSampler(
        dict(type=kind, **kwargs), dataset=RandomDraws(), seed=3)


def test_seeded_index_is_an_int_that_keeps_its_seed_through_pickling():
    index = pickle.loads(pickle.dumps(SeededIndex(4, 1234)))
    assert index == 4 and index.seed == 1234 and index + 1 == 5
    assert isinstance(index, int)


def test_seeds_are_keyed_by_position_and_epoch_not_by_index():
    seeded = sampler(shuffle=False)
    first = list(seeded)
    assert [int(i) for i in first] == list(range(6))
    assert [i.seed for i in first
            ] == [sample_seed(3, 0, 0, position) for position in range(6)]
    assert len({i.seed for i in first}) == 6
    seeded.set_epoch(1)
    second = list(seeded)
    assert [int(i) for i in second] == list(range(6))
    # Another epoch, other augmentations for the same images.
    assert not {i.seed for i in first} & {i.seed for i in second}


def test_skip_continues_the_stream_with_the_same_seeds():
    straight = sampler('InfiniteSampler', shuffle=True)
    stream = iter(straight)
    expected = [next(stream) for _ in range(10)]
    resumed = sampler('InfiniteSampler', shuffle=True)
    resumed.skip(4)
    stream = iter(resumed)
    got = [next(stream) for _ in range(6)]
    assert [(int(i), i.seed) for i in got] == [(int(i), i.seed)
                                               for i in expected[4:]]


def test_skip_of_a_sampler_without_skip_draws_and_drops():
    straight = list(sampler(shuffle=True))
    resumed = sampler(shuffle=True)
    resumed.skip(2)
    assert [(int(i), i.seed) for i in resumed] == [(int(i), i.seed)
                                                   for i in straight[2:]]


@pytest.mark.parametrize('num_workers', [0, 2])
def test_dataset_draws_depend_on_the_seed_alone(num_workers):
    dataset = SampleSeededDataset(RandomDraws())
    indices = list(sampler(shuffle=True))
    loader = DataLoader(
        dataset, sampler=indices, batch_size=None, num_workers=num_workers)
    draws = list(loader)
    # The same keyed indices in another order and another worker count.
    again = [dataset[i] for i in reversed(indices)][::-1]
    for a, b in zip(draws, again):
        assert a[0] == b[0]
        assert a[1:] == pytest.approx(b[1:], abs=0)


def test_main_process_random_stream_is_untouched():
    dataset = SampleSeededDataset(RandomDraws())
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    dataset[SeededIndex(1, 99)]
    after = (random.random(), np.random.rand(), float(torch.rand(())))
    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    assert after == (random.random(), np.random.rand(), float(torch.rand(())))


def test_plain_indices_and_attributes_pass_through():
    dataset = SampleSeededDataset(RandomDraws())
    assert len(dataset) == 6 and dataset[2][0] == 2
    assert pickle.loads(pickle.dumps(dataset)).dataset.__class__ is RandomDraws
    with pytest.raises(AttributeError):
        dataset.no_such_attribute
    # Set through the wrapper (mmdet's PipelineSwitchHook sets pipeline).
    dataset.pipeline = 'switched'
    assert dataset.dataset.pipeline == 'switched'
    assert dataset.pipeline == 'switched'
