// The CUDA twins of the operators of gnn/tensor.h (and the optimiser step of gnn/model.cc),
// on matrices that live in device memory. This header includes no CUDA header, so plain C++
// code (the future dispatch point, the tests) can call it; it is compiled only when the build
// has CUDA (GRAPHMINI_WITH_CUDA).
//
// Intended dispatch shape (phase 2, after DGL's core): one device-agnostic entry point per
// operator, e.g. gnn::matmul(a, ta, b, tb, out, beta), looks at where its tensors live and
// calls either the CPU implementation (gnn/tensor.cc) or the function of the same name here,
// so that layers, trainers and samplers carry no #ifdef. Every operator here computes what its
// CPU twin computes, on the same numbering of random draws (dropout), so that a seed gives the
// same run on both devices up to floating-point summation order.
//
// Determinism: no operator uses floating-point atomics. Sums run in a fixed order that depends
// only on the shapes (own kernels, or cuSPARSE's SpMM algorithm CSR_ALG3, which gave the same
// bits on every run where CSR_ALG2 did not), so two runs give bit-identical results.
//
// All functions run on the default stream and return when the work is queued, except those
// that return host values (losses, counts), which wait for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/error.h"

namespace graphmini::gnn::cuda {

// A CUDA, cuBLAS or cuSPARSE call failed; the message names the call, file and line.
class DeviceError : public Error {
 public:
  using Error::Error;
};

// The number of usable CUDA devices: 0 when there is no driver or no device (never throws).
int device_count();
// Why no device is usable ("" when one is): the CUDA runtime's message for the failure.
std::string no_device_reason();
// Waits for all queued device work; throws DeviceError when any of it failed.
void synchronize();
// Makes device `index` the current one of this process (cudaSetDevice); throws DeviceError.
void use_device(int index);
// The name of device `index` ("NVIDIA H200").
std::string device_name(int index);

// ---- Memory ------------------------------------------------------------------------------
// All device storage comes from one caching pool (caching_pool.h over cudaMalloc). When
// cudaMalloc fails even after the cache is emptied, DeviceError says how many bytes were asked
// for and how many the device has free.
struct DeviceMemoryStatistics {
  std::size_t bytes_in_use = 0;
  std::size_t peak_bytes_in_use = 0;
  std::size_t bytes_cached = 0;
};
DeviceMemoryStatistics device_memory_statistics();
void reset_device_memory_peak();
// Hands the pool's cached blocks back to the device.
void trim_device_memory();

// An owned array of `size` T in device memory (move-only).
template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(std::size_t size);
  // A device copy of `values`.
  explicit DeviceArray(std::span<const T> values);
  ~DeviceArray();
  DeviceArray(DeviceArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceArray& operator=(DeviceArray&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Makes the array `size` long; its values are then undefined unless the size was kept.
  void resize(std::size_t size);
  void upload(std::span<const T> values);  // resizes to values.size()
  // Copies the first `count` values from host memory (the array keeps its size >= count).
  void upload_prefix(const T* values, std::size_t count);
  std::vector<T> download() const;
  void fill_zero();

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

extern template class DeviceArray<float>;
extern template class DeviceArray<double>;
extern template class DeviceArray<std::int32_t>;
extern template class DeviceArray<std::uint32_t>;

// A dense row-major float matrix in device memory (the device Tensor).
class DeviceMatrix {
 public:
  DeviceMatrix() = default;
  DeviceMatrix(std::size_t rows, std::size_t cols);  // zero-filled
  // A device copy of the row-major host matrix `values` (rows * cols floats).
  DeviceMatrix(std::size_t rows, std::size_t cols, std::span<const float> values);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return rows_ * cols_; }
  float* data() { return values_.data(); }
  const float* data() const { return values_.data(); }
  // Values are undefined after a change of size.
  void resize(std::size_t rows, std::size_t cols);
  std::vector<float> download() const { return values_.download(); }
  // Copies every value to `host` (size() floats).
  void download_to(float* host) const;
  // Copies size() floats from host memory.
  void upload_from(const float* host);
  // Copies `count` floats from device memory at `from` to this matrix's value `offset` on.
  void copy_within_device(const float* from, std::size_t count, std::size_t offset = 0);
  void fill_zero() { values_.fill_zero(); }
  bool same_shape(const DeviceMatrix& other) const {
    return rows_ == other.rows_ && cols_ == other.cols_;
  }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  DeviceArray<float> values_;
};

// A CSR matrix in device memory with 32-bit offsets and indices (cuSPARSE's generic API wants
// one index type for both); uploading a host CSR with 2^31 or more entries throws.
struct DeviceCsr {
  std::size_t rows = 0;
  std::size_t cols = 0;
  DeviceArray<std::int32_t> offsets;  // rows + 1
  DeviceArray<std::int32_t> indices;  // offsets[rows]
  std::size_t entries() const { return indices.size(); }
};
// A device copy of the host CSR (offsets has rows + 1 entries, indices < cols).
DeviceCsr upload_csr(std::size_t cols, std::span<const std::uint64_t> offsets,
                     std::span<const std::uint32_t> indices);

// The transpose of a host CSR, on the host, as a device CSR plus, for each of its entries, the
// number of that entry in the original (to find its weight). Entries of a row stay in order of
// their original rows, so sums over them run in a fixed order.
struct TransposedCsr {
  DeviceCsr csr;
  DeviceArray<std::int32_t> original_entry;
};
TransposedCsr upload_transposed_csr(std::size_t cols, std::span<const std::uint64_t> offsets,
                                    std::span<const std::uint32_t> indices);

// ---- Dense operators (gnn/tensor.h) ------------------------------------------------------------
inline constexpr std::size_t kAllRows = static_cast<std::size_t>(-1);
// out = op(a) * op(b) + beta * out, over the first a_rows rows of a (cuBLAS sgemm; a long k
// with a small output, as a weight gradient has, split into fixed chunks of k whose partial
// products are added in order); the same contract as gnn::matmul.
void matmul(const DeviceMatrix& a, bool transpose_a, const DeviceMatrix& b, bool transpose_b,
            DeviceMatrix& out, float beta = 0, std::size_t a_rows = kAllRows);
// x[i][j] += bias[j] (bias: x.cols() device floats).
void add_bias(DeviceMatrix& x, const float* bias);
// gradient[j] += sum over i of x[i][j], summed in a fixed two-stage order (per chunk of rows,
// then over the chunks in order) that depends only on x's shape: deterministic, but not the
// CPU's row order, so equal to the CPU's sums up to rounding.
void add_column_sums(const DeviceMatrix& x, float* gradient);
// x += alpha * y.
void axpy(float alpha, const DeviceMatrix& y, DeviceMatrix& x);

// ---- Sparse aggregation (gnn/block.cc's use of gather_rows) ----------------------------------
// The weight of each entry e of row d of `csr` as gather_rows forms it:
// row_scales[d] * entry_scales[e] * index_scales[indices[e]], each factor 1 when its pointer
// (device memory) is null.
DeviceArray<float> entry_weights(const DeviceCsr& csr, const float* entry_scales,
                                 const float* index_scales, const float* row_scales);
// The kernels aggregate can run, both deterministic: cuSPARSE's SpMM (CSR_ALG3, row-major
// dense operands) or the own row kernel (a warp or part of one per row, its lanes over the
// columns, the entries summed in order). `automatic` takes choose_aggregation_kernel's pick;
// the others are for the tests and the benchmark, which run both.
enum class AggregationKernel { automatic, cusparse, rows };
// The kernel `automatic` runs for dense operands of `width` columns (see operators.cu for the
// measurements behind the rule).
AggregationKernel choose_aggregation_kernel(std::size_t width);
// out[d] = sum over entries e of row d of weights[e] * x[indices[e]] + beta * out[d].
void aggregate(const DeviceCsr& csr, const DeviceArray<float>& weights, const DeviceMatrix& x,
               DeviceMatrix& out, float beta = 0,
               AggregationKernel kernel = AggregationKernel::automatic);
// aggregate for the rows first .. first + out.rows() of csr only, into out's rows (beta 0), by
// the own row kernel: layer-wise inference, a batch of destinations at a time.
void aggregate_rows(const DeviceCsr& csr, const DeviceArray<float>& weights, const DeviceMatrix& x,
                    DeviceMatrix& out, std::size_t first);
// The backward of aggregate: dx[s] = sum over entries e = (d, s) of weights[e] * dy[d] +
// beta * dx[s], over the transposed CSR, by the own row kernel (see operators.cu for why).
void aggregate_backward(const TransposedCsr& transposed, const DeviceArray<float>& weights,
                        const DeviceMatrix& dy, DeviceMatrix& dx, float beta = 0);

// out[i] = x[indices[i]] (indices: count device uint32 values; out becomes count x x.cols()).
void gather(const DeviceMatrix& x, const std::uint32_t* indices, std::size_t count,
            DeviceMatrix& out);

// ---- GAT's attention (gnn/attention.h; gnn/cuda/attention.cu) ------------------------------
// The contracts of gnn/attention.h's operators of the same names, over a block's device CSR
// (the block's edges in its order: entry e is edge e) and its transpose. Where an operator
// takes CSR rows first .. first + count, its per-entry matrices hold the entries of those rows
// only, numbered from `base` = offsets[first] (which the caller knows from the host CSR), and
// `entries` is their number.
void head_scores(const DeviceMatrix& z, const DeviceMatrix& attention, std::size_t rows,
                 DeviceMatrix& scores);
void add_head_scores_backward(const DeviceMatrix& d_scores, const DeviceMatrix& attention,
                              DeviceMatrix& d_z);
// Summed as add_column_sums sums (a fixed two-stage order, not the CPU's row order).
void add_head_scores_gradient(const DeviceMatrix& z, const DeviceMatrix& d_scores,
                              DeviceMatrix& d_attention);
void mean_of_heads(const DeviceMatrix& x, std::size_t heads, DeviceMatrix& out, std::size_t first);
void mean_of_heads_backward(const DeviceMatrix& d_out, std::size_t heads, DeviceMatrix& d_x);
void edge_softmax(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                  std::size_t entries, const DeviceMatrix& left, const DeviceMatrix& right,
                  float slope, DeviceMatrix& raw, DeviceMatrix& alpha);
// Over the whole CSR; d_left sums each source's entries in the transposed CSR's order.
void edge_softmax_backward(const DeviceCsr& csr, const TransposedCsr& transposed,
                           const DeviceMatrix& raw, const DeviceMatrix& alpha, float slope,
                           DeviceMatrix& gradient, DeviceMatrix& d_right, DeviceMatrix& d_left);
// nodes: the whole graph's id of each CSR row (device uint32), or null for the row itself.
void attention_dropout(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                       const std::uint32_t* nodes, std::uint64_t seed, float p,
                       DeviceMatrix& attention, DeviceMatrix& mask);
void aggregate_heads(const DeviceCsr& csr, std::size_t first, std::size_t count, std::size_t base,
                     const DeviceMatrix& attention, const DeviceMatrix& z, DeviceMatrix& out);
// Over the transposed CSR, each source's entries in its order.
void aggregate_heads_backward(const TransposedCsr& transposed, const DeviceMatrix& attention,
                              const DeviceMatrix& d_out, DeviceMatrix& d_z);
void attention_gradient(const DeviceCsr& csr, const DeviceMatrix& d_out, const DeviceMatrix& z,
                        std::size_t heads, DeviceMatrix& d_attention);

// ---- Activations, dropout, loss ---------------------------------------------------------------
// The values of gnn::Activation.
enum class Activation { none, relu, elu, leaky_relu };
void activate(Activation f, const DeviceMatrix& x, DeviceMatrix& y, float slope = 0.2f);
void activate_backward(Activation f, const DeviceMatrix& y, const DeviceMatrix& dy,
                       DeviceMatrix& dx, float slope = 0.2f);

// gnn::dropout with the stream seed given (the CPU version draws it from its generator: the
// dispatch point draws it the same way and passes it here): value j of row i is numbered
// nodes[i] * width + j (i * width + j when nodes is null; nodes: values.rows() device uint32),
// and dropped when the number's 32-bit draw of the SplitMix64 stream `seed` is below p * 2^32.
// mask becomes the scales (0 or 1 / (1 - p)), values' shape. Masks are bit-identical to the
// CPU's.
void dropout(DeviceMatrix& values, const std::uint32_t* nodes, float p, std::uint64_t seed,
             DeviceMatrix& mask);
// gnn::dropout_numbered: values[0 .. count) numbered first, first + 1, ...
void dropout_numbered(float* values, float* mask, std::size_t count, std::uint64_t first,
                      std::uint64_t seed, float p);
void dropout_backward(DeviceMatrix& gradient, const DeviceMatrix& mask);

// gnn::log_softmax_nll over `count` nodes (device uint32) with labels (device int32, indexed
// by node; the caller has checked them): the mean loss, each node's loss computed in double
// on the device and summed on the host in node order as the CPU does. When gradient is given
// it becomes logits' shape, zero outside the nodes.
double log_softmax_nll(const DeviceMatrix& logits, const std::uint32_t* nodes, std::size_t count,
                       const std::int32_t* labels, DeviceMatrix* gradient = nullptr);
// How many of the nodes have their largest logit (the first, on ties) at their label.
std::size_t count_correct(const DeviceMatrix& logits, const std::uint32_t* nodes, std::size_t count,
                          const std::int32_t* labels);

// ---- Optimiser -----------------------------------------------------------------------------
// One Adam step over n values, gnn::Optimizer's formula (weight decay added to the gradient):
// g = gradient + decay * value; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// value -= lr * (m * inverse_correction1) / (sqrt(v * inverse_correction2) + epsilon).
struct AdamStep {
  float learning_rate;
  float weight_decay;
  float beta1;
  float beta2;
  float epsilon;
  float inverse_correction1;  // 1 / (1 - beta1^t)
  float inverse_correction2;  // 1 / (1 - beta2^t)
};
void adam_step(const AdamStep& step, float* value, const float* gradient, float* m, float* v,
               std::size_t n);
// One SGD step, gnn::Optimizer's formula: value -= lr * (gradient + decay * value).
void sgd_step(float learning_rate, float weight_decay, float* value, const float* gradient,
              std::size_t n);

}  // namespace graphmini::gnn::cuda
