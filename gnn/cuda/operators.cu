// The CUDA twins of the operators of gnn/tensor.h: dense products through cuBLAS, aggregation
// through cuSPARSE's SpMM, and small own kernels for the element-wise operators, the
// transposed aggregation, dropout, the loss and Adam. See device_ops.h for the contracts.
//
// Determinism: no kernel here uses atomics. Every sum runs over a fixed order (one thread per
// output value looping over its terms), cuBLAS is told not to use atomics (device.cu), and
// cuSPARSE's SpMM runs CUSPARSE_SPMM_CSR_ALG2, deterministic for a non-transposed sparse
// operand with row-major dense operands.
#include <string>
#include <vector>

#include "datasets/random.h"
#include "gnn/cuda/status.cuh"

namespace graphmini::gnn::cuda {

namespace {

constexpr int kThreads = 256;

// Blocks for n elements, one per kThreads, capped: the kernels loop with a grid stride.
unsigned blocks_for(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks == 0 ? 1 : blocks) : 65535);
}

#define GRID_STRIDE(i, n)                                                           \
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < (n); \
       i += std::size_t{gridDim.x} * blockDim.x)

__global__ void scale_kernel(float* x, std::size_t n, float beta) {
  GRID_STRIDE(i, n) {
    x[i] = beta == 0 ? 0.0f : beta * x[i];
  }
}

// out = beta * out, where a product with no terms leaves only that.
void scale(float* x, std::size_t n, float beta) {
  if (n == 0 || beta == 1) return;
  scale_kernel<<<blocks_for(n), kThreads>>>(x, n, beta);
  GRAPHMINI_CUDA_CHECK_LAUNCH("scale_kernel");
}

std::string shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

}  // namespace

// ---- Dense ------------------------------------------------------------------------------------
void matmul(const DeviceMatrix& a, bool transpose_a, const DeviceMatrix& b, bool transpose_b,
            DeviceMatrix& out, float beta, std::size_t a_rows) {
  const bool all_rows = a_rows == kAllRows;
  if (all_rows) a_rows = a.rows();
  if (a_rows > a.rows())
    throw InvalidArgument("device matmul: " + std::to_string(a_rows) + " rows of a " +
                          shape(a.rows(), a.cols()));
  const std::size_t m = transpose_a ? a.cols() : a_rows;
  const std::size_t k = transpose_a ? a_rows : a.cols();
  const std::size_t k_b = transpose_b ? b.cols() : b.rows();
  const std::size_t n = transpose_b ? b.rows() : b.cols();
  const bool out_fits = out.cols() == n && (all_rows ? out.rows() == m : out.rows() >= m);
  if (k != k_b || !out_fits)
    throw InvalidArgument("device matmul: shapes " + shape(a.rows(), a.cols()) +
                          (transpose_a ? "^T" : "") + " * " + shape(b.rows(), b.cols()) +
                          (transpose_b ? "^T" : "") + " -> " + shape(out.rows(), out.cols()) +
                          " do not fit");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scale(out.data(), m * n, beta);
    return;
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS reads each
  // row-major matrix as its column-major transpose, so the operands swap and keep their flags.
  const float one = 1.0f;
  GRAPHMINI_CUDA_CHECK(cublasSgemm(detail::cublas(), transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(n),
                                   static_cast<int>(m), static_cast<int>(k), &one, b.data(),
                                   static_cast<int>(b.cols()), a.data(), static_cast<int>(a.cols()),
                                   &beta, out.data(), static_cast<int>(out.cols())));
}

namespace {

__global__ void add_bias_kernel(float* x, std::size_t n, std::size_t cols, const float* bias) {
  GRID_STRIDE(i, n) {
    x[i] += bias[i % cols];
  }
}

// One thread per column, over the rows in order: the CPU's order, no atomics.
__global__ void column_sums_kernel(const float* x, std::size_t rows, std::size_t cols,
                                   float* gradient) {
  GRID_STRIDE(j, cols) {
    float sum = 0;
    for (std::size_t i = 0; i < rows; ++i)
      sum += x[i * cols + j];
    gradient[j] += sum;
  }
}

__global__ void axpy_kernel(float alpha, const float* y, float* x, std::size_t n) {
  GRID_STRIDE(i, n) {
    x[i] += alpha * y[i];
  }
}

}  // namespace

