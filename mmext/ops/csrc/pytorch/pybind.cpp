#include <torch/extension.h>

#include "pytorch_cpp_helper.hpp"

void task_aligned_topk(Tensor decoded, Tensor scores, Tensor priors,
                       Tensor gt_bboxes, Tensor gt_labels, Tensor cand_index,
                       Tensor cand_metric, Tensor cand_iou, Tensor cand_pos,
                       double alpha, double beta, double iou_eps,
                       double centre_eps);

void cross_scale_shift_forward(Tensor x, Tensor out, int64_t group_channels,
                               const std::vector<int64_t>& shifts);

void cross_scale_shift_backward(Tensor grad_out, Tensor grad_x,
                                int64_t group_channels, const std::vector<int64_t>& shifts);

void mmext_roi_align_forward(Tensor input, Tensor rois, Tensor output,
                             double spatial_scale, int64_t sampling_ratio,
                             bool aligned);

void mmext_roi_align_backward(Tensor grad_output, Tensor rois,
                              Tensor grad_input, double spatial_scale,
                              int64_t sampling_ratio, bool aligned);

void mmext_modulated_deform_conv_forward(
    Tensor input, Tensor offset, Tensor mask, Tensor weight, Tensor bias,
    Tensor output, int64_t stride_h, int64_t stride_w, int64_t pad_h,
    int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
    int64_t deform_groups, int64_t block);

void mmext_modulated_deform_conv_backward(
    Tensor input, Tensor offset, Tensor mask, Tensor weight,
    Tensor grad_output, Tensor grad_input, Tensor grad_offset,
    Tensor grad_mask, Tensor grad_weight, Tensor grad_bias, int64_t stride_h,
    int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
    int64_t dilation_w, int64_t deform_groups, int64_t block);

bool with_cuda() {
#ifdef MMEXT_WITH_CUDA
  return true;
#else
  return false;
#endif
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("task_aligned_topk", &task_aligned_topk,
        "per-GT top-k task-aligned candidates, their metrics, IoUs and "
        "centre-inside flags",
        py::arg("decoded"), py::arg("scores"), py::arg("priors"),
        py::arg("gt_bboxes"), py::arg("gt_labels"), py::arg("cand_index"),
        py::arg("cand_metric"), py::arg("cand_iou"), py::arg("cand_pos"),
        py::arg("alpha"), py::arg("beta"), py::arg("iou_eps"),
        py::arg("centre_eps"));
  m.def("cross_scale_shift_forward", &cross_scale_shift_forward,
        "roll channel groups along the scale axis", py::arg("x"),
        py::arg("out"), py::arg("group_channels"), py::arg("shifts"));
  m.def("cross_scale_shift_backward", &cross_scale_shift_backward,
        "gradient of cross_scale_shift_forward", py::arg("grad_out"),
        py::arg("grad_x"), py::arg("group_channels"), py::arg("shifts"));
  m.def("roi_align_forward", &mmext_roi_align_forward,
        "RoIAlign (avg) on the CPU, RoIs over threads", py::arg("input"),
        py::arg("rois"), py::arg("output"), py::arg("spatial_scale"),
        py::arg("sampling_ratio"), py::arg("aligned"));
  m.def("roi_align_backward", &mmext_roi_align_backward,
        "gradient of roi_align_forward, channels over threads",
        py::arg("grad_output"), py::arg("rois"), py::arg("grad_input"),
        py::arg("spatial_scale"), py::arg("sampling_ratio"),
        py::arg("aligned"));
  m.def("modulated_deform_conv_forward",
        &mmext_modulated_deform_conv_forward,
        "DCNv2 (groups=1) on the CPU, blocks of positions over threads",
        py::arg("input"), py::arg("offset"), py::arg("mask"),
        py::arg("weight"), py::arg("bias"), py::arg("output"),
        py::arg("stride_h"), py::arg("stride_w"), py::arg("pad_h"),
        py::arg("pad_w"), py::arg("dilation_h"), py::arg("dilation_w"),
        py::arg("deform_groups"), py::arg("block"));
  m.def("modulated_deform_conv_backward",
        &mmext_modulated_deform_conv_backward,
        "gradients of modulated_deform_conv_forward, deterministic",
        py::arg("input"), py::arg("offset"), py::arg("mask"),
        py::arg("weight"), py::arg("grad_output"), py::arg("grad_input"),
        py::arg("grad_offset"), py::arg("grad_mask"), py::arg("grad_weight"),
        py::arg("grad_bias"), py::arg("stride_h"), py::arg("stride_w"),
        py::arg("pad_h"), py::arg("pad_w"), py::arg("dilation_h"),
        py::arg("dilation_w"), py::arg("deform_groups"), py::arg("block"));
  m.def("with_cuda", &with_cuda, "whether the CUDA kernels were compiled");
}
