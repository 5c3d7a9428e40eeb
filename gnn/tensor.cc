#include "gnn/tensor.h"

#include <cblas.h>
#include <sys/mman.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <new>
#include <string>

#include "datasets/random.h"
#include "gnn/cuda_twins.h"
#include "gnn/parallel.h"
#include "runtime/error.h"

// OpenBLAS's own thread control (not part of CBLAS).
extern "C" void openblas_set_num_threads(int threads);

namespace graphmini::gnn {
namespace {

constexpr std::size_t kAlignment = 64;
// Tensors from this size on (a layer's activations on a large graph) are placed on 2 MiB
// boundaries and marked for transparent huge pages, and zeroed in parallel: the first epoch on
// a million nodes otherwise spent more than half its time in page faults, one per 4 KiB page
// taken serially by one thread's memset.
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kLarge = 4 * kHugePage;

// Zeroes `bytes` at `p` in parallel chunks, so that the threads share the first touches.
void zero(float* p, std::size_t bytes) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  if (bytes < kLarge) {
    std::memset(p, 0, bytes);
    return;
  }
  char* start = reinterpret_cast<char*>(p);
  for_each_row((bytes + kChunk - 1) / kChunk, 16384, [&](std::size_t chunk) {
    const std::size_t first = chunk * kChunk;
    std::memset(start + first, 0, std::min(kChunk, bytes - first));
  });
}

std::string shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

}  // namespace

bool on_cuda(const char* what, std::initializer_list<const Tensor*> operands) {
  bool cuda = false;
  bool cpu = false;
  for (const Tensor* t : operands)
    (t->device() == DeviceKind::cuda ? cuda : cpu) = true;
  if (cuda && cpu)
    throw InvalidArgument(std::string(what) + ": operands on the CPU and on the CUDA device");
  return cuda;
}

void require_shape(const Tensor& t, std::size_t rows, std::size_t cols, const char* what) {
  if (t.rows() != rows || t.cols() != cols)
    throw InvalidArgument(std::string(what) + ": expected " + shape(rows, cols) + ", got " +
                          shape(t.rows(), t.cols()));
}

void Tensor::Free::operator()(float* p) const {
  std::free(p);
}

Tensor::Tensor(std::size_t rows, std::size_t cols, DeviceKind device) : rows_(rows), cols_(cols) {
  if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / sizeof(float) / cols)
    throw InvalidArgument("tensor of " + shape(rows, cols) + " floats is too large");
  if (device == DeviceKind::cuda) {
    device_.reset(cuda_twin::new_matrix(rows, cols));
    return;
  }
  const std::size_t needed = rows * cols * sizeof(float);
  const std::size_t alignment = needed >= kLarge ? kHugePage : kAlignment;
  const std::size_t bytes =
      std::max<std::size_t>(alignment, (needed + alignment - 1) / alignment * alignment);
  values_.reset(static_cast<float*>(std::aligned_alloc(alignment, bytes)));
  if (!values_) throw std::bad_alloc();
  if (alignment == kHugePage) ::madvise(values_.get(), bytes, MADV_HUGEPAGE);  // a hint only
  capacity_ = bytes / sizeof(float);
  zero(values_.get(), bytes);
}

Tensor::Tensor(const Tensor& other) : Tensor(other.rows_, other.cols_, other.device()) {
  if (device_) {
    cuda_twin::copy(*other.device_, *device_);
  } else {
    std::copy_n(other.data(), size(), data());
  }
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  if (device() != other.device()) {
    *this = Tensor(other);
    return *this;
  }
  resize(other.rows_, other.cols_);
  if (device_) {
    cuda_twin::copy(*other.device_, *device_);
  } else {
    std::copy_n(other.data(), size(), data());
  }
  return *this;
}

void Tensor::resize(std::size_t rows, std::size_t cols) {
  if (device_) {
    cuda_twin::resize(*device_, rows, cols);
    rows_ = rows;
    cols_ = cols;
    return;
  }
  if (rows == rows_ && cols == cols_ && values_) return;
  if (!values_ || (cols != 0 && rows > capacity_ / cols)) {
    *this = Tensor(rows, cols);
    return;
  }
  rows_ = rows;
  cols_ = cols;
}

void Tensor::resize(std::size_t rows, std::size_t cols, DeviceKind device) {
  if (device != this->device()) {
    *this = Tensor(rows, cols, device);
  } else {
    resize(rows, cols);
  }
}

