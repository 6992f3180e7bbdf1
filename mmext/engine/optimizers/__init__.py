from .summarized_optim_wrapper_constructor import \
    SummarizedOptimWrapperConstructor

__all__ = ['SummarizedOptimWrapperConstructor']
