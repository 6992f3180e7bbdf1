// Modulated deformable convolution (DCNv2, groups = 1) on the CPU over all
// threads, with mmcv's sampling arithmetic
// (mmcv/ops/csrc/pytorch/cpu/modulated_deform_conv.cpp): the same sampling
// positions, inside tests, bilinear weights and gradient expressions, the
// mask applied after the bilinear sum, and the offset / mask gradients
// summed over a deformable group's channels in ascending order. The GEMMs
// are ATen's (as mmcv's), over a block of positions at a time.
//
// Where mmcv writes the im2col columns of a whole image (C * kh * kw rows x
// Ho * Wo columns) and then runs one GEMM over them, this kernel works on
// blocks of `block` output positions: the sampling positions and weights of
// a block are computed once for all channels, its columns (channels last,
// so that the bilinear sums run over channels in SIMD lanes) stay in cache,
// and one GEMM consumes them right away.
//
// Forward: blocks over threads; each writes its own output columns.
// Backward, in waves of blocks: (A) blocks over threads: the block's
// columns, its column gradient (grad_out^T x W) and the offset and mask
// gradients of its positions (each written by one block); (B) fixed chunks
// of grad_weight's columns and fixed chunks of input channels over threads:
// each chunk adds the wave's blocks in order. Every sum runs in an order
// that does not depend on the number of threads (no atomics, no per-thread
// partial sums): the same bits on any number of threads.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "pytorch_cpp_helper.hpp"

// The loops over channels run in SIMD lanes; on x86-64 with GCC or Clang
// they are also compiled for AVX2 and picked at load time (no FMA: the
// arithmetic stays mmcv's, operation for operation).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MMEXT_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MMEXT_SIMD_CLONES
#endif

