// CUDA kernels of RCNet's cross-scale channel shift (layout and formulas as
// in ../cpu/cross_scale_shift.cpp); one thread per output element.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/types.h>

#include <vector>

#include "common_cuda_helper.hpp"

constexpr int kMaxShifts = 16;

struct Shifts {
  int64_t value[kMaxShifts];
  int count;
};

__device__ __forceinline__ int64_t wrap_level(int64_t level,
                                              int64_t num_levels) {
  const int64_t r = level % num_levels;
  return r < 0 ? r + num_levels : r;
}

template <typename T>
__global__ void shift_forward_cuda_kernel(const T* x, T* out, int64_t total,
                                          int64_t batch, int64_t channels,
                                          int64_t plane, int64_t levels,
                                          int64_t group_channels,
                                          Shifts shifts) {
  const int64_t shifted = group_channels * shifts.count;
  const int64_t out_channels = channels + shifted;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t pos = e % plane;
    const int64_t c = (e / plane) % out_channels;
    const int64_t n = (e / (plane * out_channels)) % batch;
    const int64_t l = e / (plane * out_channels * batch);
    int64_t src_level = l, src_channel = c - shifted;
    if (c < shifted) {
      src_level = wrap_level(l - shifts.value[c / group_channels], levels);
      src_channel = c;
    }
    out[e] = x[((src_level * batch + n) * channels + src_channel) * plane +
               pos];
  }
}

template <typename T>
__global__ void shift_backward_cuda_kernel(const T* grad_out, T* grad_x,
                                           int64_t total, int64_t batch,
                                           int64_t channels, int64_t plane,
                                           int64_t levels,
                                           int64_t group_channels,
                                           Shifts shifts) {
  const int64_t shifted = group_channels * shifts.count;
  const int64_t out_channels = channels + shifted;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t pos = e % plane;
    const int64_t c = (e / plane) % channels;
    const int64_t n = (e / (plane * channels)) % batch;
    const int64_t l = e / (plane * channels * batch);
    T value =
        grad_out[((l * batch + n) * out_channels + shifted + c) * plane + pos];
    if (c < shifted) {
      const int64_t dst_level =
          wrap_level(l + shifts.value[c / group_channels], levels);
      value +=
          grad_out[((dst_level * batch + n) * out_channels + c) * plane + pos];
    }
    grad_x[e] = value;
  }
}

static Shifts pack_shifts(const std::vector<int64_t>& shifts) {
  TORCH_CHECK(shifts.size() <= kMaxShifts, "cross_scale_shift: at most ",
              kMaxShifts, " shifted groups on CUDA, got ", shifts.size());
  Shifts packed;
  packed.count = static_cast<int>(shifts.size());
  for (size_t i = 0; i < shifts.size(); ++i) packed.value[i] = shifts[i];
  return packed;
}

void cross_scale_shift_forward_cuda(at::Tensor x, at::Tensor out,
                                    int64_t group_channels,
                                    const std::vector<int64_t>& shifts) {
  const int64_t total = out.numel();
  if (total == 0) return;
  const Shifts packed = pack_shifts(shifts);
  c10::cuda::CUDAGuard device_guard(x.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, x.scalar_type(), "cross_scale_shift_cuda",
      [&] {
        shift_forward_cuda_kernel<scalar_t>
            <<<GET_BLOCKS(total), THREADS_PER_BLOCK, 0, stream>>>(
                x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), total,
                x.size(1), x.size(2), x.size(3) * x.size(4), x.size(0),
                group_channels, packed);
      });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

void cross_scale_shift_backward_cuda(at::Tensor grad_out, at::Tensor grad_x,
                                     int64_t group_channels,
                                     const std::vector<int64_t>& shifts) {
  const int64_t total = grad_x.numel();
  if (total == 0) return;
  const Shifts packed = pack_shifts(shifts);
  c10::cuda::CUDAGuard device_guard(grad_x.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, grad_x.scalar_type(),
      "cross_scale_shift_backward_cuda", [&] {
        shift_backward_cuda_kernel<scalar_t>
            <<<GET_BLOCKS(total), THREADS_PER_BLOCK, 0, stream>>>(
                grad_out.data_ptr<scalar_t>(), grad_x.data_ptr<scalar_t>(),
                total, grad_x.size(1), grad_x.size(2),
                grad_x.size(3) * grad_x.size(4), grad_x.size(0),
                group_channels, packed);
      });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}
