// CPU kernel of the one-pass task-aligned candidate search.
//
// GTs are split over threads; each thread scans all priors once for a block
// of its GTs (so a prior's box and score row are read once per block) and
// keeps every GT's top-k in a sorted list of k entries: memory O(k * G),
// never O(N * G).
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <vector>

#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"
#include "task_aligned_candidate.hpp"

constexpr int64_t kGtBlock = 16;

template <typename T>
static void task_aligned_topk_cpu_kernel(
    const T* decoded, const T* scores, const T* priors, const T* gt_bboxes,
    const int64_t* gt_labels, int64_t num_priors, int64_t num_classes,
    int64_t num_gts, int64_t topk, T alpha, T beta, T iou_eps, T centre_eps,
    int64_t* cand_index, T* cand_metric, T* cand_iou, bool* cand_pos) {
  at::parallel_for(0, num_gts, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> metrics(kGtBlock * topk);
    std::vector<int64_t> indices(kGtBlock * topk);
    for (int64_t first = begin; first < end; first += kGtBlock) {
      const int64_t block = std::min(kGtBlock, end - first);
      std::fill(metrics.begin(), metrics.end(),
                -std::numeric_limits<T>::infinity());
      std::fill(indices.begin(), indices.end(), int64_t(-1));
      for (int64_t i = 0; i < num_priors; ++i) {
        const T* box = decoded + i * 4;
        const T* score_row = scores + i * num_classes;
        for (int64_t b = 0; b < block; ++b) {
          const int64_t g = first + b;
          const T iou = box_iou(box, gt_bboxes + g * 4, iou_eps);
          const T metric =
              std::pow(score_row[gt_labels[g]], alpha) * std::pow(iou, beta);
          insert_candidate(metrics.data() + b * topk,
                           indices.data() + b * topk, topk, metric, i);
        }
      }
      for (int64_t b = 0; b < block; ++b) {
        const int64_t g = first + b;
        const T* box = gt_bboxes + g * 4;
        for (int64_t k = 0; k < topk; ++k) {
          const int64_t i = indices[b * topk + k];
          const int64_t out = k * num_gts + g;
          cand_index[out] = i;
          cand_metric[out] = metrics[b * topk + k];
          if (i < 0) {  // fewer than k finite metrics (NaN scores)
            cand_iou[out] = T(0);
            cand_pos[out] = false;
            continue;
          }
          cand_iou[out] = box_iou(decoded + i * 4, box, iou_eps);
          cand_pos[out] = cand_metric[out] > T(0) &&
                          centre_inside(priors + i * 4, box, centre_eps);
        }
      }
    }
  });
}

void task_aligned_topk_cpu(Tensor decoded, Tensor scores, Tensor priors,
                           Tensor gt_bboxes, Tensor gt_labels,
                           Tensor cand_index, Tensor cand_metric,
                           Tensor cand_iou, Tensor cand_pos, double alpha,
                           double beta, double iou_eps, double centre_eps) {
  CHECK_CPU_INPUT(decoded);
  CHECK_CPU_INPUT(scores);
  CHECK_CPU_INPUT(priors);
  CHECK_CPU_INPUT(gt_bboxes);
  CHECK_CPU_INPUT(gt_labels);
  CHECK_CPU_INPUT(cand_index);
  CHECK_CPU_INPUT(cand_metric);
  CHECK_CPU_INPUT(cand_iou);
  CHECK_CPU_INPUT(cand_pos);
  AT_DISPATCH_FLOATING_TYPES(
      decoded.scalar_type(), "task_aligned_topk_cpu", [&] {
        task_aligned_topk_cpu_kernel<scalar_t>(
            decoded.data_ptr<scalar_t>(), scores.data_ptr<scalar_t>(),
            priors.data_ptr<scalar_t>(), gt_bboxes.data_ptr<scalar_t>(),
            gt_labels.data_ptr<int64_t>(), decoded.size(0), scores.size(1),
            gt_bboxes.size(0), cand_index.size(0), scalar_t(alpha),
            scalar_t(beta), scalar_t(iou_eps), scalar_t(centre_eps),
            cand_index.data_ptr<int64_t>(), cand_metric.data_ptr<scalar_t>(),
            cand_iou.data_ptr<scalar_t>(), cand_pos.data_ptr<bool>());
      });
}

void task_aligned_topk_impl(Tensor decoded, Tensor scores, Tensor priors,
                            Tensor gt_bboxes, Tensor gt_labels,
                            Tensor cand_index, Tensor cand_metric,
                            Tensor cand_iou, Tensor cand_pos, double alpha,
                            double beta, double iou_eps, double centre_eps);
REGISTER_DEVICE_IMPL(task_aligned_topk_impl, CPU, task_aligned_topk_cpu);
