from .modulated_deform_conv import (FastModulatedDeformConv2dPack,
                                    deformable_bilinear_sample,
                                    modulated_deform_conv2d_sampled)

__all__ = [
    'FastModulatedDeformConv2dPack', 'deformable_bilinear_sample',
    'modulated_deform_conv2d_sampled'
]
