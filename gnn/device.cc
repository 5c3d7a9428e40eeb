// The one place where the operators choose their device (gnn/device.h): the device selection,
// the storage of CUDA tensors and blocks, and the CUDA twins of the operators
// (gnn/cuda_twins.h), each a thin call of gnn/cuda/device_ops.h. Without CUDA the same
// functions exist and throw the error select_device() gives, so that nothing else in the
// library needs an #ifdef.
#include "gnn/device.h"

#include <string>

#include "gnn/block.h"
#include "gnn/cuda_twins.h"
#include "gnn/model.h"
#include "gnn/tensor.h"
#include "runtime/error.h"
#include "runtime/parse_number.h"

#if GRAPHMINI_WITH_CUDA
#include <mutex>
#include <vector>

#include "gnn/cuda/device_ops.h"
#endif

namespace graphmini::gnn {

Device parse_device(std::string_view text) {
  if (text == "cpu") return {};
  if (text == "cuda") return {DeviceKind::cuda, 0};
  if (text.starts_with("cuda:")) {
    if (const std::optional<int> index = parse_number<int>(text.substr(5), 0, 1023))
      return {DeviceKind::cuda, *index};
  }
  throw InvalidArgument("device must be cpu, cuda or cuda:N (N from 0), not '" + std::string(text) +
                        "'");
}

std::string to_string(Device device) {
  return device.kind == DeviceKind::cpu ? "cpu" : "cuda:" + std::to_string(device.index);
}

#if GRAPHMINI_WITH_CUDA

bool cuda_built() {
  return true;
}

namespace {

// Why this process cannot run CUDA tensors ("" when it can), asked of the runtime once.
const std::string& cuda_unusable() {
  static const std::string reason = [] {
    const int count = cuda::device_count();
    return count > 0 ? std::string()
                     : "no usable CUDA GPU on this machine (" + cuda::no_device_reason() + ")";
  }();
  return reason;
}

void require_cuda() {
  if (!cuda_unusable().empty()) throw Error(cuda_unusable());
}

}  // namespace

void select_device(Device device) {
  if (device.kind == DeviceKind::cpu) return;
  require_cuda();
  const int count = cuda::device_count();
  if (device.index >= count)
    throw Error(to_string(device) + " asked for, but this machine has " + std::to_string(count) +
                " CUDA GPU" + (count == 1 ? "" : "s") +
                " (cuda:0 .. cuda:" + std::to_string(count - 1) + ")");
  cuda::use_device(device.index);
}

std::string device_name(Device device) {
  return device.kind == DeviceKind::cpu ? "" : cuda::device_name(device.index);
}

void finish_queued_work(DeviceKind device) {
  if (device == DeviceKind::cuda) cuda::synchronize();
}

std::size_t device_peak_bytes() {
  return cuda_unusable().empty() ? cuda::device_memory_statistics().peak_bytes_in_use : 0;
}

void reset_device_peak() {
  if (cuda_unusable().empty()) cuda::reset_device_memory_peak();
}

// ---- Tensors --------------------------------------------------------------------------------
void Tensor::DeviceFree::operator()(cuda::DeviceMatrix* p) const {
  delete p;
}

namespace cuda_twin {

cuda::DeviceMatrix* new_matrix(std::size_t rows, std::size_t cols) {
  require_cuda();
  return new cuda::DeviceMatrix(rows, cols);
}

void resize(cuda::DeviceMatrix& m, std::size_t rows, std::size_t cols) {
  m.resize(rows, cols);
}

void zero(cuda::DeviceMatrix& m) {
  m.fill_zero();
}

void copy(const cuda::DeviceMatrix& from, cuda::DeviceMatrix& to) {
  to.copy_within_device(from.data(), from.size());
}

}  // namespace cuda_twin

Tensor Tensor::to(DeviceKind device) const {
  if (device == this->device()) return *this;
  Tensor copy(rows_, cols_, device);
  if (device == DeviceKind::cuda) {
    copy.device_->upload_from(data());
  } else {
    device_->download_to(copy.data());
  }
  return copy;
}

const cuda::DeviceMatrix& Tensor::device_matrix() const {
  if (!device_) throw InvalidArgument("a CPU tensor has no device storage");
  return *device_;
}

cuda::DeviceMatrix& Tensor::device_matrix() {
  if (!device_) throw InvalidArgument("a CPU tensor has no device storage");
  return *device_;
}

// ---- Blocks ---------------------------------------------------------------------------------
// The block's CSR with each destination's self-loop after its stored edges (as the CPU's
// gather adds it last), its transpose, and the entry weights of each aggregation.
struct DeviceBlock {
  cuda::DeviceCsr csr;
  cuda::TransposedCsr transposed;
  cuda::DeviceArray<float> sum;
  cuda::DeviceArray<float> mean;
  cuda::DeviceArray<float> gcn;

