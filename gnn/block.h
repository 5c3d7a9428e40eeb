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
// Memory: the whole graph is undirected, so its block is its own reverse and stores none;
// without self-loops it is a view of the graph's own CSR and copies nothing (with them, the
// CSR is copied once with the loops inserted). Sampled blocks own their CSR and build the
// reverse. The positions of the reverse edges in the forward CSR (GAT's backward pass needs
// them) are 4-byte ids, built on first use.
//
// Aggregations, for destination d with in-neighbours S(d):
//   sum    out[d] = sum over s in S(d) of in[s]
//   mean   out[d] = sum over s in S(d) of in[s] / |S(d)|       (0 when S(d) is empty)
//   gcn    out[d] = sum over s in S(d) of in[s] / sqrt(deg(d) deg(s))
// where for gcn the block holds self-loops and deg are the degrees given when it was built
// (Kipf and Welling's symmetric normalisation of A + I).
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

class Block {
 public:
  Block() = default;
  // Throws InvalidArgument unless offsets has num_dst + 1 non-decreasing entries from 0 to
  // sources.size(), every source is < num_src, num_dst <= num_src, there are fewer than 2^32
  // edges and the norms, when given (gcn), have num_dst and num_src entries.
  Block(std::size_t num_dst, std::size_t num_src, std::vector<std::uint64_t> offsets,
        std::vector<std::uint32_t> sources, std::vector<float> dst_norm = {},
        std::vector<float> src_norm = {});
  // A block points into its own storage (or the graph's): moved, never copied.
  Block(Block&&) = default;
  Block& operator=(Block&&) = default;
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  // The whole graph as one block; with `self_loops`, every node also receives from itself
  // and the gcn norms 1/sqrt(degree + 1) are set. Without them the block is a view of the
  // graph's CSR, which must outlive it.
  static Block whole_graph(const Graph& graph, bool self_loops);

  std::size_t num_dst() const { return num_dst_; }
  std::size_t num_src() const { return num_src_; }
  std::size_t num_edges() const { return sources_.size(); }
  std::span<const std::uint32_t> in_neighbours(std::size_t d) const {
    return sources_.subspan(offsets_[d], offsets_[d + 1] - offsets_[d]);
  }
  std::uint64_t first_edge(std::size_t d) const { return offsets_[d]; }
  // Destinations that receive from source s (the reverse CSR), and the ids of those edges
  // (their positions in the forward CSR).
  std::span<const std::uint32_t> out_neighbours(std::size_t s) const {
    return reverse_targets_.subspan(reverse_offsets_[s],
                                    reverse_offsets_[s + 1] - reverse_offsets_[s]);
  }
  std::span<const std::uint32_t> out_edges(std::size_t s) const {
    return std::span<const std::uint32_t>(reverse_edge_ids())
        .subspan(reverse_offsets_[s], reverse_offsets_[s + 1] - reverse_offsets_[s]);
  }
  bool has_norms() const { return !dst_norm_.empty(); }
  // The bytes the block owns (a view of the graph's CSR owns none of it).
  std::size_t bytes() const;

  // out (num_dst x F) = aggregation of in (num_src x F).
  void aggregate(Aggregation kind, const Tensor& in, Tensor& out) const;
  // d_in (num_src x F) = the gradient of aggregate with respect to in, given d_out.
  void aggregate_backward(Aggregation kind, const Tensor& d_out, Tensor& d_in) const;

 private:
  struct Storage {
    std::vector<std::uint64_t> offsets;
    std::vector<std::uint32_t> sources;
    std::vector<std::uint64_t> reverse_offsets;
    std::vector<std::uint32_t> reverse_targets;
    std::once_flag reverse_edges_built;
    std::vector<std::uint32_t> reverse_edges;
  };
  Block(std::size_t n, std::span<const std::uint64_t> offsets,
        std::span<const std::uint32_t> sources, std::unique_ptr<Storage> storage,
        std::vector<float> norm);
  // Checks the CSR and norms, sets the inverse degrees.
  void validate_and_prepare();
  const std::vector<std::uint32_t>& reverse_edge_ids() const;

  std::size_t num_dst_ = 0;
  std::size_t num_src_ = 0;
  static constexpr std::uint64_t kNoEdges[1] = {0};  // the offsets of an empty block

  std::unique_ptr<Storage> storage_ = std::make_unique<Storage>();
  std::span<const std::uint64_t> offsets_ = kNoEdges;
  std::span<const std::uint32_t> sources_;
  std::span<const std::uint64_t> reverse_offsets_ = kNoEdges;
  std::span<const std::uint32_t> reverse_targets_;
  std::vector<float> dst_norm_;
  std::vector<float> src_norm_;
  std::vector<float> inverse_degree_;  // per destination; 0 without in-neighbours
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
// out (rows x w.cols) = x * w;
void sparse_matmul(const SparseMatrix& x, const Tensor& w, Tensor& out,
                   std::size_t rows = kAllRows);
// d_w (x.cols x d_out.cols) += x^T * d_out.
void sparse_transpose_matmul(const SparseMatrix& x, const Tensor& d_out, Tensor& d_w,
                             std::size_t rows = kAllRows);

// Dropout on the non-zeros of a sparse matrix (the zeros stay zero): x.values scaled by
// the mask that dropout() draws.
void dropout(SparseMatrix& x, float p, std::mt19937_64& random, std::vector<float>& mask);

}  // namespace graphmini::gnn
