#include "runtime/graph.h"

#include <algorithm>
#include <string>

#include "runtime/error.h"
#include "runtime/parallel.h"

namespace graphmini {
namespace {

struct OwnedArrays {
  std::vector<EdgeOffset> offsets;
  std::vector<VertexId> adjacency;
  std::vector<Label> labels;
  std::vector<std::uint64_t> original_ids;
};

// The O(1) invariants, checked whatever the Check mode: they guard every later array access.
void check_shape(const GraphArrays& arrays) {
  if (arrays.offsets.empty())
    throw InvalidGraph("graph has no offsets array (needs |V| + 1 entries)");
  const std::uint64_t n = arrays.offsets.size() - 1;
  if (n > kMaxVertices) {
    throw InvalidGraph("graph has " + std::to_string(n) + " vertices; at most " +
                       std::to_string(kMaxVertices) + " are supported");
  }
  if (arrays.offsets.front() != 0) throw InvalidGraph("offsets[0] is not 0");
  if (arrays.offsets.back() != arrays.adjacency.size()) {
    throw InvalidGraph("offsets[|V|] = " + std::to_string(arrays.offsets.back()) +
                       " but the adjacency array has " + std::to_string(arrays.adjacency.size()) +
                       " entries");
  }
  if (!arrays.labels.empty() && arrays.labels.size() != n) {
    throw InvalidGraph("graph has " + std::to_string(n) + " vertices but " +
                       std::to_string(arrays.labels.size()) + " labels");
  }
  if (!arrays.original_ids.empty() && arrays.original_ids.size() != n) {
    throw InvalidGraph("graph has " + std::to_string(n) + " vertices but " +
                       std::to_string(arrays.original_ids.size()) + " original ids");
  }
}

// Returns an empty string when the list of v is valid, else what is wrong with it. Requires
// monotone offsets.
std::string check_vertex(const Graph& graph, VertexId v) {
  const auto list = graph.neighbours(v);
  const std::string where = "neighbour list of vertex " + std::to_string(v);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const VertexId u = list[i];
    if (u >= graph.num_vertices()) return where + " holds out-of-range id " + std::to_string(u);
    if (u == v) return where + " holds a self-loop";
    if (i > 0 && list[i - 1] >= u) return where + " is not strictly increasing";
    const auto other = graph.neighbours(u);
    const bool reverse_present = std::binary_search(other.begin(), other.end(), v);
    if (graph.orientation() == Orientation::undirected && !reverse_present) {
      return "edge " + std::to_string(v) + "-" + std::to_string(u) +
             " is stored in one direction "
             "only in an undirected graph";
    }
    if (graph.orientation() == Orientation::oriented && reverse_present) {
      return "edge " + std::to_string(v) + "-" + std::to_string(u) +
             " is stored in both "
             "directions in an oriented graph";
    }
  }
  return {};
}

}  // namespace

Graph::Graph(std::vector<EdgeOffset> offsets, std::vector<VertexId> adjacency,
             Orientation orientation, std::vector<Label> labels,
             std::vector<std::uint64_t> original_ids, Check check)
    : orientation_(orientation) {
  auto owned = std::make_shared<OwnedArrays>(OwnedArrays{
      std::move(offsets), std::move(adjacency), std::move(labels), std::move(original_ids)});
  arrays_ = {owned->offsets, owned->adjacency, owned->labels, owned->original_ids};
  owner_ = std::move(owned);
  check_shape(arrays_);
  if (check == Check::full) validate();
}

Graph::Graph(GraphArrays arrays, Orientation orientation, std::shared_ptr<const void> owner,
             Check check)
    : arrays_(arrays), orientation_(orientation), owner_(std::move(owner)) {
  check_shape(arrays_);
  if (check == Check::full) validate();
}

std::size_t Graph::memory_bytes() const {
  return arrays_.offsets.size_bytes() + arrays_.adjacency.size_bytes() +
         arrays_.labels.size_bytes() + arrays_.original_ids.size_bytes();
}

void Graph::validate() const {
  check_shape(arrays_);
  const auto offsets = arrays_.offsets;
  const std::uint64_t n = num_vertices();
  if (const auto v = find_first(n, [&](std::uint64_t i) { return offsets[i + 1] < offsets[i]; });
      v < n) {
    throw InvalidGraph("offsets decrease at vertex " + std::to_string(v));
  }
  const auto is_bad = [&](std::uint64_t v) {
    return !check_vertex(*this, static_cast<VertexId>(v)).empty();
  };
  if (const auto v = find_first(n, is_bad); v < n) {
    throw InvalidGraph(check_vertex(*this, static_cast<VertexId>(v)));
  }
}

}  // namespace graphmini