  const cuda::DeviceArray<float>& weights(Aggregation kind) const {
    return kind == Aggregation::gcn ? gcn : kind == Aggregation::mean ? mean : sum;
  }
};

void Block::DeviceBlockFree::operator()(DeviceBlock* p) const {
  delete p;
}

const DeviceBlock& Block::device_block() const {
  std::call_once(storage_->device_built, [&] {
    std::vector<std::uint64_t> offsets(num_dst_ + 1, 0);
    std::vector<std::uint32_t> indices;
    indices.reserve(num_edges());
    for (std::size_t d = 0; d < num_dst_; ++d) {
      const std::span<const std::uint32_t> stored = in_neighbours(d);
      indices.insert(indices.end(), stored.begin(), stored.end());
      if (self_loops_) indices.push_back(static_cast<std::uint32_t>(d));
      offsets[d + 1] = indices.size();
    }
    auto device = std::make_unique<DeviceBlock>();
    device->csr = cuda::upload_csr(num_src_, offsets, indices);
    device->transposed = cuda::upload_transposed_csr(num_src_, offsets, indices);
    device->sum = cuda::entry_weights(device->csr, nullptr, nullptr, nullptr);
    const cuda::DeviceArray<float> inverse_degree{std::span<const float>(inverse_degree_)};
    device->mean = cuda::entry_weights(device->csr, nullptr, nullptr, inverse_degree.data());
    if (has_norms()) {
      const cuda::DeviceArray<float> dst_norm{std::span<const float>(dst_norm_)};
      const cuda::DeviceArray<float> src_norm{std::span<const float>(src_norm_)};
      device->gcn = cuda::entry_weights(device->csr, nullptr, src_norm.data(), dst_norm.data());
    }
    storage_->device.reset(device.release());
  });
  return *storage_->device;
}

namespace {

// `out` on the device with its shape, for an operator that overwrites it.
void place(Tensor& out, std::size_t rows, std::size_t cols) {
  out.resize(rows, cols, DeviceKind::cuda);
}

void require_device(const Tensor& t, const char* what) {
  if (t.device() != DeviceKind::cuda)
    throw InvalidArgument(std::string(what) + ": a CPU operand among CUDA ones");
}

// Host ids or labels as a device array.
template <typename T>
cuda::DeviceArray<T> upload(std::span<const T> values) {
  return cuda::DeviceArray<T>(values);
}

}  // namespace

void Block::to(DeviceKind device) const {
  if (device == DeviceKind::cuda) device_block();
}

void Block::aggregate_rows_on_device(Aggregation kind, const Tensor& in, Tensor& out,
                                     std::size_t first) const {
  const DeviceBlock& device = device_block();
  place(out, out.rows(), out.cols());
  if (first == 0 && out.rows() == num_dst_) {
    cuda::aggregate(device.csr, device.weights(kind), in.device_matrix(), out.device_matrix());
  } else {
    cuda::aggregate_rows(device.csr, device.weights(kind), in.device_matrix(), out.device_matrix(),
                         first);
  }
}

void Block::aggregate_backward_on_device(Aggregation kind, const Tensor& d_out,
                                         Tensor& d_in) const {
  const DeviceBlock& device = device_block();
  place(d_in, d_in.rows(), d_in.cols());
  cuda::aggregate_backward(device.transposed, device.weights(kind), d_out.device_matrix(),
                           d_in.device_matrix());
}

// ---- Operators ------------------------------------------------------------------------------
namespace cuda_twin {

void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
            float beta, std::size_t a_rows) {
  require_device(b, "matmul");
  if (beta != 0) {
    require_device(out, "matmul");
  } else {
    place(out, out.rows(), out.cols());
  }
  cuda::matmul(a.device_matrix(), transpose_a, b.device_matrix(), transpose_b, out.device_matrix(),
               beta, a_rows);
}

void add_bias(Tensor& x, const Tensor& bias) {
  require_device(bias, "add_bias");
  cuda::add_bias(x.device_matrix(), bias.device_matrix().data());
}

void add_column_sums(const Tensor& x, Tensor& gradient) {
  require_device(gradient, "add_column_sums");
  cuda::add_column_sums(x.device_matrix(), gradient.device_matrix().data());
}

void copy_rows(const Tensor& from, Tensor& to, std::size_t first) {
  require_device(to, "copy_rows");
  to.device_matrix().copy_within_device(from.device_matrix().data(), from.size(),
                                        first * to.cols());
}

void axpy(float alpha, const Tensor& y, Tensor& x) {
  require_device(x, "axpy");
  cuda::axpy(alpha, y.device_matrix(), x.device_matrix());
}

void activate(Activation f, const Tensor& x, Tensor& y, float slope) {
  place(y, x.rows(), x.cols());
  cuda::activate(static_cast<cuda::Activation>(f), x.device_matrix(), y.device_matrix(), slope);
}

void activate_backward(Activation f, const Tensor& y, const Tensor& dy, Tensor& dx, float slope) {
  require_device(dy, "activation backward");
  place(dx, y.rows(), y.cols());
  cuda::activate_backward(static_cast<cuda::Activation>(f), y.device_matrix(), dy.device_matrix(),
                          dx.device_matrix(), slope);
}

void dropout(Tensor& x, std::span<const std::uint32_t> nodes, float p, std::uint64_t seed,
             Tensor& mask) {
  place(mask, x.rows(), x.cols());
  const cuda::DeviceArray<std::uint32_t> device_nodes = upload(nodes);
  cuda::dropout(x.device_matrix(), nodes.empty() ? nullptr : device_nodes.data(), p, seed,
                mask.device_matrix());
}

void dropout_backward(Tensor& gradient, const Tensor& mask) {
  require_device(mask, "dropout backward");
  cuda::dropout_backward(gradient.device_matrix(), mask.device_matrix());
}

double log_softmax_nll(const Tensor& logits, std::span<const std::uint32_t> nodes,
                       std::span<const std::int32_t> labels, Tensor* gradient) {
  const cuda::DeviceArray<std::uint32_t> device_nodes = upload(nodes);
  const cuda::DeviceArray<std::int32_t> device_labels = upload(labels);
  if (gradient != nullptr) place(*gradient, logits.rows(), logits.cols());
  return cuda::log_softmax_nll(logits.device_matrix(), device_nodes.data(), nodes.size(),
                               device_labels.data(),
                               gradient != nullptr ? &gradient->device_matrix() : nullptr);
}

std::size_t count_correct(const Tensor& logits, std::span<const std::uint32_t> nodes,
                          std::span<const std::int32_t> labels) {
  const cuda::DeviceArray<std::uint32_t> device_nodes = upload(nodes);
  const cuda::DeviceArray<std::int32_t> device_labels = upload(labels);
  return cuda::count_correct(logits.device_matrix(), device_nodes.data(), nodes.size(),
                             device_labels.data());
}

void gather(const Tensor& x, std::span<const std::uint32_t> nodes, Tensor& out) {
  place(out, nodes.size(), x.cols());
  const cuda::DeviceArray<std::uint32_t> device_nodes = upload(nodes);
  cuda::gather(x.device_matrix(), device_nodes.data(), nodes.size(), out.device_matrix());
}

void head_scores(const Tensor& z, const Tensor& attention, std::size_t rows, Tensor& scores) {
  place(scores, rows, attention.rows());
  cuda::head_scores(z.device_matrix(), attention.device_matrix(), rows, scores.device_matrix());
}

void add_head_scores_backward(const Tensor& d_scores, const Tensor& attention, Tensor& d_z) {
  cuda::add_head_scores_backward(d_scores.device_matrix(), attention.device_matrix(),
                                 d_z.device_matrix());
}

void add_head_scores_gradient(const Tensor& z, const Tensor& d_scores, Tensor& d_attention) {
  cuda::add_head_scores_gradient(z.device_matrix(), d_scores.device_matrix(),
                                 d_attention.device_matrix());
}

void mean_of_heads(const Tensor& x, std::size_t heads, Tensor& out, std::size_t first) {
  cuda::mean_of_heads(x.device_matrix(), heads, out.device_matrix(), first);
}

void mean_of_heads_backward(const Tensor& d_out, std::size_t heads, Tensor& d_x) {
  place(d_x, d_out.rows(), heads * d_out.cols());
  cuda::mean_of_heads_backward(d_out.device_matrix(), heads, d_x.device_matrix());
}

void edge_softmax(const Block& block, const Tensor& left, const Tensor& right, float slope,
                  std::size_t first, std::size_t last, Tensor& raw, Tensor& alpha) {
  const std::uint64_t base = block.first_edge(first);
  const std::size_t entries = block.first_edge(last) - base;
  place(raw, entries, left.cols());
  place(alpha, entries, left.cols());
  cuda::edge_softmax(block.device_block().csr, first, last - first, base, entries,
                     left.device_matrix(), right.device_matrix(), slope, raw.device_matrix(),
                     alpha.device_matrix());
}

void edge_softmax_backward(const Block& block, const Tensor& raw, const Tensor& alpha, float slope,
                           Tensor& gradient, Tensor& d_right, Tensor& d_left) {
  const DeviceBlock& device = block.device_block();
  place(d_right, block.num_dst(), raw.cols());
  place(d_left, block.num_src(), raw.cols());
  cuda::edge_softmax_backward(device.csr, device.transposed, raw.device_matrix(),
                              alpha.device_matrix(), slope, gradient.device_matrix(),
                              d_right.device_matrix(), d_left.device_matrix());
}

void attention_dropout(const Block& block, std::size_t first, std::size_t last, float p,
                       std::uint64_t seed, Tensor& attention, Tensor& mask) {
  place(mask, attention.rows(), attention.cols());
  const std::span<const std::uint32_t> nodes = block.node_ids();
  const cuda::DeviceArray<std::uint32_t> device_nodes = upload(nodes);
  cuda::attention_dropout(block.device_block().csr, first, last - first, block.first_edge(first),
                          nodes.empty() ? nullptr : device_nodes.data(), seed, p,
                          attention.device_matrix(), mask.device_matrix());
}

void aggregate_heads(const Block& block, const Tensor& attention, const Tensor& z,
                     std::size_t first, std::size_t last, Tensor& out) {
  place(out, last - first, z.cols());
  cuda::aggregate_heads(block.device_block().csr, first, last - first, block.first_edge(first),
                        attention.device_matrix(), z.device_matrix(), out.device_matrix());
}

void aggregate_heads_backward(const Block& block, const Tensor& attention, const Tensor& d_out,
                              Tensor& d_z) {
  place(d_z, block.num_src(), d_out.cols());
  cuda::aggregate_heads_backward(block.device_block().transposed, attention.device_matrix(),
                                 d_out.device_matrix(), d_z.device_matrix());
}

void attention_gradient(const Block& block, const Tensor& d_out, const Tensor& z, std::size_t heads,
                        Tensor& d_attention) {
  place(d_attention, block.num_edges(), heads);
  cuda::attention_gradient(block.device_block().csr, d_out.device_matrix(), z.device_matrix(),
                           heads, d_attention.device_matrix());
}

void optimizer_step(const OptimizerOptions& options, float inverse_correction1,
                    float inverse_correction2, Tensor& value, const Tensor& gradient, Tensor& m,
                    Tensor& v) {
  require_device(gradient, "optimizer step");
  if (options.kind == OptimizerOptions::Kind::sgd) {
    cuda::sgd_step(options.learning_rate, options.weight_decay, value.device_matrix().data(),
                   gradient.device_matrix().data(), value.size());
    return;
  }
  require_device(m, "optimizer step");
  require_device(v, "optimizer step");
  cuda::adam_step({options.learning_rate, options.weight_decay, options.beta1, options.beta2,
                   options.epsilon, inverse_correction1, inverse_correction2},
                  value.device_matrix().data(), gradient.device_matrix().data(),
                  m.device_matrix().data(), v.device_matrix().data(), value.size());
}

}  // namespace cuda_twin