void add_bias(DeviceMatrix& x, const float* bias) {
  if (x.size() == 0) return;
  add_bias_kernel<<<blocks_for(x.size()), kThreads>>>(x.data(), x.size(), x.cols(), bias);
  GRAPHMINI_CUDA_CHECK_LAUNCH("add_bias_kernel");
}

void add_column_sums(const DeviceMatrix& x, float* gradient) {
  if (x.cols() == 0) return;
  column_sums_kernel<<<blocks_for(x.cols()), kThreads>>>(x.data(), x.rows(), x.cols(), gradient);
  GRAPHMINI_CUDA_CHECK_LAUNCH("column_sums_kernel");
}

void axpy(float alpha, const DeviceMatrix& y, DeviceMatrix& x) {
  if (!x.same_shape(y)) throw InvalidArgument("device axpy: shapes differ");
  if (x.size() == 0) return;
  axpy_kernel<<<blocks_for(x.size()), kThreads>>>(alpha, y.data(), x.data(), x.size());
  GRAPHMINI_CUDA_CHECK_LAUNCH("axpy_kernel");
}

// ---- Sparse aggregation -------------------------------------------------------------------------
namespace {

// The factors in gather_rows' order: row_scale * entry_scale, then * index_scale.
__global__ void entry_weights_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                     std::size_t rows, const float* entry_scales,
                                     const float* index_scales, const float* row_scales,
                                     float* weights) {
  GRID_STRIDE(d, rows) {
    const float row_scale = row_scales != nullptr ? row_scales[d] : 1.0f;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      float w = row_scale;
      if (entry_scales != nullptr) w *= entry_scales[e];
      if (index_scales != nullptr) w *= index_scales[indices[e]];
      weights[e] = w;
    }
  }
}

// One block per row of the transposed CSR (a source node), its threads over the columns, each
// summing that row's entries in order. An own kernel, not cuSPARSE with the transposed
// operand: cuSPARSE documents that SpMM on op(A) = A^T may differ from run to run (it
// scatters with atomics), and the backward pass must be deterministic.
__global__ void transposed_gather_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                         const std::int32_t* original_entry, const float* weights,
                                         std::size_t rows, std::size_t width, const float* dy,
                                         float* dx, float beta) {
  for (std::size_t s = blockIdx.x; s < rows; s += gridDim.x) {
    for (std::size_t j = threadIdx.x; j < width; j += blockDim.x) {
      float sum = beta == 0 ? 0.0f : beta * dx[s * width + j];
      for (std::int32_t e = offsets[s]; e < offsets[s + 1]; ++e)
        sum += weights[original_entry[e]] * dy[static_cast<std::size_t>(indices[e]) * width + j];
      dx[s * width + j] = sum;
    }
  }
}

}  // namespace

