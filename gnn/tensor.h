// Dense float32 matrices for GNN training, and the element-wise operators of the models.
//
// A Tensor is a row-major rows x cols matrix (rows of node features or activations), on the
// CPU in 64-byte-aligned storage, or on the CUDA device (gnn/device.h). Every operator here
// runs where its tensors live (gnn/device.cc chooses) and throws InvalidArgument when they live
// on different devices; an output tensor moves to its inputs' device when the operator
// overwrites it. On the CPU, matrix products go through a CBLAS sgemm (OpenBLAS); everything
// else is a plain loop, parallel with oneTBB over rows where the work is large enough.
//
// Threads: OpenBLAS runs single-threaded inside graphmini (set_blas_threads(1) at start-up,
// called by the trainers), and oneTBB owns the cores: every sgemm call is split into row
// panels that oneTBB runs in parallel, so one scheduler decides and no core is
// oversubscribed (OpenBLAS threads spinning beside oneTBB workers halve throughput).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "gnn/device.h"

namespace graphmini::gnn {

namespace cuda {
class DeviceMatrix;
}

inline constexpr std::size_t kAllRows = static_cast<std::size_t>(-1);

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled, on `device` (a CUDA tensor throws select_device()'s error in a build or on a
  // machine without CUDA).
  Tensor(std::size_t rows, std::size_t cols, DeviceKind device = DeviceKind::cpu);
  // A copy on the same device; assignment copies the other's device too.
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return rows_ * cols_; }
  DeviceKind device() const { return device_ ? DeviceKind::cuda : DeviceKind::cpu; }
  // A copy on `device`.
  Tensor to(DeviceKind device) const;
  // The storage of a CUDA tensor (throws InvalidArgument for a CPU one), for gnn/device.cc.
  cuda::DeviceMatrix& device_matrix();
  const cuda::DeviceMatrix& device_matrix() const;

  // The values of a CPU tensor (null on the device: host code reads a CUDA tensor through to()).
  float* data() { return values_.get(); }
  const float* data() const { return values_.get(); }
  std::span<float> row(std::size_t i) { return {data() + i * cols_, cols_}; }
  std::span<const float> row(std::size_t i) const { return {data() + i * cols_, cols_}; }
  float& operator()(std::size_t i, std::size_t j) { return data()[i * cols_ + j]; }
  float operator()(std::size_t i, std::size_t j) const { return data()[i * cols_ + j]; }
  std::span<float> values() { return {data(), size()}; }
  std::span<const float> values() const { return {data(), size()}; }

  void fill(float value);
  // Makes the tensor rows x cols, reusing its storage when that is large enough (working
  // tensors are reused from pass to pass and from batch to batch): its values are then left
  // as they were, and every caller writes all of them. Only new storage is zeroed. Zeroing on
  // every change of shape took a fifth of a mini-batch epoch's instructions on Cora (batches
  // differ in size), for values that were overwritten at once.
  void resize(std::size_t rows, std::size_t cols);
  // The same on `device`: a tensor elsewhere is replaced by a zero-filled one there.
  void resize(std::size_t rows, std::size_t cols, DeviceKind device);
  // Makes the tensor `rows` rows of the same width, keeping the values of the rows it had
  // (a halo's rows appended to a layer's output, or dropped from its gradient); the values of
  // new rows are left for the caller to write.
  void resize_rows(std::size_t rows);
  bool same_shape(const Tensor& other) const {
    return rows_ == other.rows_ && cols_ == other.cols_;
  }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  struct DeviceFree {
    void operator()(cuda::DeviceMatrix* p) const;  // gnn/device.cc
  };
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::size_t capacity_ = 0;  // floats allocated
  std::unique_ptr<float[], Free> values_;
  std::unique_ptr<cuda::DeviceMatrix, DeviceFree> device_;  // instead of values_ on CUDA
};

// Limits OpenBLAS to `threads` threads (see the file comment).
void set_blas_threads(int threads);

// out = op(a) * op(b) + beta * out, where op transposes when asked and only the first
// `a_rows` rows of a take part (all by default; a layer may read the first rows of its input).
// With a_rows given, out may have more rows than the product: its first rows receive it (a
// layer may add to the first rows of its input's gradient). Throws InvalidArgument when the
// shapes do not fit.
void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
            float beta = 0, std::size_t a_rows = kAllRows);

// x[i][j] += bias[j] (bias: 1 x x.cols()).
void add_bias(Tensor& x, const Tensor& bias);
// gradient[j] += sum over i of x[i][j] (gradient: 1 x x.cols()).
void add_column_sums(const Tensor& x, Tensor& gradient);

