// The shared graph store: an immutable compressed-sparse-row (CSR) graph.
//
// Both halves of graphmini read this one type: the pattern-matching kernels intersect its
// sorted neighbour lists, the GNN trainers aggregate over them. Invariants, checked by
// validate():
//   * offsets has num_vertices + 1 entries, starts at 0, never decreases, ends at
//     adjacency.size();
//   * every neighbour list is strictly increasing (sorted, no duplicates), holds no self-loop
//     and only ids < num_vertices;
//   * an undirected graph stores every edge in both lists; an oriented graph (a DAG made for
//     clique-like work) stores it once;
//   * labels and original ids are either absent or have one entry per vertex.
// The arrays are either owned vectors or a memory-mapped .gmg file; either way a Graph is a
// move-only value and moving it keeps every span valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace graphmini {

using VertexId = std::uint32_t;
using EdgeOffset = std::uint64_t;
using Label = std::uint32_t;

// Vertex ids are 32-bit; the largest value is kept free as a "no vertex" marker.
inline constexpr std::uint64_t kMaxVertices = 0xFFFFFFFEull;

enum class Orientation : std::uint8_t {
  undirected,  // each edge {u, v} appears in the lists of u and of v
  oriented,    // each edge appears once, from the lower to the higher endpoint of some order
};

// The raw arrays of a graph, as views. Empty `labels` means unlabelled; empty `original_ids`
// means vertex v was called v in the input.
struct GraphArrays {
  std::span<const EdgeOffset> offsets;
  std::span<const VertexId> adjacency;
  std::span<const Label> labels;
  std::span<const std::uint64_t> original_ids;
};

// The ids 0 .. n-1, for range-for loops. (Not std::views::iota: Clang 14, which compiles the
// generated kernels against these headers, cannot use libstdc++ 12's <ranges>.)
class VertexRange {
 public:
  class Iterator {
   public:
    using value_type = VertexId;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    explicit Iterator(VertexId v) : v_(v) {}
    VertexId operator*() const { return v_; }
    Iterator& operator++() {
      ++v_;
      return *this;
    }
    Iterator operator++(int) { return Iterator(v_++); }
    bool operator==(const Iterator&) const = default;

   private:
    VertexId v_ = 0;
  };

  explicit VertexRange(VertexId n) : n_(n) {}
  Iterator begin() const { return Iterator(0); }
  Iterator end() const { return Iterator(n_); }
  VertexId size() const { return n_; }
  bool empty() const { return n_ == 0; }

 private:
  VertexId n_;
};

class Graph {
 public:
  // Whether the constructor checks the invariants above. `trusted` is for arrays that are
  // correct by construction (the builders' output, a checksummed file) and costs O(1).
  enum class Check { full, trusted };

  // Takes ownership of the arrays.
  Graph(std::vector<EdgeOffset> offsets, std::vector<VertexId> adjacency, Orientation orientation,
        std::vector<Label> labels = {}, std::vector<std::uint64_t> original_ids = {},
        Check check = Check::full);

  // Views arrays kept alive by `owner` (for example a memory-mapped file).
  Graph(GraphArrays arrays, Orientation orientation, std::shared_ptr<const void> owner,
        Check check);

  Graph(Graph&&) noexcept = default;
  Graph& operator=(Graph&&) noexcept = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph() = default;

  VertexId num_vertices() const { return static_cast<VertexId>(arrays_.offsets.size() - 1); }
  // Undirected edges for an undirected graph, arcs for an oriented one.
  std::uint64_t num_edges() const {
    return orientation_ == Orientation::undirected ? arrays_.adjacency.size() / 2
                                                   : arrays_.adjacency.size();
  }
  Orientation orientation() const { return orientation_; }

  std::span<const VertexId> neighbours(VertexId v) const {
    return arrays_.adjacency.subspan(arrays_.offsets[v],
                                     arrays_.offsets[v + 1] - arrays_.offsets[v]);
  }
  VertexId degree(VertexId v) const {
    return static_cast<VertexId>(arrays_.offsets[v + 1] - arrays_.offsets[v]);
  }
  VertexRange vertices() const { return VertexRange(num_vertices()); }

  bool has_labels() const { return !arrays_.labels.empty(); }
  Label label(VertexId v) const { return arrays_.labels[v]; }
  bool has_original_ids() const { return !arrays_.original_ids.empty(); }
  std::uint64_t original_id(VertexId v) const {
    return arrays_.original_ids.empty() ? v : arrays_.original_ids[v];
  }

  std::span<const EdgeOffset> offsets() const { return arrays_.offsets; }
  std::span<const VertexId> adjacency() const { return arrays_.adjacency; }
  std::span<const Label> labels() const { return arrays_.labels; }
  std::span<const std::uint64_t> original_ids() const { return arrays_.original_ids; }
  const GraphArrays& arrays() const { return arrays_; }

  // Bytes held by the arrays (whether owned or mapped).
  std::size_t memory_bytes() const;
  // The largest degree (0 for a graph without vertices). O(|V|), parallel.
  VertexId max_degree() const;

  // Throws InvalidGraph naming the first violated invariant. O(|E| log d), parallel.
  void validate() const;

 private:
  GraphArrays arrays_;
  Orientation orientation_;
  std::shared_ptr<const void> owner_;
};

}  // namespace graphmini