namespace {

// Backward tasks: input channels whose gradient one task scatters, and
// grad_weight columns one task sums (fixed, so that every sum is the same
// whatever the number of threads).
constexpr int64_t kChannelChunk = 32;
constexpr int64_t kWeightChunk = 256;

struct Shape {
  int64_t batch, channels, height, width;
  int64_t out_channels, kernel_h, kernel_w, out_h, out_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int64_t groups;  // deformable groups
  int64_t taps() const { return kernel_h * kernel_w; }
  int64_t positions() const { return out_h * out_w; }
  int64_t rows() const { return channels * taps(); }
  int64_t group_channels() const { return channels / groups; }
};

// One kernel tap at one output position: where it samples and how.
template <typename T>
struct Sample {
  bool inside;         // mmcv: h > -1 && w > -1 && h < height && w < width
  bool valid[4];       // neighbour inside the image
  int64_t idx[4];      // (low, low), (low, high), (high, low), (high, high)
  T w[4];              // bilinear weights hh*hw, hh*lw, lh*hw, lh*lw; 0 for
                       // a neighbour outside the image or a sample outside
  T a_h, b_h, a_w, b_w;  // h_low + 1 - h, h + 1 - h_high (likewise w)
  T lh, lw;              // h - h_low, w - w_low
  T mask;
};

template <typename T>
Sample<T> make_sample(T h, T w, T mask, int64_t height, int64_t width) {
  Sample<T> s;
  s.mask = mask;
  s.inside = h > -1 && w > -1 && h < height && w < width;
  if (!s.inside) {
    for (int k = 0; k < 4; k++) {
      s.valid[k] = false;
      s.idx[k] = 0;
      s.w[k] = 0;
    }
    return s;
  }
  const int64_t h_low = static_cast<int64_t>(std::floor(h));
  const int64_t w_low = static_cast<int64_t>(std::floor(w));
  const int64_t h_high = h_low + 1, w_high = w_low + 1;
  const T lh = h - h_low, lw = w - w_low;
  const T hh = 1 - lh, hw = 1 - lw;
  s.lh = lh;
  s.lw = lw;
  s.w[0] = hh * hw;
  s.w[1] = hh * lw;
  s.w[2] = lh * hw;
  s.w[3] = lh * lw;
  s.a_h = h_low + 1 - h;
  s.b_h = h + 1 - h_high;
  s.a_w = w_low + 1 - w;
  s.b_w = w + 1 - w_high;
  const int64_t hs[4] = {h_low, h_low, h_high, h_high};
  const int64_t ws[4] = {w_low, w_high, w_low, w_high};
  for (int k = 0; k < 4; k++) {
    s.valid[k] = hs[k] >= 0 && hs[k] < height && ws[k] >= 0 && ws[k] < width;
    s.idx[k] = s.valid[k] ? hs[k] * width + ws[k] : 0;
    if (!s.valid[k]) s.w[k] = 0;
  }
  return s;
}

// The samples of positions [p0, p0 + count) of image n, ordered (group, tap,
// position).
template <typename T>
void block_samples(const Shape& s, const T* offset, const T* mask, int64_t n,
                   int64_t p0, int64_t count, std::vector<Sample<T>>& out) {
  const int64_t taps = s.taps(), positions = s.positions();
  out.resize(s.groups * taps * count);
  for (int64_t g = 0; g < s.groups; g++) {
    const T* off = offset + (n * s.groups + g) * 2 * taps * positions;
    const T* msk = mask + (n * s.groups + g) * taps * positions;
    for (int64_t tap = 0; tap < taps; tap++) {
      const int64_t i = tap / s.kernel_w, j = tap % s.kernel_w;
      Sample<T>* row = out.data() + (g * taps + tap) * count;
      for (int64_t q = 0; q < count; q++) {
        const int64_t p = p0 + q;
        const int64_t ho = p / s.out_w, wo = p % s.out_w;
        const T h = (ho * s.stride_h - s.pad_h) + i * s.dilation_h +
                    off[2 * tap * positions + p];
        const T w = (wo * s.stride_w - s.pad_w) + j * s.dilation_w +
                    off[(2 * tap + 1) * positions + p];
        row[q] = make_sample(h, w, msk[tap * positions + p], s.height,
                             s.width);
      }
    }
  }
}

// The masked columns of a block, channels last: row q (a position) holds
// taps x channels, column tap * C + c. For one sample its four neighbours'
// channels are contiguous, so the bilinear sum runs over channels in SIMD
// lanes. Per element it is mmcv's dmcn_im2col_bilinear_cpu
// (w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4), then times the mask; a
// neighbour outside the image (mmcv reads 0) has weight 0 and index 0, so
// its term is 0 as mmcv's for a finite input.
template <typename T>
MMEXT_SIMD_CLONES
void block_columns(const Shape& s, const T* image,
                   const std::vector<Sample<T>>& samples, int64_t count,
                   T* columns) {
  const int64_t taps = s.taps(), C = s.channels, gc = s.group_channels();
  const int64_t K = s.rows();
  for (int64_t q = 0; q < count; q++) {
    for (int64_t g = 0; g < s.groups; g++) {
      for (int64_t tap = 0; tap < taps; tap++) {
        const Sample<T>& sm = samples[(g * taps + tap) * count + q];
        const T* __restrict__ v0 = image + sm.idx[0] * C + g * gc;
        const T* __restrict__ v1 = image + sm.idx[1] * C + g * gc;
        const T* __restrict__ v2 = image + sm.idx[2] * C + g * gc;
        const T* __restrict__ v3 = image + sm.idx[3] * C + g * gc;
        T* __restrict__ dst = columns + q * K + tap * C + g * gc;
        const T w0 = sm.w[0], w1 = sm.w[1], w2 = sm.w[2], w3 = sm.w[3];
        const T m = sm.mask;
        for (int64_t c = 0; c < gc; c++) {
          dst[c] = (w0 * v0[c] + w1 * v1[c] + w2 * v2[c] + w3 * v3[c]) * m;
        }
      }
    }
  }
}

int64_t num_blocks(const Shape& s, int64_t block) {
  return (s.positions() + block - 1) / block;
}

// (C_out, C, kh, kw) -> (C_out, kh * kw * C), the columns' order.
at::Tensor taps_major(const at::Tensor& weight) {
  return weight.permute({0, 2, 3, 1}).reshape({weight.size(0), -1})
      .contiguous();
}

// The right-hand side of the blocks' GEMMs, `b` (N x K, contiguous), for
// times_transposed. float32 GEMMs run through oneDNN's inner product
// (at::mkldnn_linear) where PyTorch has it: ATen's mm calls MKL's sgemm,
// which on AMD CPUs runs at about half of oneDNN's rate (docs/benchmarks.md,
// the DCNv2 profile); other types keep ATen's mm.
struct GemmOperand {
  at::Tensor dense, mkldnn;
  explicit GemmOperand(const at::Tensor& b) : dense(b) {
    if (b.scalar_type() == at::kFloat && at::hasMKLDNN()) {
      mkldnn = b.to_mkldnn();
    }
  }
};

// a (M x K) times b^T: (M x N), computed by one thread (inside a parallel
// region, oneDNN and MKL run single-threaded), so that its bits do not
// depend on the number of threads.
at::Tensor times_transposed(const at::Tensor& a, const GemmOperand& b) {
  if (b.mkldnn.defined()) {
    return at::mkldnn_linear(a.contiguous().to_mkldnn(), b.mkldnn)
        .to_dense();
  }
  return at::mm(a, b.dense.t());
}

template <typename T>
void forward_impl(const Shape& s, const at::Tensor& input,
                  const at::Tensor& offset, const at::Tensor& mask,
                  const at::Tensor& weight, const at::Tensor& bias,
                  at::Tensor& output, int64_t block) {
  const int64_t nb = num_blocks(s, block), positions = s.positions();
  const GemmOperand weight_r(taps_major(weight));
  const at::Tensor input_hwc = input.permute({0, 2, 3, 1}).contiguous();
  const T* in = input_hwc.data_ptr<T>();
  const T* off = offset.data_ptr<T>();
  const T* msk = mask.data_ptr<T>();
  const T* b = bias.defined() ? bias.data_ptr<T>() : nullptr;
  T* out = output.data_ptr<T>();
  at::parallel_for(0, s.batch * nb, 1, [&](int64_t begin, int64_t end) {
    std::vector<Sample<T>> samples;
    for (int64_t t = begin; t < end; t++) {
      const int64_t n = t / nb, p0 = (t % nb) * block;
      const int64_t count = std::min(block, positions - p0);
      block_samples(s, off, msk, n, p0, count, samples);
      at::Tensor cols = at::empty({count, s.rows()}, input.options());
      block_columns(s, in + n * s.channels * s.height * s.width, samples,
                    count, cols.data_ptr<T>());
      // (count x C_out): position q's outputs in row q.
      const at::Tensor res = times_transposed(cols, weight_r);
      const T* r = res.data_ptr<T>();
      const int64_t C_out = s.out_channels;
      for (int64_t co = 0; co < C_out; co++) {
        T* dst = out + (n * C_out + co) * positions + p0;
        for (int64_t q = 0; q < count; q++) {
          dst[q] = b ? r[q * C_out + co] + b[co] : r[q * C_out + co];
        }
      }
    }
  });
}

// Offset and mask gradients of a block's positions (mmcv's
// modulated_deformable_col2im_coord). Per channel, in SIMD lanes: the
// coordinate weights (mmcv's dmcn_get_coordinate_weight_cpu: its terms, in
// its order, a neighbour outside the image adding nothing) times the column
// gradient and the mask, and the unmasked sample times the column gradient
// (a sample outside the image: 0 * column gradient * mask, and no mask
// term, as mmcv's). block_coord_grads then sums them over the group's
// channels in ascending order, as mmcv's loop.

template <typename T>
MMEXT_SIMD_CLONES void coord_terms(const Shape& s, const T* image,
                                   const Sample<T>& sm, int64_t g,
                                   const T* __restrict__ gcol,
                                   T* __restrict__ th, T* __restrict__ tw,
                                   T* __restrict__ tm) {
  const int64_t C = s.channels, gc = s.group_channels();
  const T m = sm.mask;
  if (!sm.inside) {
    for (int64_t c = 0; c < gc; c++) {
      th[c] = T(0) * gcol[c] * m;
      tw[c] = T(0) * gcol[c] * m;
      tm[c] = 0;
    }
    return;
  }
  const T* __restrict__ v0 = image + sm.idx[0] * C + g * gc;
  const T* __restrict__ v1 = image + sm.idx[1] * C + g * gc;
  const T* __restrict__ v2 = image + sm.idx[2] * C + g * gc;
  const T* __restrict__ v3 = image + sm.idx[3] * C + g * gc;
  // A neighbour outside the image reads 0 (mmcv skips its term).
  const T z0 = sm.valid[0], z1 = sm.valid[1], z2 = sm.valid[2],
          z3 = sm.valid[3];
  const T h0 = -1 * sm.a_w, h1 = -1 * sm.lw, h2 = sm.a_w, h3 = sm.lw;
  const T w0 = -1 * sm.a_h, w1 = sm.a_h, w2 = -1 * sm.lh, w3 = sm.lh;
  const T b0 = sm.w[0], b1 = sm.w[1], b2 = sm.w[2], b3 = sm.w[3];
  for (int64_t c = 0; c < gc; c++) {
    const T x0 = v0[c] * z0, x1 = v1[c] * z1, x2 = v2[c] * z2,
            x3 = v3[c] * z3;
    const T wh = T(0) + h0 * x0 + h1 * x1 + h2 * x2 + h3 * x3;
    const T ww = T(0) + w0 * x0 + w1 * x1 + w2 * x2 + w3 * x3;
    th[c] = wh * gcol[c] * m;
    tw[c] = ww * gcol[c] * m;
    tm[c] = gcol[c] * (b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3);
  }
}

template <typename T>
void block_coord_grads(const Shape& s, const T* image,
                       const std::vector<Sample<T>>& samples,
                       const T* grad_columns, int64_t n, int64_t p0,
                       int64_t count, T* grad_offset, T* grad_mask) {
  const int64_t taps = s.taps(), positions = s.positions();
  const int64_t C = s.channels, gc = s.group_channels(), K = s.rows();
  std::vector<T> terms(3 * gc);
  T* th = terms.data();
  T* tw = th + gc;
  T* tm = tw + gc;
  for (int64_t g = 0; g < s.groups; g++) {
    T* goff = grad_offset + (n * s.groups + g) * 2 * taps * positions;
    T* gmsk = grad_mask + (n * s.groups + g) * taps * positions;
    for (int64_t tap = 0; tap < taps; tap++) {
      for (int64_t q = 0; q < count; q++) {
        coord_terms(s, image, samples[(g * taps + tap) * count + q], g,
                    grad_columns + q * K + tap * C + g * gc, th, tw, tm);
        T val_h = 0, val_w = 0, mval = 0;
        for (int64_t c = 0; c < gc; c++) {
          val_h += th[c];
          val_w += tw[c];
          mval += tm[c];
        }
        goff[2 * tap * positions + p0 + q] = val_h;
        goff[(2 * tap + 1) * positions + p0 + q] = val_w;
        gmsk[tap * positions + p0 + q] = mval;
      }
    }
  }
}

// grad_input (channels last) of channels [c0, c1) from a block's column
// gradient (mmcv's modulated_deformable_col2im: gradient weights
// (h_low + 1 - h) * (w_low + 1 - w) etc. times column gradient x mask).
template <typename T>
MMEXT_SIMD_CLONES
void block_scatter(const Shape& s, const std::vector<Sample<T>>& samples,
                   const T* grad_columns, int64_t count, int64_t c0,
                   int64_t c1, T* grad_image) {
  const int64_t taps = s.taps(), C = s.channels, gc = s.group_channels();
  const int64_t K = s.rows();
  for (int64_t q = 0; q < count; q++) {
    for (int64_t g = 0; g < s.groups; g++) {
      const int64_t lo = std::max(c0, g * gc), hi = std::min(c1, (g + 1) * gc);
      if (lo >= hi) continue;
      for (int64_t tap = 0; tap < taps; tap++) {
        const Sample<T>& sm = samples[(g * taps + tap) * count + q];
        if (!sm.inside) continue;
        const T* gcol = grad_columns + q * K + tap * C;
        const T wts[4] = {sm.a_h * sm.a_w, sm.a_h * sm.b_w, sm.b_h * sm.a_w,
                          sm.b_h * sm.b_w};
        for (int k = 0; k < 4; k++) {
          if (!sm.valid[k]) continue;
          T* __restrict__ dst = grad_image + sm.idx[k] * C;
          const T wk = wts[k], m = sm.mask;
          for (int64_t c = lo; c < hi; c++) dst[c] += wk * (gcol[c] * m);
        }
      }
    }
  }
}

template <typename T>
void backward_impl(const Shape& s, const at::Tensor& input,
                   const at::Tensor& offset, const at::Tensor& mask,
                   const at::Tensor& weight, const at::Tensor& grad_output,
                   at::Tensor& grad_input, at::Tensor& grad_offset,
                   at::Tensor& grad_mask, at::Tensor& grad_weight,
                   at::Tensor& grad_bias, int64_t block) {
  const int64_t nb = num_blocks(s, block), positions = s.positions();
  const int64_t K = s.rows(), plane = s.height * s.width;
  const at::Tensor weight_r = taps_major(weight);
  const GemmOperand weight_t(weight_r.t().contiguous());
  const at::Tensor input_hwc = input.permute({0, 2, 3, 1}).contiguous();
  at::Tensor grad_hwc = at::zeros_like(input_hwc);
  at::Tensor grad_weight_r = at::zeros_like(weight_r);
  const T* in = input_hwc.data_ptr<T>();
  const T* off = offset.data_ptr<T>();
  const T* msk = mask.data_ptr<T>();
  const T* gout = grad_output.data_ptr<T>();
  T* gin = grad_hwc.data_ptr<T>();
  T* goff = grad_offset.data_ptr<T>();
  T* gmsk = grad_mask.data_ptr<T>();
  const int64_t wave = std::max<int64_t>(2 * at::get_num_threads(), 1);
  const int64_t chunks = (s.channels + kChannelChunk - 1) / kChannelChunk;
  const int64_t k_chunks = (K + kWeightChunk - 1) / kWeightChunk;
  std::vector<std::vector<Sample<T>>> samples(wave);
  std::vector<at::Tensor> columns(wave), grad_columns(wave), grad_outs(wave);
  std::vector<int64_t> counts(wave);
  for (int64_t n = 0; n < s.batch; n++) {
    const T* image = in + n * s.channels * plane;
    for (int64_t w0 = 0; w0 < nb; w0 += wave) {
      const int64_t wb = std::min(wave, nb - w0);
      // (A) per block: columns, column gradient, offset and mask gradients.
      at::parallel_for(0, wb, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; i++) {
          const int64_t p0 = (w0 + i) * block;
          const int64_t count = std::min(block, positions - p0);
          counts[i] = count;
          block_samples(s, off, msk, n, p0, count, samples[i]);
          columns[i] = at::empty({count, K}, input.options());
          block_columns(s, image, samples[i], count,
                        columns[i].data_ptr<T>());
          // The block's output gradient, (count x C_out); grad_weight's
          // GEMM takes its transpose.
          const int64_t C_out = s.out_channels;
          at::Tensor go_t = at::empty({count, C_out}, input.options());
          T* go = go_t.data_ptr<T>();
          for (int64_t co = 0; co < C_out; co++) {
            const T* src = gout + (n * C_out + co) * positions + p0;
            for (int64_t q = 0; q < count; q++) go[q * C_out + co] = src[q];
          }
          grad_outs[i] = go_t.t();
          grad_columns[i] = times_transposed(go_t, weight_t);
          block_coord_grads(s, image, samples[i],
                            grad_columns[i].data_ptr<T>(), n, p0, count, goff,
                            gmsk);
        }
      });
      // (B) grad_weight by fixed column chunks, grad_input by fixed channel
      // chunks; each adds the wave's blocks in order.
      // The two kinds of task alternate, so that each thread's share of
      // the range holds about as many of each.
      const int64_t tasks = 2 * std::max(k_chunks, chunks);
      at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; task++) {
          const int64_t index = task / 2;
          if (task % 2 == 0) {
            if (index >= k_chunks) continue;
            const int64_t k0 = index * kWeightChunk;
            const int64_t width = std::min(kWeightChunk, K - k0);
            at::Tensor dst = grad_weight_r.narrow(1, k0, width);
            for (int64_t i = 0; i < wb; i++) {
              dst.addmm_(grad_outs[i], columns[i].narrow(1, k0, width));
            }
          } else {
            if (index >= chunks) continue;
            const int64_t c0 = index * kChannelChunk;
            const int64_t c1 = std::min(s.channels, c0 + kChannelChunk);
            T* gi = gin + n * s.channels * plane;
            for (int64_t i = 0; i < wb; i++) {
              block_scatter(s, samples[i], grad_columns[i].data_ptr<T>(),
                            counts[i], c0, c1, gi);
            }
          }
        }
      });
    }
  }
  grad_input.copy_(grad_hwc.permute({0, 3, 1, 2}));
  grad_weight.copy_(grad_weight_r
                        .view({s.out_channels, s.kernel_h, s.kernel_w,
                               s.channels})
                        .permute({0, 3, 1, 2}));
  if (grad_bias.defined()) {
    T* gb = grad_bias.data_ptr<T>();
    at::parallel_for(0, s.out_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t co = begin; co < end; co++) {
        T sum = 0;
        for (int64_t n = 0; n < s.batch; n++) {
          const T* g = gout + (n * s.out_channels + co) * positions;
          for (int64_t p = 0; p < positions; p++) sum += g[p];
        }
        gb[co] = sum;
      }
    });
  }
}

