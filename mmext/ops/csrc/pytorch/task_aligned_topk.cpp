// Task-aligned assignment candidates (TOOD, Sec. 3.2.1) in one pass.
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

void task_aligned_topk_impl(Tensor decoded, Tensor scores, Tensor priors,
                            Tensor gt_bboxes, Tensor gt_labels,
                            Tensor cand_index, Tensor cand_metric,
                            Tensor cand_iou, Tensor cand_pos, double alpha,
                            double beta, double iou_eps, double centre_eps) {
  DISPATCH_DEVICE_IMPL(task_aligned_topk_impl, decoded, scores, priors,
                       gt_bboxes, gt_labels, cand_index, cand_metric, cand_iou,
                       cand_pos, alpha, beta, iou_eps, centre_eps);
}

void task_aligned_topk(Tensor decoded, Tensor scores, Tensor priors,
                       Tensor gt_bboxes, Tensor gt_labels, Tensor cand_index,
                       Tensor cand_metric, Tensor cand_iou, Tensor cand_pos,
                       double alpha, double beta, double iou_eps,
                       double centre_eps) {
  const int64_t num_priors = decoded.size(0), num_gts = gt_bboxes.size(0);
  TORCH_CHECK(decoded.dim() == 2 && decoded.size(1) == 4,
              "task_aligned_topk: decoded must be (num_priors, 4)");
  TORCH_CHECK(priors.dim() == 2 && priors.size(0) == num_priors &&
                  priors.size(1) == 4,
              "task_aligned_topk: priors must be (num_priors, 4)");
  TORCH_CHECK(scores.dim() == 2 && scores.size(0) == num_priors,
              "task_aligned_topk: scores must be (num_priors, num_classes)");
  TORCH_CHECK(gt_bboxes.dim() == 2 && gt_bboxes.size(1) == 4,
              "task_aligned_topk: gt_bboxes must be (num_gts, 4)");
  TORCH_CHECK(gt_labels.dim() == 1 && gt_labels.size(0) == num_gts &&
                  gt_labels.scalar_type() == at::kLong,
              "task_aligned_topk: gt_labels must be int64 (num_gts, )");
  TORCH_CHECK(cand_index.dim() == 2 && cand_index.size(1) == num_gts &&
                  cand_index.size(0) >= 1 && cand_index.size(0) <= num_priors,
              "task_aligned_topk: outputs must be (topk, num_gts) with "
              "1 <= topk <= num_priors");
  TORCH_CHECK(scores.scalar_type() == decoded.scalar_type() &&
                  priors.scalar_type() == decoded.scalar_type() &&
                  gt_bboxes.scalar_type() == decoded.scalar_type(),
              "task_aligned_topk: boxes and scores must share one dtype");
  task_aligned_topk_impl(decoded, scores, priors, gt_bboxes, gt_labels,
                         cand_index, cand_metric, cand_iou, cand_pos, alpha,
                         beta, iou_eps, centre_eps);
}