#else  // no CUDA: no CUDA tensor or block can exist, and asking for one says why.

bool cuda_built() {
  return false;
}

namespace {

[[noreturn]] void no_cuda() {
  throw Error(
      "this graphmini was built without CUDA (GRAPHMINI_WITH_CUDA is off: the CUDA toolkit was "
      "not found when it was configured)");
}

}  // namespace

void select_device(Device device) {
  if (device.kind == DeviceKind::cuda) no_cuda();
}
std::string device_name(Device) {
  return "";
}
void finish_queued_work(DeviceKind) {}
std::size_t device_peak_bytes() {
  return 0;
}
void reset_device_peak() {}

void Tensor::DeviceFree::operator()(cuda::DeviceMatrix*) const {}
Tensor Tensor::to(DeviceKind device) const {
  if (device == DeviceKind::cuda) no_cuda();
  return *this;
}
const cuda::DeviceMatrix& Tensor::device_matrix() const {
  no_cuda();
}
cuda::DeviceMatrix& Tensor::device_matrix() {
  no_cuda();
}

struct DeviceBlock {};
void Block::DeviceBlockFree::operator()(DeviceBlock*) const {}
void Block::to(DeviceKind device) const {
  if (device == DeviceKind::cuda) no_cuda();
}
const DeviceBlock& Block::device_block() const {
  no_cuda();
}
void Block::aggregate_rows_on_device(Aggregation, const Tensor&, Tensor&, std::size_t) const {
  no_cuda();
}
void Block::aggregate_backward_on_device(Aggregation, const Tensor&, Tensor&) const {
  no_cuda();
}

