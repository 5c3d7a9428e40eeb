#include "gnn/block.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "gnn/cuda_twins.h"
#include "gnn/parallel.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

// `rows` of x (kAllRows: all), checked.
std::size_t checked_rows(const SparseMatrix& x, std::size_t rows) {
  if (rows == kAllRows) return x.rows;
  if (rows > x.rows)
    throw InvalidArgument("sparse product over " + std::to_string(rows) + " rows of a matrix of " +
                          std::to_string(x.rows));
  return rows;
}

// What fill_reverse writes at an edge's slot in the reverse CSR.
enum class Reverse { destinations, edge_numbers };

// For every stored edge, at its slot in the reverse CSR (within a source, destinations
// ascend): its destination, or its number (its position in the forward CSR, moved by the
// loops before it when the block has self-loops).
void fill_reverse(std::span<const std::uint64_t> offsets, std::span<const std::uint32_t> sources,
                  std::span<const std::uint64_t> reverse_offsets, bool self_loops, Reverse what,
                  std::vector<std::uint32_t>& out) {
  out.resize(sources.size());
  std::vector<std::uint64_t> next(reverse_offsets.begin(), reverse_offsets.end() - 1);
  for (std::size_t d = 0; d + 1 < offsets.size(); ++d) {
    const std::uint64_t shift = self_loops ? d : 0;
    for (std::uint64_t e = offsets[d]; e < offsets[d + 1]; ++e) {
      out[next[sources[e]]++] =
          static_cast<std::uint32_t>(what == Reverse::destinations ? d : e + shift);
    }
  }
}

}  // namespace

Block::Block(std::size_t num_dst, std::size_t num_src, std::vector<std::uint64_t> offsets,
             std::vector<std::uint32_t> sources, std::vector<float> dst_norm,
             std::vector<float> src_norm, bool self_loops)
    : num_dst_(num_dst),
      num_src_(num_src),
      self_loops_(self_loops),
      dst_norm_(std::move(dst_norm)),
      src_norm_(std::move(src_norm)) {
  storage_->offsets = std::move(offsets);
  storage_->sources = std::move(sources);
  offsets_ = storage_->offsets;
  sources_ = storage_->sources;
  validate_and_prepare();
  // The reverse CSR by counting sort; within a source, destinations ascend.
  std::vector<std::uint64_t>& reverse_offsets = storage_->reverse_offsets;
  reverse_offsets.assign(num_src_ + 1, 0);
  for (const std::uint32_t s : sources_)
    ++reverse_offsets[s + 1];
  for (std::size_t s = 0; s < num_src_; ++s)
    reverse_offsets[s + 1] += reverse_offsets[s];
  reverse_offsets_ = reverse_offsets;
  fill_reverse(offsets_, sources_, reverse_offsets_, self_loops_, Reverse::destinations,
               storage_->reverse_targets);
  reverse_targets_ = storage_->reverse_targets;
}

Block::Block(std::size_t n, std::span<const std::uint64_t> offsets,
             std::span<const std::uint32_t> sources, std::vector<float> norm, bool self_loops)
    : num_dst_(n),
      num_src_(n),
      self_loops_(self_loops),
      offsets_(offsets),
      sources_(sources),
      reverse_offsets_(offsets),
      reverse_targets_(sources),
      dst_norm_(norm),
      src_norm_(std::move(norm)) {
  validate_and_prepare();
}

void Block::validate_and_prepare() {
  if (num_dst_ > num_src_)
    throw InvalidArgument("block with " + std::to_string(num_dst_) + " destinations but only " +
                          std::to_string(num_src_) + " sources");
  if (offsets_.size() != num_dst_ + 1 || offsets_.front() != 0 ||
      offsets_.back() != sources_.size() || !std::is_sorted(offsets_.begin(), offsets_.end())) {
    throw InvalidArgument("block offsets must run from 0 to the edge count, one per destination");
  }
  // Edge numbers are 4 bytes (the reverse edges'); 2^32 edges of 4-byte sources alone are
  // 16 GiB.
  if (num_edges() > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgument("a block of " + std::to_string(num_edges()) +
                          " edges; at most 2^32 - 1 are supported");
  }
  for (const std::uint32_t s : sources_) {
    if (s >= num_src_)
      throw InvalidArgument("block source " + std::to_string(s) + " is not below " +
                            std::to_string(num_src_));
  }
  if ((!dst_norm_.empty() || !src_norm_.empty()) &&
      (dst_norm_.size() != num_dst_ || src_norm_.size() != num_src_)) {
    throw InvalidArgument("block norms must have one entry per destination and per source");
  }
  inverse_degree_.resize(num_dst_);
  for (std::size_t d = 0; d < num_dst_; ++d) {
    const std::uint64_t degree = offsets_[d + 1] - offsets_[d] + (self_loops_ ? 1 : 0);
    inverse_degree_[d] = degree == 0 ? 0.0f : 1.0f / static_cast<float>(degree);
  }
}

