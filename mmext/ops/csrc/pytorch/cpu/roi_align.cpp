// RoIAlign (avg pooling) on the CPU over all threads, with mmcv's
// arithmetic (mmcv/ops/csrc/pytorch/cpu/roi_align.cpp): the same sampling
// points, bilinear weights and summation order, so the results are equal to
// mmcv's bit for bit.
//
// Forward: RoIs over threads (each writes its own output rows).
// Backward: channels over threads. Every thread walks all RoIs in order for
// its channels and accumulates into those channels' planes of grad_input,
// which no other thread touches: no atomics, no private buffers, and each
// gradient element receives its contributions in mmcv's order (RoI, bin,
// sample), hence deterministic and equal to mmcv's sequential kernel.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "pytorch_cpp_helper.hpp"

namespace {

template <typename T>
struct Sample {
  bool inside;  // points outside the map add nothing, forward or backward
  int64_t pos[4];
  T w[4];
};

template <typename T>
struct RoIGeometry {
  int64_t batch;
  T start_h, start_w, bin_h, bin_w;
  int grid_h, grid_w;
};

template <typename T>
RoIGeometry<T> roi_geometry(const T* roi, int64_t pooled_h, int64_t pooled_w,
                            T spatial_scale, int64_t sampling_ratio,
                            bool aligned) {
  RoIGeometry<T> g;
  g.batch = static_cast<int64_t>(roi[0]);
  const T offset = aligned ? (T)0.5 : (T)0.0;
  g.start_w = roi[1] * spatial_scale - offset;
  g.start_h = roi[2] * spatial_scale - offset;
  T width = roi[3] * spatial_scale - offset - g.start_w;
  T height = roi[4] * spatial_scale - offset - g.start_h;
  if (!aligned) {  // mmcv's backward-compatible minimum size
    width = std::max(width, (T)1.);
    height = std::max(height, (T)1.);
  }
  g.bin_h = static_cast<T>(height) / static_cast<T>(pooled_h);
  g.bin_w = static_cast<T>(width) / static_cast<T>(pooled_w);
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : ceilf(height / pooled_h);
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : ceilf(width / pooled_w);
  return g;
}

// The four taps and weights of every sampling point of a RoI, bins in
// row-major order, samples in row-major order within a bin (mmcv's order).
template <typename T>
void sample_points(const RoIGeometry<T>& g, int64_t height, int64_t width,
                   int64_t pooled_h, int64_t pooled_w,
                   std::vector<Sample<T>>& samples) {
  samples.resize(pooled_h * pooled_w * g.grid_h * g.grid_w);
  int64_t i = 0;
  for (int64_t ph = 0; ph < pooled_h; ph++) {
    for (int64_t pw = 0; pw < pooled_w; pw++) {
      for (int iy = 0; iy < g.grid_h; iy++) {
        const T yy = g.start_h + ph * g.bin_h +
                     static_cast<T>(iy + .5f) * g.bin_h /
                         static_cast<T>(g.grid_h);
        for (int ix = 0; ix < g.grid_w; ix++, i++) {
          T y = yy;
          T x = g.start_w + pw * g.bin_w +
                static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
          Sample<T>& s = samples[i];
          s.inside = !(y < -1.0 || y > height || x < -1.0 || x > width);
          if (!s.inside) {
            for (int k = 0; k < 4; k++) {
              s.pos[k] = 0;
              s.w[k] = 0;
            }
            continue;
          }
          if (y <= 0) y = 0;
          if (x <= 0) x = 0;
          int64_t y_low = (int)y, x_low = (int)x, y_high, x_high;
          if (y_low >= height - 1) {
            y_high = y_low = height - 1;
            y = (T)y_low;
          } else {
            y_high = y_low + 1;
          }
          if (x_low >= width - 1) {
            x_high = x_low = width - 1;
            x = (T)x_low;
          } else {
            x_high = x_low + 1;
          }
          const T ly = y - y_low, lx = x - x_low;
          const T hy = 1. - ly, hx = 1. - lx;
          s.pos[0] = y_low * width + x_low;
          s.pos[1] = y_low * width + x_high;
          s.pos[2] = y_high * width + x_low;
          s.pos[3] = y_high * width + x_high;
          s.w[0] = hy * hx;
          s.w[1] = hy * lx;
          s.w[2] = ly * hx;
          s.w[3] = ly * lx;
        }
      }
    }
  }
}

template <typename T>
void check_roi_sizes(const T* rois, int64_t num_rois, T spatial_scale,
                     bool aligned) {
  if (!aligned) return;
  for (int64_t n = 0; n < num_rois; n++) {
    const T* roi = rois + n * 5;
    TORCH_CHECK(roi[3] * spatial_scale - roi[1] * spatial_scale >= 0 &&
                    roi[4] * spatial_scale - roi[2] * spatial_scale >= 0,
                "roi_align: RoI ", n, " has a negative size");
  }
}

template <typename T>
void forward_kernel(const T* input, const T* rois, T* output,
                    int64_t num_rois, int64_t channels, int64_t height,
                    int64_t width, int64_t pooled_h, int64_t pooled_w,
                    T spatial_scale, int64_t sampling_ratio, bool aligned) {
  const int64_t bins = pooled_h * pooled_w;
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    std::vector<Sample<T>> samples;
    for (int64_t n = begin; n < end; n++) {
      const RoIGeometry<T> g = roi_geometry(rois + n * 5, pooled_h, pooled_w,
                                            spatial_scale, sampling_ratio,
                                            aligned);
      sample_points(g, height, width, pooled_h, pooled_w, samples);
      const int per_bin = g.grid_h * g.grid_w;
      const T count = std::max(per_bin, 1);
      for (int64_t c = 0; c < channels; c++) {
        const T* plane = input + (g.batch * channels + c) * height * width;
        T* out = output + (n * channels + c) * bins;
        const Sample<T>* s = samples.data();
        for (int64_t b = 0; b < bins; b++) {
          T sum = 0.;
          for (int k = 0; k < per_bin; k++, s++) {
            sum += s->w[0] * plane[s->pos[0]] + s->w[1] * plane[s->pos[1]] +
                   s->w[2] * plane[s->pos[2]] + s->w[3] * plane[s->pos[3]];
          }
          out[b] = sum / count;
        }
      }
    }
  });
}