// to's rows first, first + 1, ... = from's rows (to has from's width and enough rows).
void copy_rows(const Tensor& from, Tensor& to, std::size_t first);
// out = the rows `rows` of x, in that order (out becomes rows.size() x x.cols()).
void take_rows(const Tensor& x, std::span<const std::uint32_t> rows, Tensor& out);

// x += alpha * y.
void axpy(float alpha, const Tensor& y, Tensor& x);

// The inner loops of aggregation and sparse products, compiled for x86-64-v3 (AVX2, FMA) as
// well and chosen at run time by the CPU's features. (A clone for "arch=haswell" would be
// chosen only on Intel Haswell and its successors, never on AMD.)
//
// target[0 .. n) += scale * source[0 .. n).
void add_scaled(float* target, const float* source, float scale, std::size_t n);
// target[0 .. n) += sum over i < count of w_i * rows[indices[i] * stride .. + n), where
// w_i = row_scale * entry_scales[i] (when given) * index_scales[indices[i]] (when given).
void gather_rows(float* target, std::size_t n, const float* rows, std::size_t stride,
                 const std::uint32_t* indices, std::size_t count, const float* entry_scales,
                 const float* index_scales, float row_scale);

enum class Activation { none, relu, elu, leaky_relu };

// y = f(x), in place allowed (y may be x).
void activate(Activation f, const Tensor& x, Tensor& y, float slope = 0.2f);
// dx = dy * f'(x) given only y = f(x), which determines f'(x) for these activations (x > 0
// exactly when y > 0), so that x need not be kept; in place allowed (dx may be dy).
void activate_backward(Activation f, const Tensor& y, const Tensor& dy, Tensor& dx,
                       float slope = 0.2f);

// Inverted dropout: each value is zeroed with probability p and the rest scaled by 1/(1-p);
// `mask` receives the scale of each value (0 or 1/(1-p)) for the backward pass.
//
// Which values drop is decided by their numbers: value n is dropped when the n-th 32-bit draw
// of a SplitMix64 stream (datasets/random.h; the low half of output n / 2 for even n, its high
// half for odd n) is below p * 2^32, the stream seeded by one draw of `random`. The values are
// a matrix of `width` columns whose row i holds node nodes[i] (node i when `nodes` is empty),
// and value j of row i is numbered nodes[i] * width + j: a node's values drop alike in
// whichever row of whichever batch it sits, so that a batch split over the ranks of an MPI
// job drops exactly what the whole batch does in one process. Any stretch of the stream can be
// computed on its own, so the loop runs in parallel and the mask is the same for any thread
// count.
void dropout(std::span<float> values, std::size_t width, std::span<const std::uint32_t> nodes,
             float p, std::mt19937_64& random, std::vector<float>& mask);
// The decisions above for values[0 .. count) numbered first, first + 1, ... in the stream
// `seed`, on this thread; mask[0 .. count) receives their scales. For dropout over other
// numberings (GAT's attention, numbered per destination node).
void dropout_numbered(float* values, float* mask, std::size_t count, std::uint64_t first,
                      std::uint64_t seed, float p);
// The same for values numbered first + offsets[i] (the non-zeros of a sparse row, by column).
void dropout_numbered(float* values, float* mask, std::span<const std::uint32_t> offsets,
                      std::uint64_t first, std::uint64_t seed, float p);
void dropout_backward(std::span<float> gradient, const std::vector<float>& mask);
// dropout() on a tensor on either device, row i holding node nodes[i] (node i when `nodes` is
// empty); `mask` becomes x's shape, on x's device. The same masks on both devices for a seed.
void dropout(Tensor& x, std::span<const std::uint32_t> nodes, float p, std::mt19937_64& random,
             Tensor& mask);
void dropout_backward(Tensor& gradient, const Tensor& mask);

// Mean negative log-likelihood of log_softmax(logits) over `nodes` with their `labels`;
// when `gradient` is given, fills it (same shape as logits, zero outside `nodes`) with the
// derivative.
double log_softmax_nll(const Tensor& logits, std::span<const std::uint32_t> nodes,
                       std::span<const std::int32_t> labels, Tensor* gradient = nullptr);

// The share of `nodes` whose largest logit is at their label.
double accuracy(const Tensor& logits, std::span<const std::uint32_t> nodes,
                std::span<const std::int32_t> labels);

}  // namespace graphmini::gnn