void Tensor::resize_rows(std::size_t rows) {
  if (values_ && (cols_ == 0 || rows <= capacity_ / cols_)) {
    rows_ = rows;
    return;
  }
  Tensor grown(rows, cols_, device());
  if (device_) {
    Tensor kept = *this;
    kept.resize(std::min(rows, rows_), cols_);
    copy_rows(kept, grown, 0);
  } else {
    std::copy_n(data(), std::min(rows, rows_) * cols_, grown.data());
  }
  *this = std::move(grown);
}

void Tensor::fill(float value) {
  if (device_) {
    if (value != 0) throw InvalidArgument("a CUDA tensor is only filled with zeros");
    cuda_twin::zero(*device_);
    return;
  }
  std::fill_n(data(), size(), value);
}

void set_blas_threads(int threads) {
  openblas_set_num_threads(threads);
}

void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
            float beta, std::size_t a_rows) {
  const bool first_rows = a_rows != kAllRows && !transpose_a;
  if (a_rows == kAllRows) a_rows = a.rows();
  if (a_rows > a.rows())
    throw InvalidArgument("matmul: " + std::to_string(a_rows) + " rows of a " +
                          shape(a.rows(), a.cols()) + " matrix");
  const std::size_t m = transpose_a ? a.cols() : a_rows;
  const std::size_t k = transpose_a ? a_rows : a.cols();
  const std::size_t k_b = transpose_b ? b.cols() : b.rows();
  const std::size_t n = transpose_b ? b.rows() : b.cols();
  if (k != k_b || out.rows() < m || (out.rows() > m && !first_rows) || out.cols() != n) {
    throw InvalidArgument("matmul: " + shape(m, k) + " times " + shape(k_b, n) + " into " +
                          shape(out.rows(), out.cols()));
  }
  if (on_cuda("matmul", {&a, &b})) {
    cuda_twin::matmul(a, transpose_a, b, transpose_b, out, beta, a_rows);
    return;
  }
  if (beta != 0) on_cuda("matmul", {&a, &out});
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (float& x : out.values().first(m * n))
      x *= beta;
    return;
  }
  // Panels of output rows, one sgemm each, run by oneTBB (see the file comment).
  const std::size_t panel = std::max<std::size_t>(16, (1 << 16) / std::max<std::size_t>(n + k, 1));
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, m, panel),
      [&](const tbb::blocked_range<std::size_t>& rows) {
        const std::size_t first = rows.begin();
        const float* a_panel = transpose_a ? a.data() + first : a.data() + first * a.cols();
        cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                    transpose_b ? CblasTrans : CblasNoTrans, static_cast<int>(rows.size()),
                    static_cast<int>(n), static_cast<int>(k), 1.0f, a_panel,
                    static_cast<int>(a.cols()), b.data(), static_cast<int>(b.cols()), beta,
                    out.data() + first * n, static_cast<int>(n));
      });
}

void add_bias(Tensor& x, const Tensor& bias_row) {
  if (bias_row.size() != x.cols())
    throw InvalidArgument("bias of " + std::to_string(bias_row.size()) + " for " +
                          std::to_string(x.cols()) + " columns");
  if (on_cuda("add_bias", {&x, &bias_row})) {
    cuda_twin::add_bias(x, bias_row);
    return;
  }
  const std::span<const float> bias = bias_row.values();
  for_each_row(x.rows(), x.cols(), [&](std::size_t i) {
    float* row = x.row(i).data();
    for (std::size_t j = 0; j < bias.size(); ++j)
      row[j] += bias[j];
  });
}

void copy_rows(const Tensor& from, Tensor& to, std::size_t first) {
  if (from.cols() != to.cols() || first > to.rows() || from.rows() > to.rows() - first)
    throw InvalidArgument("copy_rows: " + shape(from.rows(), from.cols()) + " into rows " +
                          std::to_string(first) + " .. of " + shape(to.rows(), to.cols()));
  if (on_cuda("copy_rows", {&from, &to})) {
    cuda_twin::copy_rows(from, to, first);
    return;
  }
  std::copy_n(from.data(), from.size(), to.data() + first * to.cols());
}

void take_rows(const Tensor& x, std::span<const std::uint32_t> rows, Tensor& out) {
  for (const std::uint32_t row : rows)
    if (row >= x.rows())
      throw InvalidArgument("take_rows: row " + std::to_string(row) + " of " +
                            shape(x.rows(), x.cols()));
  if (on_cuda("take_rows", {&x})) {
    cuda_twin::gather(x, rows, out);
    return;
  }
  if (out.device() != DeviceKind::cpu) out = Tensor();
  out.resize(rows.size(), x.cols());
  for_each_row(rows.size(), x.cols(), [&](std::size_t i) {
    std::memcpy(out.row(i).data(), x.row(rows[i]).data(), x.cols() * sizeof(float));
  });
}