DeviceArray<float> entry_weights(const DeviceCsr& csr, const float* entry_scales,
                                 const float* index_scales, const float* row_scales) {
  DeviceArray<float> weights(csr.entries());
  if (csr.rows == 0 || csr.entries() == 0) return weights;
  entry_weights_kernel<<<blocks_for(csr.rows), kThreads>>>(csr.offsets.data(), csr.indices.data(),
                                                           csr.rows, entry_scales, index_scales,
                                                           row_scales, weights.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("entry_weights_kernel");
  return weights;
}

void aggregate(const DeviceCsr& csr, const DeviceArray<float>& weights, const DeviceMatrix& x,
               DeviceMatrix& out, float beta) {
  if (x.rows() != csr.cols || out.rows() != csr.rows || out.cols() != x.cols() ||
      weights.size() != csr.entries())
    throw InvalidArgument("device aggregate: " + shape(csr.rows, csr.cols) + " CSR with " +
                          std::to_string(weights.size()) + " weights, input " +
                          shape(x.rows(), x.cols()) + ", output " + shape(out.rows(), out.cols()));
  if (out.size() == 0) return;
  if (csr.entries() == 0 || x.rows() == 0) {
    scale(out.data(), out.size(), beta);
    return;
  }
  const auto rows = static_cast<std::int64_t>(csr.rows);
  const auto cols = static_cast<std::int64_t>(csr.cols);
  const auto width = static_cast<std::int64_t>(x.cols());
  cusparseSpMatDescr_t a = nullptr;
  cusparseDnMatDescr_t b = nullptr;
  cusparseDnMatDescr_t c = nullptr;
  // The descriptors only describe; the const_casts are cuSPARSE's non-const descriptor API.
  GRAPHMINI_CUDA_CHECK(cusparseCreateCsr(&a, rows, cols, static_cast<std::int64_t>(csr.entries()),
                                         const_cast<std::int32_t*>(csr.offsets.data()),
                                         const_cast<std::int32_t*>(csr.indices.data()),
                                         const_cast<float*>(weights.data()), CUSPARSE_INDEX_32I,
                                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
  struct Descriptors {
    cusparseSpMatDescr_t& a;
    cusparseDnMatDescr_t& b;
    cusparseDnMatDescr_t& c;
    ~Descriptors() {
      if (c != nullptr) cusparseDestroyDnMat(c);
      if (b != nullptr) cusparseDestroyDnMat(b);
      if (a != nullptr) cusparseDestroySpMat(a);
    }
  } guard{a, b, c};
  GRAPHMINI_CUDA_CHECK(cusparseCreateDnMat(&b, cols, width, width, const_cast<float*>(x.data()),
                                           CUDA_R_32F, CUSPARSE_ORDER_ROW));
  GRAPHMINI_CUDA_CHECK(
      cusparseCreateDnMat(&c, rows, width, width, out.data(), CUDA_R_32F, CUSPARSE_ORDER_ROW));
  const float one = 1.0f;
  std::size_t buffer_bytes = 0;
  GRAPHMINI_CUDA_CHECK(cusparseSpMM_bufferSize(
      detail::cusparse(), CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one,
      a, b, &beta, c, CUDA_R_32F, CUSPARSE_SPMM_CSR_ALG2, &buffer_bytes));
  DeviceArray<float> buffer((buffer_bytes + sizeof(float) - 1) / sizeof(float));
  GRAPHMINI_CUDA_CHECK(cusparseSpMM(detail::cusparse(), CUSPARSE_OPERATION_NON_TRANSPOSE,
                                    CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, b, &beta, c,
                                    CUDA_R_32F, CUSPARSE_SPMM_CSR_ALG2, buffer.data()));
}

void aggregate_backward(const TransposedCsr& transposed, const DeviceArray<float>& weights,
                        const DeviceMatrix& dy, DeviceMatrix& dx, float beta) {
  const DeviceCsr& csr = transposed.csr;
  if (dy.rows() != csr.cols || dx.rows() != csr.rows || dx.cols() != dy.cols() ||
      weights.size() != csr.entries())
    throw InvalidArgument("device aggregate backward: transposed " + shape(csr.rows, csr.cols) +
                          " CSR with " + std::to_string(weights.size()) + " weights, gradient " +
                          shape(dy.rows(), dy.cols()) + ", input gradient " +
                          shape(dx.rows(), dx.cols()));
  if (dx.size() == 0) return;
  const unsigned blocks = static_cast<unsigned>(std::min<std::size_t>(csr.rows, 65535));
  const unsigned threads = dx.cols() >= 128 ? 128 : (dx.cols() + 31) / 32 * 32;
  transposed_gather_kernel<<<blocks, threads>>>(csr.offsets.data(), csr.indices.data(),
                                                transposed.original_entry.data(), weights.data(),
                                                csr.rows, dx.cols(), dy.data(), dx.data(), beta);
  GRAPHMINI_CUDA_CHECK_LAUNCH("transposed_gather_kernel");
}

namespace {

__global__ void gather_kernel(const float* x, std::size_t cols, const std::uint32_t* indices,
                              std::size_t n, float* out) {
  GRID_STRIDE(i, n) {
    out[i] = x[std::size_t{indices[i / cols]} * cols + i % cols];
  }
}

}  // namespace

void gather(const DeviceMatrix& x, const std::uint32_t* indices, std::size_t count,
            DeviceMatrix& out) {
  out.resize(count, x.cols());
  if (out.size() == 0) return;
  gather_kernel<<<blocks_for(out.size()), kThreads>>>(x.data(), x.cols(), indices, out.size(),
                                                      out.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("gather_kernel");
}

// ---- Edge softmax
// ---------------------------------------------------------------------------------
namespace {

__device__ float leaky(float x, float slope) {
  return x > 0 ? x : slope * x;
}

// One thread per (destination, head), over the row's entries in order, as the CPU layer.
__global__ void edge_softmax_kernel(const std::int32_t* offsets, const std::int32_t* indices,
                                    std::size_t rows, std::size_t heads, const float* left,
                                    const float* right, float slope, float* raw, float* alpha) {
  GRID_STRIDE(i, rows * heads) {
    const std::size_t d = i / heads;
    const std::size_t k = i % heads;
    float largest = -INFINITY;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      raw[e * heads + k] = left[std::size_t{static_cast<std::uint32_t>(indices[e])} * heads + k] +
                           right[d * heads + k];
      largest = fmaxf(largest, leaky(raw[e * heads + k], slope));
    }
    float sum = 0;
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      alpha[e * heads + k] = expf(leaky(raw[e * heads + k], slope) - largest);
      sum += alpha[e * heads + k];
    }
    for (std::int32_t e = offsets[d]; e < offsets[d + 1]; ++e)
      alpha[e * heads + k] /= sum;
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

}  // namespace

void edge_softmax(const DeviceCsr& csr, const DeviceMatrix& left, const DeviceMatrix& right,
                  float slope, DeviceMatrix& raw, DeviceMatrix& alpha) {
  const std::size_t heads = left.cols();
  if (left.rows() != csr.cols || right.rows() != csr.rows || right.cols() != heads)
    throw InvalidArgument("device edge softmax: " + shape(csr.rows, csr.cols) + " CSR, left " +
                          shape(left.rows(), left.cols()) + ", right " +
                          shape(right.rows(), right.cols()));
  raw.resize(csr.entries(), heads);
  alpha.resize(csr.entries(), heads);
  if (csr.rows * heads == 0) return;
  edge_softmax_kernel<<<blocks_for(csr.rows * heads), kThreads>>>(
      csr.offsets.data(), csr.indices.data(), csr.rows, heads, left.data(), right.data(), slope,
      raw.data(), alpha.data());
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

// ---- Activations ------------------------------------------------------------------------------
namespace {

__global__ void activate_kernel(Activation f, const float* x, float* y, std::size_t n,
                                float slope) {
  GRID_STRIDE(i, n) {
    const float v = x[i];
    switch (f) {
      case Activation::none:
        y[i] = v;
        break;
      case Activation::relu:
        y[i] = v > 0 ? v : 0;
        break;
      case Activation::elu:
        y[i] = v > 0 ? v : expm1f(v);
        break;
      case Activation::leaky_relu:
        y[i] = v > 0 ? v : slope * v;
        break;
    }
  }
}

// f'(x) from y = f(x), as activate_backward does.
__global__ void activate_backward_kernel(Activation f, const float* y, const float* dy, float* dx,
                                         std::size_t n, float slope) {
  GRID_STRIDE(i, n) {
    const float out = y[i];
    const float g = dy[i];
    switch (f) {
      case Activation::none:
        dx[i] = g;
        break;
      case Activation::relu:
        dx[i] = out > 0 ? g : 0;
        break;
      case Activation::elu:
        dx[i] = out > 0 ? g : g * (out + 1);
        break;
      case Activation::leaky_relu:
        dx[i] = out > 0 ? g : g * slope;
        break;
    }
  }
}

}  // namespace

void activate(Activation f, const DeviceMatrix& x, DeviceMatrix& y, float slope) {
  if (!x.same_shape(y)) throw InvalidArgument("device activation: shapes differ");
  if (x.size() == 0) return;
  activate_kernel<<<blocks_for(x.size()), kThreads>>>(f, x.data(), y.data(), x.size(), slope);
  GRAPHMINI_CUDA_CHECK_LAUNCH("activate_kernel");
}

void activate_backward(Activation f, const DeviceMatrix& y, const DeviceMatrix& dy,
                       DeviceMatrix& dx, float slope) {
  if (!y.same_shape(dy) || !y.same_shape(dx))
    throw InvalidArgument("device activation backward: shapes differ");
  if (y.size() == 0) return;
  activate_backward_kernel<<<blocks_for(y.size()), kThreads>>>(f, y.data(), dy.data(), dx.data(),
                                                               y.size(), slope);
  GRAPHMINI_CUDA_CHECK_LAUNCH("activate_backward_kernel");
}

// ---- Dropout ------------------------------------------------------------------------------------
namespace {

// Value number `n`'s 32-bit draw: the low half of SplitMix64 output n / 2 for even n, the high
// half for odd n (gnn/tensor.cc's numbering, through the same datasets::splitmix64).
__device__ bool dropped(std::uint64_t n, std::uint64_t seed, std::uint64_t threshold) {
  const std::uint64_t bits = datasets::splitmix64(seed, n / 2);
  return ((bits >> (n % 2 * 32)) & 0xffffffffu) < threshold;
}

// Row i's values numbered nodes[i] * width + j (i * width + j without nodes).
__global__ void dropout_kernel(float* values, float* mask, std::size_t n, std::size_t width,
                               const std::uint32_t* nodes, std::uint64_t seed,
                               std::uint64_t threshold, float keep) {
  GRID_STRIDE(i, n) {
    const std::uint64_t number =
        nodes == nullptr ? i : std::uint64_t{nodes[i / width]} * width + i % width;
    mask[i] = dropped(number, seed, threshold) ? 0.0f : keep;
    values[i] *= mask[i];
  }
}

__global__ void dropout_numbered_kernel(float* values, float* mask, std::size_t n,
                                        std::uint64_t first, std::uint64_t seed,
                                        std::uint64_t threshold, float keep) {
  GRID_STRIDE(i, n) {
    mask[i] = dropped(first + i, seed, threshold) ? 0.0f : keep;
    values[i] *= mask[i];
  }
}

__global__ void multiply_kernel(float* x, const float* y, std::size_t n) {
  GRID_STRIDE(i, n) {
    x[i] *= y[i];
  }
}

void check_probability(float p) {
  if (!(p >= 0 && p < 1)) throw InvalidArgument("dropout " + std::to_string(p) + " not in [0, 1)");
}

// p * 2^32, as gnn/tensor.cc's drop_threshold.
std::uint64_t drop_threshold(float p) {
  return static_cast<std::uint64_t>(static_cast<double>(p) * 4294967296.0);
}

}  // namespace

void dropout(DeviceMatrix& values, const std::uint32_t* nodes, float p, std::uint64_t seed,
             DeviceArray<float>& mask) {
  check_probability(p);
  mask.resize(values.size());
  if (values.size() == 0) return;
  dropout_kernel<<<blocks_for(values.size()), kThreads>>>(values.data(), mask.data(), values.size(),
                                                          values.cols(), nodes, seed,
                                                          drop_threshold(p), 1.0f / (1.0f - p));
  GRAPHMINI_CUDA_CHECK_LAUNCH("dropout_kernel");
}

void dropout_numbered(float* values, float* mask, std::size_t count, std::uint64_t first,
                      std::uint64_t seed, float p) {
  check_probability(p);
  if (count == 0) return;
  dropout_numbered_kernel<<<blocks_for(count), kThreads>>>(values, mask, count, first, seed,
                                                           drop_threshold(p), 1.0f / (1.0f - p));
  GRAPHMINI_CUDA_CHECK_LAUNCH("dropout_numbered_kernel");
}

void dropout_backward(DeviceMatrix& gradient, const DeviceArray<float>& mask) {
  if (gradient.size() != mask.size())
    throw InvalidArgument("device dropout backward: sizes differ");
  if (mask.size() == 0) return;
  multiply_kernel<<<blocks_for(mask.size()), kThreads>>>(gradient.data(), mask.data(), mask.size());
  GRAPHMINI_CUDA_CHECK_LAUNCH("multiply_kernel");
}

// ---- Loss
// -----------------------------------------------------------------------------------------
namespace {

// One thread per node, in gnn::log_softmax_nll's arithmetic: float differences, double sums.
__global__ void nll_kernel(const float* logits, std::size_t classes, const std::uint32_t* nodes,
                           std::size_t count, const std::int32_t* labels, double* losses,
                           float* gradient, float scale) {
  GRID_STRIDE(i, count) {
    const std::uint32_t node = nodes[i];
    const std::int32_t label = labels[node];
    const float* row = logits + std::size_t{node} * classes;
    float largest = row[0];
    for (std::size_t c = 1; c < classes; ++c)
      largest = row[c] > largest ? row[c] : largest;
    double sum = 0;
    for (std::size_t c = 0; c < classes; ++c)
      sum += exp(static_cast<double>(row[c] - largest));
    const double log_sum = log(sum) + largest;
    losses[i] = log_sum - row[label];
    if (gradient == nullptr) continue;
    float* out = gradient + std::size_t{node} * classes;
    for (std::size_t c = 0; c < classes; ++c)
      out[c] = static_cast<float>(exp(row[c] - log_sum)) * scale;
    out[label] -= scale;
  }
}

__global__ void correct_kernel(const float* logits, std::size_t classes, const std::uint32_t* nodes,
                               std::size_t count, const std::int32_t* labels,
                               std::int32_t* correct) {
  GRID_STRIDE(i, count) {
    const float* row = logits + std::size_t{nodes[i]} * classes;
    std::size_t best = 0;
    for (std::size_t c = 1; c < classes; ++c)
      if (row[c] > row[best]) best = c;
    correct[i] = static_cast<std::int32_t>(best) == labels[nodes[i]] ? 1 : 0;
  }
}

}  // namespace

double log_softmax_nll(const DeviceMatrix& logits, const std::uint32_t* nodes, std::size_t count,
                       const std::int32_t* labels, DeviceMatrix* gradient) {
  if (count == 0) throw InvalidArgument("loss over no nodes");
  if (logits.cols() == 0) throw InvalidArgument("loss over logits of no classes");
  if (gradient != nullptr) {
    gradient->resize(logits.rows(), logits.cols());
    if (gradient->size() != 0)
      GRAPHMINI_CUDA_CHECK(cudaMemset(gradient->data(), 0, gradient->size() * sizeof(float)));
  }
  DeviceArray<double> losses(count);
  nll_kernel<<<blocks_for(count), kThreads>>>(
      logits.data(), logits.cols(), nodes, count, labels, losses.data(),
      gradient != nullptr ? gradient->data() : nullptr, 1.0f / static_cast<float>(count));
  GRAPHMINI_CUDA_CHECK_LAUNCH("nll_kernel");
  double loss = 0;
  for (const double l : losses.download())
    loss += l;
  return loss / static_cast<double>(count);
}

std::size_t count_correct(const DeviceMatrix& logits, const std::uint32_t* nodes, std::size_t count,
                          const std::int32_t* labels) {
  if (count == 0 || logits.cols() == 0) return 0;
  DeviceArray<std::int32_t> correct(count);
  correct_kernel<<<blocks_for(count), kThreads>>>(logits.data(), logits.cols(), nodes, count,
                                                  labels, correct.data());
  GRAPHMINI_CUDA_CHECK_LAUNCH("correct_kernel");
  std::size_t total = 0;
  for (const std::int32_t c : correct.download())
    total += static_cast<std::size_t>(c);
  return total;
}

// ---- Optimiser
// ------------------------------------------------------------------------------------
namespace {

__global__ void adam_kernel(AdamStep s, float* value, const float* gradient, float* m, float* v,
                            std::size_t n) {
  GRID_STRIDE(j, n) {
    const float g = gradient[j] + s.weight_decay * value[j];
    m[j] = s.beta1 * m[j] + (1 - s.beta1) * g;
    v[j] = s.beta2 * v[j] + (1 - s.beta2) * g * g;
    value[j] -= s.learning_rate * (m[j] * s.inverse_correction1) /
                (sqrtf(v[j] * s.inverse_correction2) + s.epsilon);
  }
}

}  // namespace

void adam_step(const AdamStep& step, float* value, const float* gradient, float* m, float* v,
               std::size_t n) {
  if (n == 0) return;
  adam_kernel<<<blocks_for(n), kThreads>>>(step, value, gradient, m, v, n);
  GRAPHMINI_CUDA_CHECK_LAUNCH("adam_kernel");
}

}  // namespace graphmini::gnn::cuda