const std::vector<std::uint32_t>& Block::reverse_edge_ids() const {
  std::call_once(storage_->reverse_edges_built, [&] {
    fill_reverse(offsets_, sources_, reverse_offsets_, self_loops_, Reverse::edge_numbers,
                 storage_->reverse_edges);
  });
  return storage_->reverse_edges;
}

Block Block::whole_graph(const Graph& graph, bool self_loops) {
  if (graph.orientation() != Orientation::undirected)
    throw InvalidArgument("GNN training needs an undirected graph");
  const std::size_t n = graph.num_vertices();
  std::vector<float> norm;
  if (self_loops) {
    norm.resize(n);
    for (std::size_t v = 0; v < n; ++v)
      norm[v] = 1.0f / std::sqrt(static_cast<float>(graph.degree(static_cast<VertexId>(v)) + 1));
  }
  // An undirected graph's lists are sorted and symmetric: the block is its own reverse.
  return Block(n, graph.offsets(), graph.adjacency(), std::move(norm), self_loops);
}

std::size_t Block::bytes() const {
  const Storage& s = *storage_;
  return (s.offsets.size() + s.reverse_offsets.size()) * sizeof(std::uint64_t) +
         (s.sources.size() + s.reverse_targets.size() + s.reverse_edges.size()) *
             sizeof(std::uint32_t) +
         (dst_norm_.size() + src_norm_.size() + inverse_degree_.size()) * sizeof(float);
}

void Block::aggregate(Aggregation kind, const Tensor& in, Tensor& out) const {
  require_shape(out, num_dst_, in.cols(), "aggregate output");
  aggregate_rows(kind, in, out, 0);
}

void Block::aggregate_rows(Aggregation kind, const Tensor& in, Tensor& out,
                           std::size_t first) const {
  if (kind == Aggregation::gcn && !has_norms())
    throw InvalidArgument("gcn aggregation over a block without norms");
  const std::size_t width = in.cols();
  require_shape(in, num_src_, width, "aggregate input");
  if (first > num_dst_ || out.rows() > num_dst_ - first)
    throw InvalidArgument("aggregating destinations " + std::to_string(first) + " .. " +
                          std::to_string(first + out.rows()) + " of " + std::to_string(num_dst_));
  require_shape(out, out.rows(), width, "aggregate output");
  if (in.device() == DeviceKind::cuda) {
    aggregate_rows_on_device(kind, in, out, first);
    return;
  }
  for_each_row(out.rows(), 4 * width, [&](std::size_t row) {
    const std::size_t d = first + row;
    float* target = out.row(row).data();
    std::fill_n(target, width, 0.0f);
    const float row_scale = kind == Aggregation::gcn    ? dst_norm_[d]
                            : kind == Aggregation::mean ? inverse_degree_[d]
                                                        : 1.0f;
    const float* index_scales = kind == Aggregation::gcn ? src_norm_.data() : nullptr;
    gather_rows(target, width, in.data(), width, sources_.data() + offsets_[d],
                offsets_[d + 1] - offsets_[d], nullptr, index_scales, row_scale);
    const auto loop = static_cast<std::uint32_t>(d);
    if (self_loops_)
      gather_rows(target, width, in.data(), width, &loop, 1, nullptr, index_scales, row_scale);
  });
}

void Block::aggregate_backward(Aggregation kind, const Tensor& d_out, Tensor& d_in) const {
  if (kind == Aggregation::gcn && !has_norms())
    throw InvalidArgument("gcn aggregation over a block without norms");
  const std::size_t width = d_out.cols();
  require_shape(d_out, num_dst_, width, "aggregate gradient");
  require_shape(d_in, num_src_, width, "aggregate input gradient");
  if (d_out.device() == DeviceKind::cuda) {
    aggregate_backward_on_device(kind, d_out, d_in);
    return;
  }
  // The transpose of the forward weights: w(d, s) read from source s's side.
  const float* index_scales = kind == Aggregation::gcn    ? dst_norm_.data()
                              : kind == Aggregation::mean ? inverse_degree_.data()
                                                          : nullptr;
  for_each_row(num_src_, 4 * width, [&](std::size_t s) {
    float* target = d_in.row(s).data();
    std::fill_n(target, width, 0.0f);
    const float row_scale = kind == Aggregation::gcn ? src_norm_[s] : 1.0f;
    gather_rows(target, width, d_out.data(), width, reverse_targets_.data() + reverse_offsets_[s],
                reverse_offsets_[s + 1] - reverse_offsets_[s], nullptr, index_scales, row_scale);
    const auto loop = static_cast<std::uint32_t>(s);
    if (self_loops_ && s < num_dst_)
      gather_rows(target, width, d_out.data(), width, &loop, 1, nullptr, index_scales, row_scale);
  });
}