template <typename T>
void backward_kernel(const T* grad_output, const T* rois, T* grad_input,
                     int64_t num_rois, int64_t channels, int64_t height,
                     int64_t width, int64_t pooled_h, int64_t pooled_w,
                     T spatial_scale, int64_t sampling_ratio, bool aligned) {
  const int64_t bins = pooled_h * pooled_w;
  at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
    // Each thread computes the sampling points of a RoI for its channels
    // (a small fraction of the work for a channel range of any size; kept
    // per RoI so that memory does not grow with the number of RoIs).
    std::vector<Sample<T>> samples;
    for (int64_t n = 0; n < num_rois; n++) {
      const RoIGeometry<T> g = roi_geometry(rois + n * 5, pooled_h, pooled_w,
                                            spatial_scale, sampling_ratio,
                                            aligned);
      sample_points(g, height, width, pooled_h, pooled_w, samples);
      const int per_bin = g.grid_h * g.grid_w;
      const T count = per_bin;
      for (int64_t c = begin; c < end; c++) {
        T* plane = grad_input + (g.batch * channels + c) * height * width;
        const T* grad = grad_output + (n * channels + c) * bins;
        const Sample<T>* s = samples.data();
        for (int64_t b = 0; b < bins; b++) {
          const T grad_bin = grad[b];
          for (int k = 0; k < per_bin; k++, s++) {
            if (!s->inside) continue;
            for (int t = 0; t < 4; t++) {
              plane[s->pos[t]] += grad_bin * s->w[t] / count;
            }
          }
        }
      }
    }
  });
}

void check_inputs(const Tensor& input, const Tensor& rois,
                  const Tensor& output) {
  TORCH_CHECK(input.device().is_cpu() && rois.device().is_cpu() &&
                  output.device().is_cpu(),
              "mmext roi_align: CPU tensors only (CUDA runs mmcv's kernel)");
  TORCH_CHECK(input.dim() == 4 && input.is_contiguous(),
              "mmext roi_align: input must be a contiguous (N, C, H, W)");
  TORCH_CHECK(rois.dim() == 2 && rois.size(1) == 5 && rois.is_contiguous(),
              "mmext roi_align: rois must be a contiguous (K, 5)");
  TORCH_CHECK(output.is_contiguous() && output.dim() == 4 &&
                  output.size(0) == rois.size(0) &&
                  output.size(1) == input.size(1),
              "mmext roi_align: output must be a contiguous (K, C, PH, PW)");
  TORCH_CHECK(input.scalar_type() == rois.scalar_type() &&
                  input.scalar_type() == output.scalar_type(),
              "mmext roi_align: input, rois and output dtypes differ");
}

}  // namespace

void mmext_roi_align_forward(Tensor input, Tensor rois, Tensor output,
                             double spatial_scale, int64_t sampling_ratio,
                             bool aligned) {
  check_inputs(input, rois, output);
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "mmext_roi_align", [&] {
    const scalar_t scale = static_cast<scalar_t>(spatial_scale);
    check_roi_sizes(rois.data_ptr<scalar_t>(), rois.size(0), scale, aligned);
    forward_kernel<scalar_t>(
        input.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
        output.data_ptr<scalar_t>(), rois.size(0), input.size(1),
        input.size(2), input.size(3), output.size(2), output.size(3), scale,
        sampling_ratio, aligned);
  });
}

void mmext_roi_align_backward(Tensor grad_output, Tensor rois,
                              Tensor grad_input, double spatial_scale,
                              int64_t sampling_ratio, bool aligned) {
  check_inputs(grad_input, rois, grad_output);
  AT_DISPATCH_FLOATING_TYPES(
      grad_output.scalar_type(), "mmext_roi_align_backward", [&] {
        const scalar_t scale = static_cast<scalar_t>(spatial_scale);
        check_roi_sizes(rois.data_ptr<scalar_t>(), rois.size(0), scale,
                        aligned);
        backward_kernel<scalar_t>(
            grad_output.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
            grad_input.data_ptr<scalar_t>(), rois.size(0),
            grad_input.size(1), grad_input.size(2), grad_input.size(3),
            grad_output.size(2), grad_output.size(3), scale, sampling_ratio,
            aligned);
      });
}
