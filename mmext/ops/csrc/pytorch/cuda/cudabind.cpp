// Registers the CUDA kernels with mmcv's device registry (compiled only when
// mmext is built with CUDA).
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

void task_aligned_topk_cuda(Tensor decoded, Tensor scores, Tensor priors,
                            Tensor gt_bboxes, Tensor gt_labels,
                            Tensor cand_index, Tensor cand_metric,
                            Tensor cand_iou, Tensor cand_pos, double alpha,
                            double beta, double iou_eps, double centre_eps);
void task_aligned_topk_impl(Tensor decoded, Tensor scores, Tensor priors,
                            Tensor gt_bboxes, Tensor gt_labels,
                            Tensor cand_index, Tensor cand_metric,
                            Tensor cand_iou, Tensor cand_pos, double alpha,
                            double beta, double iou_eps, double centre_eps);
REGISTER_DEVICE_IMPL(task_aligned_topk_impl, CUDA, task_aligned_topk_cuda);

void cross_scale_shift_forward_cuda(Tensor x, Tensor out,
                                    int64_t group_channels,
                                    const std::vector<int64_t>& shifts);
void cross_scale_shift_backward_cuda(Tensor grad_out, Tensor grad_x,
                                     int64_t group_channels,
                                     const std::vector<int64_t>& shifts);
void cross_scale_shift_forward_impl(Tensor x, Tensor out,
                                    int64_t group_channels,
                                    const std::vector<int64_t>& shifts);
void cross_scale_shift_backward_impl(Tensor grad_out, Tensor grad_x,
                                     int64_t group_channels,
                                     const std::vector<int64_t>& shifts);
REGISTER_DEVICE_IMPL(cross_scale_shift_forward_impl, CUDA,
                     cross_scale_shift_forward_cuda);
REGISTER_DEVICE_IMPL(cross_scale_shift_backward_impl, CUDA,
                     cross_scale_shift_backward_cuda);
