// The CUDA twins of GAT's attention operators (gnn/attention.h): own kernels, one thread per
// output value looping over its terms in the CPU's order (no atomics: two runs give the same
// bits). The per-head weighted aggregation has one thread per (row, column), so that the
// threads of a warp read a source row's columns together; the edge-wise kernels (softmax,
// dropout, the attention's gradient) have one thread per (destination, head) or per
// destination. See device_ops.h for the contracts.
#include <string>

#include "gnn/cuda/kernels.cuh"

namespace graphmini::gnn::cuda {

namespace {

using detail::blocks_for;
using detail::kThreads;
using detail::shape;

__device__ float leaky(float x, float slope) {
  return x > 0 ? x : slope * x;
}

__device__ float dot(const float* a, const float* b, std::size_t n) {
  float sum = 0;
  for (std::size_t f = 0; f < n; ++f)
    sum += a[f] * b[f];
  return sum;
}

__global__ void head_scores_kernel(const float* z, std::size_t rows, std::size_t heads,
                                   std::size_t width, const float* attention, float* scores) {
  GRID_STRIDE(i, rows * heads) {
    const std::size_t r = i / heads;
    const std::size_t k = i % heads;
    scores[i] = dot(z + r * heads * width + k * width, attention + k * width, width);
  }
}

// d_z[r][c] += d_scores[r][c / width] * attention[c] (attention flattened to heads * width).
__global__ void add_head_outer_kernel(const float* d_scores, std::size_t rows, std::size_t heads,
                                      std::size_t width, const float* attention, float* d_z) {
  const std::size_t cols = heads * width;
  GRID_STRIDE(i, rows * cols) {
    const std::size_t r = i / cols;
    const std::size_t c = i % cols;
    d_z[i] = fmaf(d_scores[r * heads + c / width], attention[c], d_z[i]);
  }
}

// products[r][c] = z[r][c] * d_scores[r][c / width], whose column sums are the gradient.
__global__ void head_products_kernel(const float* z, const float* d_scores, std::size_t rows,
                                     std::size_t heads, std::size_t width, float* products) {
  const std::size_t cols = heads * width;
  GRID_STRIDE(i, rows * cols) {
    products[i] = z[i] * d_scores[i / cols * heads + i % cols / width];
  }
}

__global__ void mean_of_heads_kernel(const float* x, std::size_t rows, std::size_t heads,
                                     std::size_t width, float* out) {
  GRID_STRIDE(i, rows * width) {
    const std::size_t r = i / width;
    const std::size_t f = i % width;
    float sum = 0;
    for (std::size_t k = 0; k < heads; ++k)
      sum += x[r * heads * width + k * width + f];
    out[i] = sum / static_cast<float>(heads);
  }
}

__global__ void mean_of_heads_backward_kernel(const float* d_out, std::size_t rows,
                                              std::size_t heads, std::size_t width, float* d_x) {
  const std::size_t cols = heads * width;
  GRID_STRIDE(i, rows * cols) {
    d_x[i] = d_out[i / cols * width + i % width] / static_cast<float>(heads);
  }
}

// Rows first .. first + count; per-entry values indexed from entry `base` (offsets[first]).
__global__ void edge_softmax_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                    std::size_t first, std::size_t count, std::size_t base,
                                    std::size_t heads, const float* left, const float* right,
                                    float slope, float* raw, float* alpha) {
  GRID_STRIDE(i, count * heads) {
    const std::size_t d = first + i / heads;
    const std::size_t k = i % heads;
    float largest = -INFINITY;
    for (std::size_t e = offsets[d]; e < static_cast<std::size_t>(offsets[d + 1]); ++e) {
      const std::size_t at = (e - base) * heads + k;
      raw[at] = left[std::size_t{static_cast<std::uint32_t>(indices[e])} * heads + k] +
                right[d * heads + k];
      largest = fmaxf(largest, leaky(raw[at], slope));
    }
    float sum = 0;
    for (std::size_t e = offsets[d]; e < static_cast<std::size_t>(offsets[d + 1]); ++e) {
      const std::size_t at = (e - base) * heads + k;
      alpha[at] = expf(leaky(raw[at], slope) - largest);
      sum += alpha[at];
    }
    for (std::size_t e = offsets[d]; e < static_cast<std::size_t>(offsets[d + 1]); ++e)
      alpha[(e - base) * heads + k] /= sum;
  }
}

__global__ void edge_softmax_backward_kernel(const std::int32_t* offsets, std::size_t rows,
                                             std::size_t heads, const float* raw,
                                             const float* alpha, float slope, float* gradient,
                                             float* d_right) {
  GRID_STRIDE(i, rows * heads) {
    const std::size_t d = i / heads;
    const std::size_t k = i % heads;
    float weighted = 0;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e)
      weighted += alpha[e * heads + k] * gradient[e * heads + k];
    float sum = 0;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      const float d_score = alpha[e * heads + k] * (gradient[e * heads + k] - weighted);
      gradient[e * heads + k] = raw[e * heads + k] > 0 ? d_score : slope * d_score;
      sum += gradient[e * heads + k];
    }
    d_right[d * heads + k] = sum;
  }
}

