from .resumable_group_multi_source_sampler import \
    ResumableGroupMultiSourceSampler

__all__ = ['ResumableGroupMultiSourceSampler']