Shape make_shape(const Tensor& input, const Tensor& weight,
                 const Tensor& offset, int64_t stride_h, int64_t stride_w,
                 int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                 int64_t dilation_w, int64_t groups) {
  TORCH_CHECK(input.dim() == 4 && weight.dim() == 4 && offset.dim() == 4,
              "modulated_deform_conv2d: input, weight and offset must be 4-D");
  Shape s;
  s.batch = input.size(0);
  s.channels = input.size(1);
  s.height = input.size(2);
  s.width = input.size(3);
  s.out_channels = weight.size(0);
  s.kernel_h = weight.size(2);
  s.kernel_w = weight.size(3);
  s.out_h = offset.size(2);
  s.out_w = offset.size(3);
  s.stride_h = stride_h;
  s.stride_w = stride_w;
  s.pad_h = pad_h;
  s.pad_w = pad_w;
  s.dilation_h = dilation_h;
  s.dilation_w = dilation_w;
  s.groups = groups;
  TORCH_CHECK(weight.size(1) == s.channels,
              "modulated_deform_conv2d: weight has ", weight.size(1),
              " input channels, input ", s.channels, " (groups=1 only)");
  TORCH_CHECK(groups > 0 && s.channels % groups == 0,
              "modulated_deform_conv2d: deform_groups=", groups,
              " must divide the ", s.channels, " input channels");
  TORCH_CHECK(offset.size(1) == 2 * groups * s.taps(),
              "modulated_deform_conv2d: offset needs 2 * deform_groups * kh * "
              "kw = ", 2 * groups * s.taps(), " channels, got ",
              offset.size(1));
  return s;
}

}  // namespace

