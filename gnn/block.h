// Blocks: the bipartite graphs that GNN layers aggregate over, and the sparse operators on them.
//
// A block has `num_dst` destination nodes and `num_src` source nodes in local ids, with the
// destination nodes first among the sources (source i < num_dst is destination i), as in DGL's
// message-flow graphs. Its edges are a CSR over destinations: destination d receives from
// sources[offsets[d] .. offsets[d+1]). The full-graph trainer passes the whole graph as one
// block per layer (every node is both); the mini-batch trainer passes sampled blocks. Each
// block also has the reverse CSR (over sources), which the backward pass of aggregation
// walks, so that both directions are gathers: parallel over rows and free of atomics.
//
// Self-loops (GCN's A + I, GAT's attention to the node itself) are not stored: a block built
// with them gives every destination d one more in-edge, from source d, after its stored ones.
// Edges are numbered destination by destination, each destination's stored edges and then
// its loop, so that per-edge values (GAT's attention) lie contiguously per destination.
//
// On the CUDA device (gnn/device.h), aggregation runs over a device copy of the block's CSR,
// with each destination's self-loop stored after its edges, its transpose and the weights of
// each aggregation, made on the first aggregation of a CUDA tensor and kept with the block.
//
// Memory: the whole graph is undirected, so its block is its own reverse and stores none; it
// is a view of the graph's own CSR and copies nothing, with or without self-loops. Sampled
// blocks own their CSR and build the reverse. The numbers of the reverse edges (GAT's
// backward pass needs them) are 4-byte ids, built on first use.
//
// Aggregations, for destination d with in-neighbours S(d):
//   sum    out[d] = sum over s in S(d) of in[s]
//   mean   out[d] = sum over s in S(d) of in[s] / |S(d)|       (0 when S(d) is empty)
//   gcn    out[d] = sum over s in S(d) of in[s] / sqrt(deg(d) deg(s))
// where S(d) includes d itself in a block with self-loops, and for gcn deg are the degrees
// given when the block was built (Kipf and Welling's symmetric normalisation of A + I).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <vector>

#include "gnn/tensor.h"
#include "runtime/graph.h"
#include "runtime/node_data.h"

namespace graphmini::gnn {

enum class Aggregation { sum, mean, gcn };

struct DeviceBlock;  // the device copy (gnn/device.cc)

class Block {
 public:
  Block() = default;
  // Throws InvalidArgument unless offsets has num_dst + 1 non-decreasing entries from 0 to
  // sources.size(), every source is < num_src, num_dst <= num_src, there are fewer than 2^32
  // edges (loops included) and the norms, when given (gcn), have num_dst and num_src entries.
  // The sources are the stored in-edges; `self_loops` adds each destination's loop.
  Block(std::size_t num_dst, std::size_t num_src, std::vector<std::uint64_t> offsets,
        std::vector<std::uint32_t> sources, std::vector<float> dst_norm = {},
        std::vector<float> src_norm = {}, bool self_loops = false);
  // A block points into its own storage (or the graph's): moved, never copied.
  Block(Block&&) = default;
  Block& operator=(Block&&) = default;
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // The whole graph as one block, a view of the graph's CSR, which must outlive it; with
  // `self_loops`, every node also receives from itself and the gcn norms 1/sqrt(degree + 1)
  // are set.
  static Block whole_graph(const Graph& graph, bool self_loops);

  std::size_t num_dst() const { return num_dst_; }
  std::size_t num_src() const { return num_src_; }
  bool self_loops() const { return self_loops_; }
  // All edges, the self-loops included.
  std::size_t num_edges() const { return sources_.size() + (self_loops_ ? num_dst_ : 0); }
  // The stored in-neighbours of d (its self-loop, if any, is not among them).
  std::span<const std::uint32_t> in_neighbours(std::size_t d) const {
    return sources_.subspan(offsets_[d], offsets_[d + 1] - offsets_[d]);
  }
  // The stored destinations that receive from source s (the reverse CSR).
  std::span<const std::uint32_t> out_neighbours(std::size_t s) const {
    return reverse_targets_.subspan(reverse_offsets_[s],
                                    reverse_offsets_[s + 1] - reverse_offsets_[s]);
  }
  // d's in-edges are numbered first_edge(d), first_edge(d) + 1, ...: the stored ones in order,
  // then the loop.
  std::uint64_t first_edge(std::size_t d) const { return offsets_[d] + (self_loops_ ? d : 0); }
  // f(source, edge number) for every in-edge of d, the loop last.
  template <typename F>
  void for_each_in_edge(std::size_t d, const F& f) const {
    const std::uint64_t first = first_edge(d);
    const std::span<const std::uint32_t> sources = in_neighbours(d);
    for (std::size_t i = 0; i < sources.size(); ++i)
      f(sources[i], first + i);
    if (self_loops_) f(static_cast<std::uint32_t>(d), first + sources.size());
  }
  // f(destination, edge number) for every edge leaving source s, the loop last.
  template <typename F>
  void for_each_out_edge(std::size_t s, const F& f) const {
    const std::span<const std::uint32_t> targets = out_neighbours(s);
    const std::uint32_t* ids = reverse_edge_ids().data() + reverse_offsets_[s];
    for (std::size_t i = 0; i < targets.size(); ++i)
      f(targets[i], std::uint64_t{ids[i]});
    if (self_loops_ && s < num_dst_)
      f(static_cast<std::uint32_t>(s), first_edge(s) + in_neighbours(s).size());
  }
  bool has_norms() const { return !dst_norm_.empty(); }
  // The node of the whole graph that each source is (the destinations being the first
  // sources), for what must not depend on where a node sits in a block (dropout's masks);
  // empty for a block whose local ids are the global ones (the whole graph's).
  std::span<const std::uint32_t> node_ids() const { return node_ids_; }
  // Throws InvalidArgument unless there is one id per source.
  void set_node_ids(std::vector<std::uint32_t> ids);
  // The bytes the block owns (a view of the graph's CSR owns none of it).
  std::size_t bytes() const;