// d_left[s][k] = sum of d raw over source s's entries, in the transposed CSR's order.
__global__ void source_sums_kernel(const std::int32_t* offsets, const std::int32_t* original,
                                   std::size_t rows, std::size_t heads, const float* d_raw,
                                   float* d_left) {
  GRID_STRIDE(i, rows * heads) {
    const std::size_t s = i / heads;
    const std::size_t k = i % heads;
    float sum = 0;
    for (std::int32_t e = offsets[s]; e < offsets[s + 1]; ++e)
      sum += d_raw[std::size_t{static_cast<std::uint32_t>(original[e])} * heads + k];
    d_left[s * heads + k] = sum;
  }
}

// Destination d's values numbered 0, 1, ... (its entries in order, heads side by side) in the
// stream splitmix64(seed, node of d).
__global__ void attention_dropout_kernel(const std::int32_t* offsets, std::size_t first,
                                         std::size_t count, std::size_t base, std::size_t heads,
                                         const std::uint32_t* nodes, std::uint64_t seed,
                                         std::uint64_t threshold, float keep, float* values,
                                         float* mask) {
  GRID_STRIDE(row, count) {
    const std::size_t d = first + row;
    const std::uint64_t stream = datasets::splitmix64(seed, nodes != nullptr ? nodes[d] : d);
    const std::size_t begin = static_cast<std::size_t>(offsets[d]);
    const std::size_t n = (static_cast<std::size_t>(offsets[d + 1]) - begin) * heads;
    float* v = values + (begin - base) * heads;
    float* m = mask + (begin - base) * heads;
    for (std::size_t j = 0; j < n; ++j) {
      m[j] = detail::dropped(j, stream, threshold) ? 0.0f : keep;
      v[j] *= m[j];
    }
  }
}

// out[r][c] = sum over the entries e of CSR row first + r, in order, of
// attention[entry(e) - base][c / width] * z[indices[e]][c], entry(e) being entry_map[e] (the
// transposed CSR's original entry) or e.
__global__ void aggregate_heads_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                       const std::int32_t* entry_map, std::size_t first,
                                       std::size_t count, std::size_t base, std::size_t heads,
                                       std::size_t width, const float* attention, const float* z,
                                       float* out) {
  const std::size_t cols = heads * width;
  GRID_STRIDE(i, count * cols) {
    const std::size_t r = first + i / cols;
    const std::size_t c = i % cols;
    const std::size_t k = c / width;
    float sum = 0;
    for (std::int32_t e = offsets[r]; e < offsets[r + 1]; ++e) {
      const std::size_t entry = entry_map != nullptr ? static_cast<std::size_t>(entry_map[e])
                                                     : static_cast<std::size_t>(e);
      sum = fmaf(attention[(entry - base) * heads + k],
                 z[std::size_t{static_cast<std::uint32_t>(indices[e])} * cols + c], sum);
    }
    out[i] = sum;
  }
}

