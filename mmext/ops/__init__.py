from .box_iou import box_iou
from .cross_scale_shift import cross_scale_shift, cross_scale_shift_pytorch
from .ext_loader import compiled_ops_available, compiled_ops_disabled
from .modulated_deform_conv import (FastModulatedDeformConv2dPack,
                                    dcn_cpu_available,
                                    deformable_bilinear_sample,
                                    modulated_deform_conv2d_cpu,
                                    modulated_deform_conv2d_sampled)
from .roi_align import RoIAlign, roi_align, roi_align_cpu_available
from .single_channel_conv3x3 import single_channel_conv3x3
from .task_aligned_topk import (TaskAlignedCandidates, task_aligned_topk,
                                task_aligned_topk_pytorch)

__all__ = [
    'FastModulatedDeformConv2dPack', 'RoIAlign', 'roi_align',
    'roi_align_cpu_available', 'TaskAlignedCandidates', 'box_iou',
    'compiled_ops_available', 'compiled_ops_disabled', 'cross_scale_shift',
    'cross_scale_shift_pytorch', 'dcn_cpu_available',
    'deformable_bilinear_sample', 'modulated_deform_conv2d_cpu',
    'modulated_deform_conv2d_sampled', 'single_channel_conv3x3',
    'task_aligned_topk', 'task_aligned_topk_pytorch'
]