void add_column_sums(const Tensor& x, Tensor& gradient_row) {
  if (gradient_row.size() != x.cols())
    throw InvalidArgument("column sums of " + std::to_string(x.cols()) + " columns into " +
                          std::to_string(gradient_row.size()));
  if (on_cuda("add_column_sums", {&x, &gradient_row})) {
    cuda_twin::add_column_sums(x, gradient_row);
    return;
  }
  const std::span<float> gradient = gradient_row.values();
  // Partial sums over fixed chunks of rows, in parallel, then added in chunk order: the
  // result is the same for any thread count, so a run stays reproducible for a seed.
  const std::size_t chunk =
      std::max<std::size_t>(64, (1 << 16) / std::max<std::size_t>(x.cols(), 1));
  const std::size_t chunks = (x.rows() + chunk - 1) / chunk;
  std::vector<double> partial(chunks * x.cols(), 0.0);
  for_each_row(chunks, chunk * x.cols(), [&](std::size_t c) {
    double* sums = partial.data() + c * x.cols();
    for (std::size_t i = c * chunk; i < std::min(x.rows(), (c + 1) * chunk); ++i) {
      const float* row = x.row(i).data();
      for (std::size_t j = 0; j < x.cols(); ++j)
        sums[j] += row[j];
    }
  });
  for (std::size_t j = 0; j < x.cols(); ++j) {
    double sum = 0;
    for (std::size_t c = 0; c < chunks; ++c)
      sum += partial[c * x.cols() + j];
    gradient[j] += static_cast<float>(sum);
  }
}

GRAPHMINI_AVX2_CLONES void add_scaled(float* target, const float* source, float scale,
                                      std::size_t n) {
  for (std::size_t j = 0; j < n; ++j)
    target[j] += scale * source[j];
}

namespace {

// Eight floats: one AVX register in the x86-64-v3 clone, two SSE registers in the default one;
// Loaded reads them at any float's address.
using Lanes = float __attribute__((vector_size(32)));
using Loaded = float __attribute__((vector_size(32), aligned(alignof(float)), may_alias));
constexpr std::size_t kLanes = sizeof(Lanes) / sizeof(float);

// gather_rows over the columns [0, V * kLanes) of target and rows, with those V vectors of
// sums in registers for all the indices: one load and one multiply-add per eight floats of a
// row, where adding each row into target in memory would also load and store target. The sums
// run over the indices in order, as gather_rows promises.
template <std::size_t V>
[[gnu::always_inline]] inline void gather_columns(float* target, const float* rows,
                                                  std::size_t stride, const std::uint32_t* indices,
                                                  std::size_t count, const float* entry_scales,
                                                  const float* index_scales, float row_scale) {
  Lanes sum[V];
  for (std::size_t v = 0; v < V; ++v)
    sum[v] = *reinterpret_cast<const Loaded*>(target + v * kLanes);
  for (std::size_t i = 0; i < count; ++i) {
    float w = entry_scales != nullptr ? row_scale * entry_scales[i] : row_scale;
    if (index_scales != nullptr) w *= index_scales[indices[i]];
    const float* source = rows + indices[i] * stride;
    for (std::size_t v = 0; v < V; ++v)
      sum[v] += w * *reinterpret_cast<const Loaded*>(source + v * kLanes);
  }
  for (std::size_t v = 0; v < V; ++v)
    *reinterpret_cast<Loaded*>(target + v * kLanes) = sum[v];
}

}  // namespace

