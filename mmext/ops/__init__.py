from .modulated_deform_conv import (FastModulatedDeformConv2dPack,
                                    modulated_deform_conv2d_sampled)

__all__ = ['FastModulatedDeformConv2dPack', 'modulated_deform_conv2d_sampled']