SparseMatrix SparseMatrix::from(const SparseFeatures& features) {
  SparseMatrix x;
  x.rows = features.rows;
  x.cols = features.cols;
  x.offsets = features.offsets;
  x.columns = features.columns;
  x.values = features.values;
  return x;
}

void sparse_matmul(const SparseMatrix& x, const Tensor& w, Tensor& out, std::size_t rows,
                   float beta) {
  rows = checked_rows(x, rows);
  require_shape(w, x.cols, w.cols(), "sparse matmul weights");
  require_shape(out, rows, w.cols(), "sparse matmul output");
  const std::size_t width = w.cols();
  for_each_row(rows, 4 * width, [&](std::size_t i) {
    float* target = out.row(i).data();
    if (beta == 0) {
      std::fill_n(target, width, 0.0f);
    } else if (beta != 1) {
      for (std::size_t j = 0; j < width; ++j)
        target[j] *= beta;
    }
    gather_rows(target, width, w.data(), width, x.columns.data() + x.offsets[i],
                x.offsets[i + 1] - x.offsets[i], x.values.data() + x.offsets[i], nullptr, 1.0f);
  });
}

void sparse_transpose_matmul(const SparseMatrix& x, const Tensor& d_out, Tensor& d_w,
                             std::size_t rows) {
  rows = checked_rows(x, rows);
  require_shape(d_out, rows, d_out.cols(), "sparse matmul gradient");
  require_shape(d_w, x.cols, d_out.cols(), "sparse matmul weight gradient");
  // x^T by counting sort (rows ascending within a column), then a gather per row of d_w:
  // parallel, and the sums run in row order for any thread count. Cheaper than scattering
  // each non-zero, and the values change every epoch (dropout), so it is not kept.
  const std::uint64_t entries = x.offsets[rows];
  std::vector<std::uint64_t> offsets(x.cols + 1, 0);
  for (std::uint64_t e = 0; e < entries; ++e)
    ++offsets[x.columns[e] + 1];
  for (std::size_t c = 0; c < x.cols; ++c)
    offsets[c + 1] += offsets[c];
  std::vector<std::uint32_t> row_of(entries);
  std::vector<float> values(entries);
  std::vector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::uint64_t e = x.offsets[i]; e < x.offsets[i + 1]; ++e) {
      const std::uint64_t at = next[x.columns[e]]++;
      row_of[at] = static_cast<std::uint32_t>(i);
      values[at] = x.values[e];
    }
  }
  const std::size_t width = d_out.cols();
  for_each_row(x.cols, 4 * width, [&](std::size_t c) {
    gather_rows(d_w.row(c).data(), width, d_out.data(), width, row_of.data() + offsets[c],
                offsets[c + 1] - offsets[c], values.data() + offsets[c], nullptr, 1.0f);
  });
}

void dropout(SparseMatrix& x, std::span<const std::uint32_t> nodes, float p,
             std::mt19937_64& random, std::vector<float>& mask) {
  if (!(p >= 0 && p < 1)) throw InvalidArgument("dropout " + std::to_string(p) + " not in [0, 1)");
  if (!nodes.empty() && nodes.size() != x.rows)
    throw InvalidArgument("dropout: " + std::to_string(nodes.size()) + " nodes for " +
                          std::to_string(x.rows) + " rows");
  mask.resize(x.values.size());
  if (p == 0) {
    std::fill(mask.begin(), mask.end(), 1.0f);
    return;
  }
  const std::uint64_t seed = random();
  for_each_row(x.rows, 16, [&](std::size_t i) {
    const std::uint64_t first = x.offsets[i];
    const std::span<const std::uint32_t> columns(x.columns.data() + first,
                                                 x.offsets[i + 1] - first);
    dropout_numbered(x.values.data() + first, mask.data() + first, columns,
                     std::uint64_t{nodes.empty() ? i : nodes[i]} * x.cols, seed, p);
  });
}

void Block::set_node_ids(std::vector<std::uint32_t> ids) {
  if (ids.size() != num_src_)
    throw InvalidArgument(std::to_string(ids.size()) + " node ids for a block of " +
                          std::to_string(num_src_) + " sources");
  node_ids_ = std::move(ids);
}

}  // namespace graphmini::gnn