GRAPHMINI_AVX2_CLONES void gather_rows(float* target, std::size_t n, const float* rows,
                                       std::size_t stride, const std::uint32_t* indices,
                                       std::size_t count, const float* entry_scales,
                                       const float* index_scales, float row_scale) {
  // Columns in blocks of 64, then one block of 32, 16 and 8 as they fit, then the rest.
  std::size_t j = 0;
  for (; j + 8 * kLanes <= n; j += 8 * kLanes) {
    gather_columns<8>(target + j, rows + j, stride, indices, count, entry_scales, index_scales,
                      row_scale);
  }
  if (j + 4 * kLanes <= n) {
    gather_columns<4>(target + j, rows + j, stride, indices, count, entry_scales, index_scales,
                      row_scale);
    j += 4 * kLanes;
  }
  if (j + 2 * kLanes <= n) {
    gather_columns<2>(target + j, rows + j, stride, indices, count, entry_scales, index_scales,
                      row_scale);
    j += 2 * kLanes;
  }
  if (j + kLanes <= n) {
    gather_columns<1>(target + j, rows + j, stride, indices, count, entry_scales, index_scales,
                      row_scale);
    j += kLanes;
  }
  if (j == n) return;
  for (std::size_t i = 0; i < count; ++i) {
    float w = entry_scales != nullptr ? row_scale * entry_scales[i] : row_scale;
    if (index_scales != nullptr) w *= index_scales[indices[i]];
    const float* source = rows + indices[i] * stride;
    for (std::size_t k = j; k < n; ++k)
      target[k] += w * source[k];
  }
}

void axpy(float alpha, const Tensor& y, Tensor& x) {
  if (!x.same_shape(y)) throw InvalidArgument("axpy: shapes differ");
  if (on_cuda("axpy", {&x, &y})) {
    cuda_twin::axpy(alpha, y, x);
    return;
  }
  for_each_row(x.rows(), x.cols(), [&](std::size_t i) {
    add_scaled(x.row(i).data(), y.row(i).data(), alpha, x.cols());
  });
}

namespace {

// Applies `op` to every index of every row of x, in parallel over rows, with the activation
// chosen outside the loops so that they vectorise.
template <typename Op>
void for_each_value(const Tensor& x, const Op& op) {
  for_each_row(x.rows(), x.cols(), [&](std::size_t i) {
    const std::size_t first = i * x.cols();
    for (std::size_t j = first; j < first + x.cols(); ++j)
      op(j);
  });
}

}  // namespace

void activate(Activation f, const Tensor& x, Tensor& y, float slope) {
  if (!x.same_shape(y)) throw InvalidArgument("activation: shapes differ");
  if (on_cuda("activation", {&x})) {
    cuda_twin::activate(f, x, y, slope);
    return;
  }
  on_cuda("activation", {&x, &y});
  const float* in = x.data();
  float* out = y.data();
  switch (f) {
    case Activation::none:
      for_each_value(x, [&](std::size_t j) { out[j] = in[j]; });
      return;
    case Activation::relu:
      for_each_value(x, [&](std::size_t j) { out[j] = in[j] > 0 ? in[j] : 0; });
      return;
    case Activation::elu:
      for_each_value(x, [&](std::size_t j) { out[j] = in[j] > 0 ? in[j] : std::expm1(in[j]); });
      return;
    case Activation::leaky_relu:
      for_each_value(x, [&](std::size_t j) { out[j] = in[j] > 0 ? in[j] : slope * in[j]; });
      return;
  }
}

void activate_backward(Activation f, const Tensor& y, const Tensor& dy, Tensor& dx, float slope) {
  if (!y.same_shape(dy) || !y.same_shape(dx))
    throw InvalidArgument("activation backward: shapes differ");
  if (on_cuda("activation backward", {&y, &dy})) {
    cuda_twin::activate_backward(f, y, dy, dx, slope);
    return;
  }
  on_cuda("activation backward", {&y, &dx});
  const Tensor& x = y;  // for_each_value's shape
  const float* out = y.data();
  const float* gradient = dy.data();
  float* result = dx.data();
  switch (f) {
    case Activation::none:
      for_each_value(x, [&](std::size_t j) { result[j] = gradient[j]; });
      return;
    case Activation::relu:
      for_each_value(x, [&](std::size_t j) { result[j] = out[j] > 0 ? gradient[j] : 0; });
      return;
    case Activation::elu:  // d/dx (e^x - 1) = e^x = y + 1
      for_each_value(x, [&](std::size_t j) {
        result[j] = out[j] > 0 ? gradient[j] : gradient[j] * (out[j] + 1);
      });
      return;
    case Activation::leaky_relu:
      for_each_value(
          x, [&](std::size_t j) { result[j] = out[j] > 0 ? gradient[j] : gradient[j] * slope; });
      return;
  }
}