void mmext_modulated_deform_conv_forward(
    Tensor input, Tensor offset, Tensor mask, Tensor weight, Tensor bias,
    Tensor output, int64_t stride_h, int64_t stride_w, int64_t pad_h,
    int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
    int64_t deform_groups, int64_t block) {
  const Shape s = make_shape(input, weight, offset, stride_h, stride_w, pad_h,
                             pad_w, dilation_h, dilation_w, deform_groups);
  TORCH_CHECK(block > 0, "modulated_deform_conv2d: block must be > 0");
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "mmext_dcn_forward", [&] {
    forward_impl<scalar_t>(s, input, offset, mask, weight,
                           bias.numel() ? bias : at::Tensor(), output, block);
  });
}

void mmext_modulated_deform_conv_backward(
    Tensor input, Tensor offset, Tensor mask, Tensor weight,
    Tensor grad_output, Tensor grad_input, Tensor grad_offset,
    Tensor grad_mask, Tensor grad_weight, Tensor grad_bias, int64_t stride_h,
    int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
    int64_t dilation_w, int64_t deform_groups, int64_t block) {
  const Shape s = make_shape(input, weight, offset, stride_h, stride_w, pad_h,
                             pad_w, dilation_h, dilation_w, deform_groups);
  TORCH_CHECK(block > 0, "modulated_deform_conv2d: block must be > 0");
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "mmext_dcn_backward", [&] {
    at::Tensor gb = grad_bias.numel() ? grad_bias : at::Tensor();
    backward_impl<scalar_t>(s, input, offset, mask, weight, grad_output,
                            grad_input, grad_offset, grad_mask, grad_weight,
                            gb, block);
  });
}
