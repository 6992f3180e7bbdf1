// Channel shift along the scale axis of RCNet's CSN (Sec. 3.2).
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

void cross_scale_shift_forward_impl(Tensor x, Tensor out,
                                    int64_t group_channels, const std::vector<int64_t>& shifts) {
  DISPATCH_DEVICE_IMPL(cross_scale_shift_forward_impl, x, out, group_channels,
                       shifts);
}

void cross_scale_shift_backward_impl(Tensor grad_out, Tensor grad_x,
                                     int64_t group_channels, const std::vector<int64_t>& shifts) {
  DISPATCH_DEVICE_IMPL(cross_scale_shift_backward_impl, grad_out, grad_x,
                       group_channels, shifts);
}

static void check_shapes(const Tensor& x, const Tensor& out,
                         int64_t group_channels, const std::vector<int64_t>& shifts) {
  TORCH_CHECK(x.dim() == 5 && out.dim() == 5,
              "cross_scale_shift: expected (L, N, C, H, W) tensors");
  const int64_t shifted = group_channels * int64_t(shifts.size());
  TORCH_CHECK(group_channels >= 0 && shifted <= x.size(2),
              "cross_scale_shift: the shifted groups exceed the channels");
  TORCH_CHECK(out.size(0) == x.size(0) && out.size(1) == x.size(1) &&
                  out.size(2) == x.size(2) + shifted &&
                  out.size(3) == x.size(3) && out.size(4) == x.size(4),
              "cross_scale_shift: output must be (L, N, C + S * g, H, W)");
  TORCH_CHECK(x.scalar_type() == out.scalar_type(),
              "cross_scale_shift: input and output dtypes differ");
}

void cross_scale_shift_forward(Tensor x, Tensor out, int64_t group_channels,
                               const std::vector<int64_t>& shifts) {
  check_shapes(x, out, group_channels, shifts);
  cross_scale_shift_forward_impl(x, out, group_channels, shifts);
}

void cross_scale_shift_backward(Tensor grad_out, Tensor grad_x,
                                int64_t group_channels, const std::vector<int64_t>& shifts) {
  check_shapes(grad_x, grad_out, group_channels, shifts);
  cross_scale_shift_backward_impl(grad_out, grad_x, group_channels, shifts);
}
