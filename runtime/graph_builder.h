// Building and transforming CSR graphs.
//
// build_graph turns an arbitrary edge list (directed pairs, duplicates, self-loops) into the
// undirected simple graph that pattern matching and GNN aggregation work on. It never holds
// more than about three times the final CSR, counting the edge list it is given (or three
// times that edge list, when it repeats its edges so often that it alone is larger): the pairs
// are first gathered once each, lower endpoint to higher (a "half" CSR of ids only), the edge
// list is released, the half lists are sorted, de-duplicated and copied to an array of their
// exact size, and only then is the symmetric CSR filled.
// relabel_by_degree and orient_by_degree are the preprocessing steps of subgraph enumeration
// (degree-ordered ids; a DAG for clique-like patterns, whose out-degrees are at most
// sqrt(2|E|)). All three run in parallel with oneTBB and give the same result for any thread
// count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/graph.h"

namespace graphmini {

struct Edge {
  VertexId source;
  VertexId target;
  friend bool operator==(const Edge&, const Edge&) = default;
};

// An edge list over dense ids [0, num_vertices), with what the input called each vertex.
struct EdgeList {
  std::uint64_t num_vertices = 0;
  std::vector<Edge> edges;
  std::vector<Label> labels;                // empty (unlabelled) or one per vertex
  std::vector<std::uint64_t> original_ids;  // empty (vertex v was called v) or one per vertex
};

struct BuildOptions {
  // Vertices left without an edge once self-loops are dropped are removed and the rest
  // renumbered in order, unless this is set (datasets whose nodes carry features keep them).
  bool keep_isolated_vertices = false;
};

// Symmetrises, drops self-loops and duplicates. Throws InvalidArgument for ids out of range.
Graph build_graph(EdgeList edges, const BuildOptions& options = {});

// Maps arbitrary 64-bit ids to dense ids, in increasing order of the original id. `endpoints`
// holds the pairs flattened (source0, target0, source1, ...). original_ids stays empty when
// the input ids already were exactly 0..n-1.
EdgeList compact_vertex_ids(std::vector<std::uint64_t> endpoints);

enum class DegreeOrder { ascending, descending };

// Renumbers vertices by degree (ties by old id). Labels and original ids follow the vertices.
Graph relabel_by_degree(const Graph& graph, DegreeOrder order = DegreeOrder::descending);
// The same, taking the graph: one whose ids are in that order already (a .gmg written so,
// which is mapped rather than copied) is returned as it is, after an O(|V|) check.
Graph relabel_by_degree(Graph&& graph, DegreeOrder order = DegreeOrder::descending);

// Whether the ids are in that order of degrees already. O(|V|), parallel.
bool in_degree_order(const Graph& graph, DegreeOrder order);

// Whether u comes before v in the order of (degree, id): the order that orient_by_degree
// orients by, and that keeps every vertex's neighbours after it to at most sqrt(2|E|).
inline bool degree_precedes(const Graph& graph, VertexId u, VertexId v) {
  const VertexId du = graph.degree(u), dv = graph.degree(v);
  return du != dv ? du < dv : u < v;
}

// The order of (degree, id) on one graph, read cheaply where its ids ascend by degree (as the
// matching commands load graphs): there it is the id order, and the neighbours of a vertex
// above it are the end of its sorted list.
class DegreeRank {
 public:
  explicit DegreeRank(const Graph& graph)
      : graph_(&graph), ascending_(in_degree_order(graph, DegreeOrder::ascending)) {}

  // Whether the ids ascend by degree.
  bool ascending() const { return ascending_; }
  bool precedes(VertexId u, VertexId v) const {
    return ascending_ ? u < v : degree_precedes(*graph_, u, v);
  }
  // The neighbours of v that can be above it: exactly those when the ids ascend by degree,
  // else its whole list, for the caller to filter with precedes(v, u).
  std::span<const VertexId> above(VertexId v) const {
    const std::span<const VertexId> list = graph_->neighbours(v);
    if (!ascending_) return list;
    return list.subspan(std::upper_bound(list.begin(), list.end(), v) - list.begin());
  }

 private:
  const Graph* graph_;
  bool ascending_;
};

// Keeps each edge once, from the endpoint of lower (degree, id) to the higher one.
// Throws InvalidArgument when the graph is already oriented.
Graph orient_by_degree(const Graph& graph);

}  // namespace graphmini