__global__ void attention_gradient_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                          std::size_t rows, std::size_t heads, std::size_t width,
                                          const float* d_out, const float* z, float* d_attention) {
  const std::size_t cols = heads * width;
  GRID_STRIDE(i, rows * heads) {
    const std::size_t d = i / heads;
    const std::size_t k = i % heads;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e)
      d_attention[std::size_t(e) * heads + k] =
          dot(d_out + d * cols + k * width,
              z + std::size_t{static_cast<std::uint32_t>(indices[e])} * cols + k * width, width);
  }
}

std::size_t head_width(std::size_t cols, std::size_t heads, const char* what) {
  if (heads == 0 || cols % heads != 0)
    throw InvalidArgument(std::string(what) + ": " + std::to_string(cols) +
                          " columns do not split into " + std::to_string(heads) + " heads");
  return cols / heads;
}

void check_rows(const DeviceCsr& csr, std::size_t first, std::size_t count, const char* what) {
  if (first > csr.rows || count > csr.rows - first)
    throw InvalidArgument(std::string(what) + ": rows " + std::to_string(first) + " .. " +
                          std::to_string(first + count) + " of a " + shape(csr.rows, csr.cols) +
                          " CSR");
}

}  // namespace

void head_scores(const DeviceMatrix& z, const DeviceMatrix& attention, std::size_t rows,
                 DeviceMatrix& scores) {
  const std::size_t heads = attention.rows();
  const std::size_t width = head_width(z.cols(), heads, "device head scores");
  if (attention.cols() != width || rows > z.rows())
    throw InvalidArgument("device head scores: " + std::to_string(rows) + " rows of " +
                          shape(z.rows(), z.cols()) + ", attention " +
                          shape(attention.rows(), attention.cols()));
  scores.resize(rows, heads);
  if (scores.size() == 0) return;
  head_scores_kernel<<<blocks_for(scores.size()), kThreads>>>(z.data(), rows, heads, width,
                                                              attention.data(), scores.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("head_scores_kernel");
}

void add_head_scores_backward(const DeviceMatrix& d_scores, const DeviceMatrix& attention,
                              DeviceMatrix& d_z) {
  const std::size_t heads = attention.rows();
  const std::size_t width = head_width(d_z.cols(), heads, "device head scores backward");
  if (attention.cols() != width || d_scores.cols() != heads || d_scores.rows() > d_z.rows())
    throw InvalidArgument("device head scores backward: score gradients " +
                          shape(d_scores.rows(), d_scores.cols()) + ", attention " +
                          shape(attention.rows(), attention.cols()) + ", input gradient " +
                          shape(d_z.rows(), d_z.cols()));
  const std::size_t n = d_scores.rows() * d_z.cols();
  if (n == 0) return;
  add_head_outer_kernel<<<blocks_for(n), kThreads>>>(d_scores.data(), d_scores.rows(), heads, width,
                                                     attention.data(), d_z.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("add_head_outer_kernel");
}

void add_head_scores_gradient(const DeviceMatrix& z, const DeviceMatrix& d_scores,
                              DeviceMatrix& d_attention) {
  const std::size_t heads = d_attention.rows();
  const std::size_t width = head_width(z.cols(), heads, "device head scores gradient");
  if (d_attention.cols() != width || d_scores.cols() != heads || d_scores.rows() > z.rows())
    throw InvalidArgument("device head scores gradient: input " + shape(z.rows(), z.cols()) +
                          ", score gradients " + shape(d_scores.rows(), d_scores.cols()) +
                          ", attention gradient " + shape(d_attention.rows(), d_attention.cols()));
  if (d_scores.rows() == 0 || z.cols() == 0) return;
  // The column sums of the products, by add_column_sums' fixed two-stage order.
  DeviceMatrix products(d_scores.rows(), z.cols());
  head_products_kernel<<<blocks_for(products.size()), kThreads>>>(
      z.data(), d_scores.data(), d_scores.rows(), heads, width, products.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("head_products_kernel");
  add_column_sums(products, d_attention.data());
}

void mean_of_heads(const DeviceMatrix& x, std::size_t heads, DeviceMatrix& out, std::size_t first) {
  const std::size_t width = head_width(x.cols(), heads, "device mean of heads");
  if (out.cols() != width || first > out.rows() || x.rows() > out.rows() - first)
    throw InvalidArgument("device mean of heads: " + shape(x.rows(), x.cols()) + " into rows " +
                          std::to_string(first) + " .. of " + shape(out.rows(), out.cols()));
  const std::size_t n = x.rows() * width;
  if (n == 0) return;
  mean_of_heads_kernel<<<blocks_for(n), kThreads>>>(x.data(), x.rows(), heads, width,
                                                    out.data() + first * width);
  GRAPHMINI_CUDA_CHECK_LAUNCH("mean_of_heads_kernel");
}

void mean_of_heads_backward(const DeviceMatrix& d_out, std::size_t heads, DeviceMatrix& d_x) {
  if (heads == 0) throw InvalidArgument("device mean of heads backward: no heads");
  d_x.resize(d_out.rows(), heads * d_out.cols());
  if (d_x.size() == 0) return;
  mean_of_heads_backward_kernel<<<blocks_for(d_x.size()), kThreads>>>(
      d_out.data(), d_out.rows(), heads, d_out.cols(), d_x.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("mean_of_heads_backward_kernel");
}

void edge_softmax(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                  std::size_t entries, const DeviceMatrix& left, const DeviceMatrix& right,
                  float slope, DeviceMatrix& raw, DeviceMatrix& alpha) {
  const std::size_t heads = left.cols();
  check_rows(csr, first, count, "device edge softmax");
  if (left.rows() != csr.cols || right.rows() != csr.rows || right.cols() != heads)
    throw InvalidArgument("device edge softmax: " + shape(csr.rows, csr.cols) + " CSR, left " +
                          shape(left.rows(), left.cols()) + ", right " +
                          shape(right.rows(), right.cols()));
  raw.resize(entries, heads);
  alpha.resize(entries, heads);
  if (count * heads == 0) return;
  edge_softmax_kernel<<<blocks_for(count * heads), kThreads>>>(
      csr.offsets.data(), csr.indices.data(), first, count, base, heads, left.data(), right.data(),
      slope, raw.data(), alpha.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("edge_softmax_kernel");
}

void edge_softmax_backward(const DeviceCsr& csr, const TransposedCsr& transposed,
                           const DeviceMatrix& raw, const DeviceMatrix& alpha, float slope,
                           DeviceMatrix& gradient, DeviceMatrix& d_right, DeviceMatrix& d_left) {
  const std::size_t heads = raw.cols();
  if (raw.rows() != csr.entries() || !raw.same_shape(alpha) || !raw.same_shape(gradient) ||
      transposed.csr.rows != csr.cols || transposed.csr.entries() != csr.entries())
    throw InvalidArgument("device edge softmax backward: shapes differ");
  d_right.resize(csr.rows, heads);
  d_left.resize(csr.cols, heads);
  if (csr.rows * heads != 0) {
    edge_softmax_backward_kernel<<<blocks_for(csr.rows * heads), kThreads>>>(
        csr.offsets.data(), csr.rows, heads, raw.data(), alpha.data(), slope, gradient.data(),
        d_right.data());
    GRAPHMINI_CUDA_CHECK_LAUNCH("edge_softmax_backward_kernel");
  }
  if (csr.cols * heads != 0) {
    source_sums_kernel<<<blocks_for(csr.cols * heads), kThreads>>>(
        transposed.csr.offsets.data(), transposed.original_entry.data(), csr.cols, heads,
        gradient.data(), d_left.data());
    GRAPHMINI_CUDA_CHECK_LAUNCH("source_sums_kernel");
  }
}

void attention_dropout(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                       const std::uint32_t* nodes, std::uint64_t seed, float p,
                       DeviceMatrix& attention, DeviceMatrix& mask) {
  const std::uint64_t threshold = detail::drop_threshold(p);
  check_rows(csr, first, count, "device attention dropout");
  mask.resize(attention.rows(), attention.cols());
  if (count == 0 || attention.size() == 0) return;
  attention_dropout_kernel<<<blocks_for(count), kThreads>>>(
      csr.offsets.data(), first, count, base, attention.cols(), nodes, seed, threshold,
      1.0f / (1.0f - p), attention.data(), mask.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("attention_dropout_kernel");
}

void aggregate_heads(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                     const DeviceMatrix& attention, const DeviceMatrix& z, DeviceMatrix& out) {
  check_rows(csr, first, count, "device aggregate heads");
  const std::size_t heads = attention.cols();
  const std::size_t width = head_width(z.cols(), heads, "device aggregate heads");
  if (z.rows() != csr.cols)
    throw InvalidArgument("device aggregate heads: input " + shape(z.rows(), z.cols()) + " for a " +
                          shape(csr.rows, csr.cols) + " CSR");
  out.resize(count, z.cols());
  if (out.size() == 0) return;
  aggregate_heads_kernel<<<blocks_for(out.size()), kThreads>>>(
      csr.offsets.data(), csr.indices.data(), nullptr, first, count, base, heads, width,
      attention.data(), z.data(), out.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("aggregate_heads_kernel");
}

void aggregate_heads_backward(const TransposedCsr& transposed, const DeviceMatrix& attention,
                              const DeviceMatrix& d_out, DeviceMatrix& d_z) {
  const DeviceCsr& csr = transposed.csr;
  const std::size_t heads = attention.cols();
  const std::size_t width = head_width(d_out.cols(), heads, "device aggregate heads backward");
  if (d_out.rows() != csr.cols || attention.rows() != csr.entries())
    throw InvalidArgument("device aggregate heads backward: gradient " +
                          shape(d_out.rows(), d_out.cols()) + ", attention " +
                          shape(attention.rows(), attention.cols()) + " for a transposed " +
                          shape(csr.rows, csr.cols) + " CSR");
  d_z.resize(csr.rows, d_out.cols());
  if (d_z.size() == 0) return;
  aggregate_heads_kernel<<<blocks_for(d_z.size()), kThreads>>>(
      csr.offsets.data(), csr.indices.data(), transposed.original_entry.data(), 0, csr.rows, 0,
      heads, width, attention.data(), d_out.data(), d_z.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("aggregate_heads_kernel");
}

void attention_gradient(const DeviceCsr& csr, const DeviceMatrix& d_out, const DeviceMatrix& z,
                        std::size_t heads, DeviceMatrix& d_attention) {
  const std::size_t width = head_width(z.cols(), heads, "device attention gradient");
  if (z.rows() != csr.cols || d_out.rows() != csr.rows || d_out.cols() != z.cols())
    throw InvalidArgument("device attention gradient: input " + shape(z.rows(), z.cols()) +
                          ", output gradient " + shape(d_out.rows(), d_out.cols()) + " for a " +
                          shape(csr.rows, csr.cols) + " CSR");
  d_attention.resize(csr.entries(), heads);
  if (csr.rows * heads == 0) return;
  attention_gradient_kernel<<<blocks_for(csr.rows * heads), kThreads>>>(
      csr.offsets.data(), csr.indices.data(), csr.rows, heads, width, d_out.data(), z.data(),
      d_attention.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("attention_gradient_kernel");
}

}  // namespace graphmini::gnn::cuda