  // Makes the device copy now, rather than on the first aggregation there (nothing for the
  // CPU): a trainer copies the whole graph before its first epoch, as setup.
  void to(DeviceKind device) const;
  // The device copy, made on first use, for the CUDA twins of the block's operators and of
  // gnn/attention.h's (gnn/device.cc; throws select_device()'s error without CUDA).
  const DeviceBlock& device_block() const;

  // out (num_dst x F) = aggregation of in (num_src x F).
  void aggregate(Aggregation kind, const Tensor& in, Tensor& out) const;
  // The same for the destinations first .. first + out.rows() only, into out's rows.
  void aggregate_rows(Aggregation kind, const Tensor& in, Tensor& out, std::size_t first) const;
  // d_in (num_src x F) = the gradient of aggregate with respect to in, given d_out.
  void aggregate_backward(Aggregation kind, const Tensor& d_out, Tensor& d_in) const;

 private:
  struct DeviceBlockFree {
    void operator()(DeviceBlock* p) const;  // gnn/device.cc
  };
  struct Storage {
    std::vector<std::uint64_t> offsets;
    std::vector<std::uint32_t> sources;
    std::vector<std::uint64_t> reverse_offsets;
    std::vector<std::uint32_t> reverse_targets;
    std::once_flag reverse_edges_built;
    std::vector<std::uint32_t> reverse_edges;
    std::once_flag device_built;
    std::unique_ptr<DeviceBlock, DeviceBlockFree> device;
  };
  // A view of an undirected graph's CSR, which is its own reverse.
  Block(std::size_t n, std::span<const std::uint64_t> offsets,
        std::span<const std::uint32_t> sources, std::vector<float> norm, bool self_loops);
  // Checks the CSR and norms, sets the inverse degrees.
  void validate_and_prepare();
  const std::vector<std::uint32_t>& reverse_edge_ids() const;
  // The CUDA twins of aggregate_rows and aggregate_backward (gnn/device.cc).
  void aggregate_rows_on_device(Aggregation kind, const Tensor& in, Tensor& out,
                                std::size_t first) const;
  void aggregate_backward_on_device(Aggregation kind, const Tensor& d_out, Tensor& d_in) const;

  std::size_t num_dst_ = 0;
  std::size_t num_src_ = 0;
  bool self_loops_ = false;
  static constexpr std::uint64_t kNoEdges[1] = {0};  // the offsets of an empty block

  std::unique_ptr<Storage> storage_ = std::make_unique<Storage>();
  std::span<const std::uint64_t> offsets_ = kNoEdges;
  std::span<const std::uint32_t> sources_;
  std::span<const std::uint64_t> reverse_offsets_ = kNoEdges;
  std::span<const std::uint32_t> reverse_targets_;
  std::vector<float> dst_norm_;
  std::vector<float> src_norm_;
  std::vector<float> inverse_degree_;  // per destination; 0 without in-neighbours
  std::vector<std::uint32_t> node_ids_;
};

// A sparse matrix in CSR (sparse input features, ~1% non-zero for citation data).
struct SparseMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> columns;
  std::vector<float> values;

  static SparseMatrix from(const SparseFeatures& features);
};

// Products with the first `rows` rows of x (all by default):
// out (rows x w.cols) = x * w + beta * out;
void sparse_matmul(const SparseMatrix& x, const Tensor& w, Tensor& out, std::size_t rows = kAllRows,
                   float beta = 0);
// d_w (x.cols x d_out.cols) += x^T * d_out.
void sparse_transpose_matmul(const SparseMatrix& x, const Tensor& d_out, Tensor& d_w,
                             std::size_t rows = kAllRows);

// Dropout on the non-zeros of a sparse matrix (the zeros stay zero), row i holding node
// nodes[i] (node i when `nodes` is empty): the non-zero in column j of row i is decided as
// dropout() decides value j of that node's row in the dense matrix, so that a non-zero drops
// alike in any batch. x.values are scaled by the mask, one scale per non-zero.
void dropout(SparseMatrix& x, std::span<const std::uint32_t> nodes, float p,
             std::mt19937_64& random, std::vector<float>& mask);

}  // namespace graphmini::gnn
