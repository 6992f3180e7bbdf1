// CUDA kernel of the one-pass task-aligned candidate search.
//
// One block per GT: each thread scans a strided share of the priors and keeps
// its own top-k, then the block merges the threads' lists pairwise in shared
// memory (a tree of log2(threads) merges). Same ranking as the CPU kernel:
// larger metric first, lower prior index among equals.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/types.h>

#include "common_cuda_helper.hpp"
#include "task_aligned_candidate.hpp"

constexpr int kMaxTopk = 32;

// Merge the sorted lists a and b (k entries each) into a.
template <typename T>
__device__ void merge_candidates(T* a_metric, int64_t* a_index,
                                 const T* b_metric, const int64_t* b_index,
                                 int k) {
  T metric[kMaxTopk];
  int64_t index[kMaxTopk];
  int i = 0, j = 0;
  for (int n = 0; n < k; ++n) {
    if (ranks_before(b_metric[j], b_index[j], a_metric[i], a_index[i])) {
      metric[n] = b_metric[j];
      index[n] = b_index[j++];
    } else {
      metric[n] = a_metric[i];
      index[n] = a_index[i++];
    }
  }
  for (int n = 0; n < k; ++n) {
    a_metric[n] = metric[n];
    a_index[n] = index[n];
  }
}

template <typename T>
__global__ void task_aligned_topk_cuda_kernel(
    const T* decoded, const T* scores, const T* priors, const T* gt_bboxes,
    const int64_t* gt_labels, int64_t num_priors, int64_t num_classes,
    int64_t num_gts, int topk, T alpha, T beta, T iou_eps, T centre_eps,
    int64_t* cand_index, T* cand_metric, T* cand_iou, bool* cand_pos) {
  extern __shared__ unsigned char shared_bytes[];
  T* shared_metric = reinterpret_cast<T*>(shared_bytes);
  int64_t* shared_index =
      reinterpret_cast<int64_t*>(shared_metric + blockDim.x * topk);
  const int64_t g = blockIdx.x;
  const T* box = gt_bboxes + g * 4;
  const int64_t label = gt_labels[g];
  T* metric = shared_metric + threadIdx.x * topk;
  int64_t* index = shared_index + threadIdx.x * topk;
  T local_metric[kMaxTopk];
  int64_t local_index[kMaxTopk];
  for (int k = 0; k < topk; ++k) {
    local_metric[k] = -INFINITY;
    local_index[k] = -1;
  }
  for (int64_t i = threadIdx.x; i < num_priors; i += blockDim.x) {
    const T iou = box_iou(decoded + i * 4, box, iou_eps);
    const T m = pow(scores[i * num_classes + label], alpha) * pow(iou, beta);
    insert_candidate(local_metric, local_index, topk, m, i);
  }
  for (int k = 0; k < topk; ++k) {
    metric[k] = local_metric[k];
    index[k] = local_index[k];
  }
  __syncthreads();
  for (unsigned int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      merge_candidates(metric, index, metric + stride * topk,
                       index + stride * topk, topk);
    }
    __syncthreads();
  }
  for (int k = threadIdx.x; k < topk; k += blockDim.x) {
    const int64_t i = shared_index[k];
    const int64_t out = k * num_gts + g;
    cand_index[out] = i;
    cand_metric[out] = shared_metric[k];
    if (i < 0) {
      cand_iou[out] = T(0);
      cand_pos[out] = false;
    } else {
      cand_iou[out] = box_iou(decoded + i * 4, box, iou_eps);
      cand_pos[out] = shared_metric[k] > T(0) &&
                      centre_inside(priors + i * 4, box, centre_eps);
    }
  }
}

void task_aligned_topk_cuda(at::Tensor decoded, at::Tensor scores,
                            at::Tensor priors, at::Tensor gt_bboxes,
                            at::Tensor gt_labels, at::Tensor cand_index,
                            at::Tensor cand_metric, at::Tensor cand_iou,
                            at::Tensor cand_pos, double alpha, double beta,
                            double iou_eps, double centre_eps) {
  const int64_t num_gts = gt_bboxes.size(0);
  const int topk = static_cast<int>(cand_index.size(0));
  TORCH_CHECK(topk <= kMaxTopk, "task_aligned_topk: the CUDA kernel keeps at "
              "most ", kMaxTopk, " candidates per GT, got topk=", topk);
  if (num_gts == 0) return;
  c10::cuda::CUDAGuard device_guard(decoded.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(
      decoded.scalar_type(), "task_aligned_topk_cuda", [&] {
        // The threads' lists share 32 KiB of shared memory.
        int threads = 256;
        const size_t entry = sizeof(scalar_t) + sizeof(int64_t);
        while (threads > 32 && threads * topk * entry > 32 * 1024) {
          threads /= 2;
        }
        const size_t shared = threads * topk * entry;
        task_aligned_topk_cuda_kernel<scalar_t>
            <<<num_gts, threads, shared, stream>>>(
                decoded.data_ptr<scalar_t>(), scores.data_ptr<scalar_t>(),
                priors.data_ptr<scalar_t>(), gt_bboxes.data_ptr<scalar_t>(),
                gt_labels.data_ptr<int64_t>(), decoded.size(0),
                scores.size(1), num_gts, topk, scalar_t(alpha),
                scalar_t(beta), scalar_t(iou_eps), scalar_t(centre_eps),
                cand_index.data_ptr<int64_t>(),
                cand_metric.data_ptr<scalar_t>(),
                cand_iou.data_ptr<scalar_t>(), cand_pos.data_ptr<bool>());
      });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}
