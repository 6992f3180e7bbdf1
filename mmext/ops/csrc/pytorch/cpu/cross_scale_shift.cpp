// CPU kernels of RCNet's cross-scale channel shift: one copy per plane.
//
// x is (L, N, C, H, W); out is (L, N, C + S * g, H, W) with
//   out[l, n, s * g + j] = x[(l - shifts[s]) mod L, n, s * g + j]  (j < g)
//   out[l, n, S * g + c] = x[l, n, c]
// so a shifted channel keeps its channel index and the gradient of x is
//   grad_x[l, n, c] = grad_out[l, n, S * g + c]
//                     + grad_out[(l + shifts[c / g]) mod L, n, c]  (c < S g)
#include <ATen/Parallel.h>

#include <cstring>
#include <vector>

#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

static int64_t wrap_level(int64_t level, int64_t num_levels) {
  const int64_t r = level % num_levels;
  return r < 0 ? r + num_levels : r;
}

template <typename T>
static void shift_forward_cpu_kernel(const T* x, T* out, int64_t levels,
                                     int64_t batch, int64_t channels,
                                     int64_t plane, int64_t group_channels,
                                     const std::vector<int64_t>& shifts) {
  const int64_t shifted = group_channels * int64_t(shifts.size());
  const int64_t out_channels = channels + shifted;
  const int64_t num_planes = levels * batch * out_channels;
  at::parallel_for(0, num_planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t c = p % out_channels;
      const int64_t n = (p / out_channels) % batch;
      const int64_t l = p / (out_channels * batch);
      int64_t src_level = l, src_channel = c - shifted;
      if (c < shifted) {
        src_level = wrap_level(l - shifts[c / group_channels], levels);
        src_channel = c;
      }
      const T* src = x + ((src_level * batch + n) * channels + src_channel) *
                             plane;
      std::memcpy(out + p * plane, src, sizeof(T) * plane);
    }
  });
}

template <typename T>
static void shift_backward_cpu_kernel(const T* grad_out, T* grad_x,
                                      int64_t levels, int64_t batch,
                                      int64_t channels, int64_t plane,
                                      int64_t group_channels,
                                      const std::vector<int64_t>& shifts) {
  const int64_t shifted = group_channels * int64_t(shifts.size());
  const int64_t out_channels = channels + shifted;
  const int64_t num_planes = levels * batch * channels;
  at::parallel_for(0, num_planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t c = p % channels;
      const int64_t n = (p / channels) % batch;
      const int64_t l = p / (channels * batch);
      T* dst = grad_x + p * plane;
      const T* direct =
          grad_out + ((l * batch + n) * out_channels + shifted + c) * plane;
      if (c >= shifted) {
        std::memcpy(dst, direct, sizeof(T) * plane);
        continue;
      }
      const int64_t dst_level =
          wrap_level(l + shifts[c / group_channels], levels);
      const T* moved =
          grad_out + ((dst_level * batch + n) * out_channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) dst[i] = direct[i] + moved[i];
    }
  });
}

void cross_scale_shift_forward_cpu(Tensor x, Tensor out,
                                   int64_t group_channels,
                                   const std::vector<int64_t>& shifts) {
  CHECK_CPU_INPUT(x);
  CHECK_CPU_INPUT(out);
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, x.scalar_type(), "cross_scale_shift_cpu",
      [&] {
        shift_forward_cpu_kernel<scalar_t>(
            x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), x.size(0),
            x.size(1), x.size(2), x.size(3) * x.size(4), group_channels,
            shifts);
      });
}

void cross_scale_shift_backward_cpu(Tensor grad_out, Tensor grad_x,
                                    int64_t group_channels,
                                    const std::vector<int64_t>& shifts) {
  CHECK_CPU_INPUT(grad_out);
  CHECK_CPU_INPUT(grad_x);
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kHalf, at::kBFloat16, grad_x.scalar_type(),
      "cross_scale_shift_backward_cpu", [&] {
        shift_backward_cpu_kernel<scalar_t>(
            grad_out.data_ptr<scalar_t>(), grad_x.data_ptr<scalar_t>(),
            grad_x.size(0), grad_x.size(1), grad_x.size(2),
            grad_x.size(3) * grad_x.size(4), group_channels, shifts);
      });
}

void cross_scale_shift_forward_impl(Tensor x, Tensor out,
                                    int64_t group_channels,
                                    const std::vector<int64_t>& shifts);
void cross_scale_shift_backward_impl(Tensor grad_out, Tensor grad_x,
                                     int64_t group_channels,
                                     const std::vector<int64_t>& shifts);
REGISTER_DEVICE_IMPL(cross_scale_shift_forward_impl, CPU,
                     cross_scale_shift_forward_cpu);
REGISTER_DEVICE_IMPL(cross_scale_shift_backward_impl, CPU,
                     cross_scale_shift_backward_cpu);
