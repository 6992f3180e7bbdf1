from .rcnet import RCNet

__all__ = ['RCNet']