namespace cuda_twin {
cuda::DeviceMatrix* new_matrix(std::size_t, std::size_t) {
  no_cuda();
}
void resize(cuda::DeviceMatrix&, std::size_t, std::size_t) {
  no_cuda();
}
void zero(cuda::DeviceMatrix&) {
  no_cuda();
}
void copy(const cuda::DeviceMatrix&, cuda::DeviceMatrix&) {
  no_cuda();
}
void matmul(const Tensor&, bool, const Tensor&, bool, Tensor&, float, std::size_t) {
  no_cuda();
}
void add_bias(Tensor&, const Tensor&) {
  no_cuda();
}
void add_column_sums(const Tensor&, Tensor&) {
  no_cuda();
}
void copy_rows(const Tensor&, Tensor&, std::size_t) {
  no_cuda();
}
void axpy(float, const Tensor&, Tensor&) {
  no_cuda();
}
void activate(Activation, const Tensor&, Tensor&, float) {
  no_cuda();
}
void activate_backward(Activation, const Tensor&, const Tensor&, Tensor&, float) {
  no_cuda();
}
void dropout(Tensor&, std::span<const std::uint32_t>, float, std::uint64_t, Tensor&) {
  no_cuda();
}
void dropout_backward(Tensor&, const Tensor&) {
  no_cuda();
}
double log_softmax_nll(const Tensor&, std::span<const std::uint32_t>, std::span<const std::int32_t>,
                       Tensor*) {
  no_cuda();
}
std::size_t count_correct(const Tensor&, std::span<const std::uint32_t>,
                          std::span<const std::int32_t>) {
  no_cuda();
}
void gather(const Tensor&, std::span<const std::uint32_t>, Tensor&) {
  no_cuda();
}
void optimizer_step(const OptimizerOptions&, float, float, Tensor&, const Tensor&, Tensor&,
                    Tensor&) {
  no_cuda();
}
void head_scores(const Tensor&, const Tensor&, std::size_t, Tensor&) {
  no_cuda();
}
void add_head_scores_backward(const Tensor&, const Tensor&, Tensor&) {
  no_cuda();
}
void add_head_scores_gradient(const Tensor&, const Tensor&, Tensor&) {
  no_cuda();
}
void mean_of_heads(const Tensor&, std::size_t, Tensor&, std::size_t) {
  no_cuda();
}
void mean_of_heads_backward(const Tensor&, std::size_t, Tensor&) {
  no_cuda();
}
void edge_softmax(const Block&, const Tensor&, const Tensor&, float, std::size_t, std::size_t,
                  Tensor&, Tensor&) {
  no_cuda();
}
void edge_softmax_backward(const Block&, const Tensor&, const Tensor&, float, Tensor&, Tensor&,
                           Tensor&) {
  no_cuda();
}
void attention_dropout(const Block&, std::size_t, std::size_t, float, std::uint64_t, Tensor&,
                       Tensor&) {
  no_cuda();
}
void aggregate_heads(const Block&, const Tensor&, const Tensor&, std::size_t, std::size_t,
                     Tensor&) {
  no_cuda();
}
void aggregate_heads_backward(const Block&, const Tensor&, const Tensor&, Tensor&) {
  no_cuda();
}
void attention_gradient(const Block&, const Tensor&, const Tensor&, std::size_t, Tensor&) {
  no_cuda();
}
}  // namespace cuda_twin

#endif

}  // namespace graphmini::gnn