namespace {

// p * 2^32: a value whose 32-bit draw is below this drops.
std::uint64_t drop_threshold(float p) {
  return static_cast<std::uint64_t>(static_cast<double>(p) * 4294967296.0);
}

// dropout_numbered() with the threshold and scale worked out. Pair k of the numbers (2k and
// 2k + 1) is decided by the stream's output k, in pairs without a branch, so that the loop
// vectorises (64-bit multiplies included); an odd first number and an odd end are decided
// alone.
GRAPHMINI_AVX2_CLONES void drop_numbered(float* values, float* mask, std::size_t count,
                                         std::uint64_t first, std::uint64_t seed,
                                         std::uint64_t threshold, float keep) {
  if (count == 0) return;
  std::size_t i = 0;
  if (first % 2 == 1) {
    mask[0] = (datasets::splitmix64(seed, first / 2) >> 32) < threshold ? 0.0f : keep;
    values[0] *= mask[0];
    i = 1;
  }
  const std::uint64_t pair = (first + i) / 2;
  const std::size_t pairs = (count - i) / 2;
  float* v = values + i;
  float* m = mask + i;
  for (std::size_t k = 0; k < pairs; ++k) {
    const std::uint64_t bits = datasets::splitmix64(seed, pair + k);
    const float low = (bits & 0xffffffffu) < threshold ? 0.0f : keep;
    const float high = (bits >> 32) < threshold ? 0.0f : keep;
    m[2 * k] = low;
    m[2 * k + 1] = high;
    v[2 * k] *= low;
    v[2 * k + 1] *= high;
  }
  if ((count - i) % 2 == 1) {
    const std::size_t last = count - 1;
    mask[last] = (datasets::splitmix64(seed, pair + pairs) & 0xffffffffu) < threshold ? 0.0f : keep;
    values[last] *= mask[last];
  }
}

// drop_numbered() for the values numbered first + offsets[i]: the half of output n / 2 that
// n's parity picks, in a loop that vectorises (per-lane shifts).
GRAPHMINI_AVX2_CLONES void drop_offsets(float* values, float* mask,
                                        std::span<const std::uint32_t> offsets, std::uint64_t first,
                                        std::uint64_t seed, std::uint64_t threshold, float keep) {
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const std::uint64_t n = first + offsets[i];
    const std::uint64_t draw = (datasets::splitmix64(seed, n / 2) >> (n % 2 * 32)) & 0xffffffffu;
    mask[i] = draw < threshold ? 0.0f : keep;
    values[i] *= mask[i];
  }
}

void check_dropout(std::size_t values, std::size_t width, std::span<const std::uint32_t> nodes,
                   float p) {
  if (!(p >= 0 && p < 1)) throw InvalidArgument("dropout " + std::to_string(p) + " not in [0, 1)");
  const bool rows_fit =
      width == 0 ? values == 0
                 : values % width == 0 && (nodes.empty() || nodes.size() == values / width);
  if (!rows_fit)
    throw InvalidArgument("dropout: " + std::to_string(values) + " values are not " +
                          std::to_string(nodes.size()) + " rows of " + std::to_string(width));
}

// dropout() into mask[0 .. values.size()), checked.
void drop(std::span<float> values, std::size_t width, std::span<const std::uint32_t> nodes, float p,
          std::mt19937_64& random, float* mask) {
  check_dropout(values.size(), width, nodes, p);
  if (p == 0) {
    std::fill_n(mask, values.size(), 1.0f);
    return;
  }
  const std::uint64_t threshold = drop_threshold(p);
  const float keep = 1.0f / (1.0f - p);
  const std::uint64_t seed = random();
  if (!nodes.empty()) {
    for_each_row(nodes.size(), width, [&](std::size_t i) {
      drop_numbered(values.data() + i * width, mask + i * width, width,
                    std::uint64_t{nodes[i]} * width, seed, threshold, keep);
    });
    return;
  }
  // Row i is node i: the numbers are the values' positions, cut into chunks.
  constexpr std::size_t kChunk = 8192;
  for_each_row((values.size() + kChunk - 1) / kChunk, kChunk, [&](std::size_t chunk) {
    const std::size_t first = chunk * kChunk;
    drop_numbered(values.data() + first, mask + first, std::min(kChunk, values.size() - first),
                  first, seed, threshold, keep);
  });
}

void multiply(std::span<float> gradient, const float* mask) {
  for_each_row(gradient.size(), 1, [&](std::size_t i) { gradient[i] *= mask[i]; });
}

}  // namespace

void dropout_numbered(float* values, float* mask, std::size_t count, std::uint64_t first,
                      std::uint64_t seed, float p) {
  drop_numbered(values, mask, count, first, seed, drop_threshold(p), 1.0f / (1.0f - p));
}

void dropout_numbered(float* values, float* mask, std::span<const std::uint32_t> offsets,
                      std::uint64_t first, std::uint64_t seed, float p) {
  drop_offsets(values, mask, offsets, first, seed, drop_threshold(p), 1.0f / (1.0f - p));
}

