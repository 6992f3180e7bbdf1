from .resumable_group_multi_source_sampler import \
    ResumableGroupMultiSourceSampler
from .sample_seeded_sampler import (SampleSeededSampler, SeededIndex,
                                    sample_seed)

__all__ = [
    'ResumableGroupMultiSourceSampler', 'SampleSeededSampler', 'SeededIndex',
    'sample_seed'
]