void dropout(std::span<float> values, std::size_t width, std::span<const std::uint32_t> nodes,
             float p, std::mt19937_64& random, std::vector<float>& mask) {
  check_dropout(values.size(), width, nodes, p);
  mask.resize(values.size());
  drop(values, width, nodes, p, random, mask.data());
}

void dropout_backward(std::span<float> gradient, const std::vector<float>& mask) {
  if (gradient.size() != mask.size()) throw InvalidArgument("dropout backward: sizes differ");
  multiply(gradient, mask.data());
}

void dropout(Tensor& x, std::span<const std::uint32_t> nodes, float p, std::mt19937_64& random,
             Tensor& mask) {
  if (!on_cuda("dropout", {&x})) {
    check_dropout(x.size(), x.cols(), nodes, p);
    if (mask.device() != DeviceKind::cpu) mask = Tensor();
    mask.resize(x.rows(), x.cols());
    drop(x.values(), x.cols(), nodes, p, random, mask.data());
    return;
  }
  check_dropout(x.size(), x.cols(), nodes, p);
  // The stream seed is drawn as the CPU draws it: not at all when nothing drops.
  cuda_twin::dropout(x, nodes, p, p == 0 ? 0 : random(), mask);
}

void dropout_backward(Tensor& gradient, const Tensor& mask) {
  if (!gradient.same_shape(mask)) throw InvalidArgument("dropout backward: shapes differ");
  if (on_cuda("dropout backward", {&gradient, &mask})) {
    cuda_twin::dropout_backward(gradient, mask);
    return;
  }
  multiply(gradient.values(), mask.data());
}

double log_softmax_nll(const Tensor& logits, std::span<const std::uint32_t> nodes,
                       std::span<const std::int32_t> labels, Tensor* gradient) {
  if (nodes.empty()) throw InvalidArgument("loss over no nodes");
  const std::size_t classes = logits.cols();
  for (const std::uint32_t node : nodes) {
    const std::int32_t label = labels[node];
    if (label < 0 || static_cast<std::size_t>(label) >= classes)
      throw InvalidArgument("node " + std::to_string(node) + " has label " + std::to_string(label) +
                            ", not in [0, " + std::to_string(classes) + ")");
  }
  if (on_cuda("loss", {&logits}))
    return cuda_twin::log_softmax_nll(logits, nodes, labels, gradient);
  if (gradient != nullptr) {
    gradient->resize(logits.rows(), logits.cols());
    gradient->fill(0);
  }
  // Each node's loss in parallel, summed in node order (the same for any thread count).
  std::vector<double> losses(nodes.size());
  const float scale = 1.0f / static_cast<float>(nodes.size());
  for_each_row(nodes.size(), 4 * classes, [&](std::size_t i) {
    const std::uint32_t node = nodes[i];
    const std::int32_t label = labels[node];
    const float* row = logits.row(node).data();
    const float largest = *std::max_element(row, row + classes);
    double sum = 0;
    for (std::size_t c = 0; c < classes; ++c)
      sum += std::exp(static_cast<double>(row[c] - largest));
    const double log_sum = std::log(sum) + largest;
    losses[i] = log_sum - row[label];
    if (gradient == nullptr) return;
    float* out = gradient->row(node).data();
    for (std::size_t c = 0; c < classes; ++c)
      out[c] = static_cast<float>(std::exp(row[c] - log_sum)) * scale;
    out[label] -= scale;
  });
  double loss = 0;
  for (const double l : losses)
    loss += l;
  return loss / static_cast<double>(nodes.size());
}

double accuracy(const Tensor& logits, std::span<const std::uint32_t> nodes,
                std::span<const std::int32_t> labels) {
  if (nodes.empty()) return 0;
  if (on_cuda("accuracy", {&logits})) {
    return static_cast<double>(cuda_twin::count_correct(logits, nodes, labels)) /
           static_cast<double>(nodes.size());
  }
  const std::size_t correct = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, nodes.size(), 1024), std::size_t{0},
      [&](const tbb::blocked_range<std::size_t>& range, std::size_t count) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const std::span<const float> row = logits.row(nodes[i]);
          const auto best = std::max_element(row.begin(), row.end()) - row.begin();
          count += best == labels[nodes[i]];
        }
        return count;
      },
      std::plus<>());
  return static_cast<double>(correct) / static_cast<double>(nodes.size());
}

}  // namespace graphmini::gnn
