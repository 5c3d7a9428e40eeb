#include "runtime/graph.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <array>
#include <random>
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
  if (arrays.offsets.front() != 0) {
    throw InvalidGraph("offsets[0] = " + std::to_string(arrays.offsets.front()) + ", not 0");
  }
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

// The checks on one neighbour list that need no other list: ids in range, no self-loop,
// strictly increasing. Each returns whether the list of v passes; describe_* says what is
// wrong with a list that does not (only called for the first bad vertex, so that a valid
// graph costs no string building).
bool list_is_well_formed(const Graph& graph, VertexId v) {
  const auto list = graph.neighbours(v);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] >= graph.num_vertices() || list[i] == v || (i > 0 && list[i - 1] >= list[i])) {
      return false;
    }
  }
  return true;
}

std::string describe_malformed_list(const Graph& graph, VertexId v) {
  const auto list = graph.neighbours(v);
  const std::string where = "neighbour list of vertex " + std::to_string(v);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const VertexId u = list[i];
    if (u >= graph.num_vertices()) {
      return where + " holds out-of-range id " + std::to_string(u) + " (the graph has " +
             std::to_string(graph.num_vertices()) + " vertices)";
    }
    if (u == v) return where + " holds a self-loop";
    if (i > 0 && list[i - 1] == u) return where + " holds " + std::to_string(u) + " twice";
    if (i > 0 && list[i - 1] > u) {
      return where + " is not sorted: " + std::to_string(list[i - 1]) + " comes before " +
             std::to_string(u);
    }
  }
  return {};
}

// The check between lists: every edge stored in both lists (undirected) or in exactly one
// (oriented). Needs every list well formed, since it binary-searches the other endpoint's.
bool reverse_present(const Graph& graph, VertexId v, VertexId u) {
  const auto other = graph.neighbours(u);
  return std::binary_search(other.begin(), other.end(), v);
}

bool list_is_consistent(const Graph& graph, VertexId v) {
  const bool want_reverse = graph.orientation() == Orientation::undirected;
  for (const VertexId u : graph.neighbours(v)) {
    if (reverse_present(graph, v, u) != want_reverse) return false;
  }
  return true;
}

std::string describe_inconsistent_list(const Graph& graph, VertexId v) {
  const bool want_reverse = graph.orientation() == Orientation::undirected;
  for (const VertexId u : graph.neighbours(v)) {
    if (reverse_present(graph, v, u) == want_reverse) continue;
    const std::string edge = "edge " + std::to_string(v) + "-" + std::to_string(u);
    return want_reverse ? edge + " is stored in one direction only in an undirected graph (" +
                              std::to_string(v) + " lists " + std::to_string(u) + ", " +
                              std::to_string(u) + " does not list " + std::to_string(v) + ")"
                        : edge + " is stored in both directions in an oriented graph";
  }
  return {};
}

// Whether an undirected graph's well-formed lists store every edge in both directions, by
// fingerprints instead of a binary search per edge (which, with its cache misses, made
// checking a large .gmg take longer than counting triangles in it): the sums over the arcs
// v -> u of a keyed hash of (v, u) and of (u, v) are equal, with two independent keys drawn
// for this check, exactly when the arc set is its own reverse, up to a chance of 2^-64 per key
// that no file can aim at (the keys are drawn when it is read). The lists hold no duplicates
// (well formed), so the arc set is a set and equal sums mean equal sets.
bool symmetric_by_fingerprint(const Graph& graph) {
  std::random_device device;
  const std::array<std::uint64_t, 2> keys = {(std::uint64_t{device()} << 32) | device(),
                                             (std::uint64_t{device()} << 32) | device()};
  // A 64-bit finaliser (xor-shift-multiply rounds) over the pair and the key.
  const auto hash = [](std::uint64_t key, VertexId a, VertexId b) {
    std::uint64_t z = ((std::uint64_t{a} << 32) | b) ^ key;
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    return z ^ (z >> 33);
  };
  using Sums = std::array<std::uint64_t, 4>;  // forward and reverse, per key
  const Sums sums = tbb::parallel_reduce(
      tbb::blocked_range<VertexId>(0, graph.num_vertices(), 1024), Sums{},
      [&](const tbb::blocked_range<VertexId>& range, Sums sum) {
        for (VertexId v = range.begin(); v != range.end(); ++v) {
          for (const VertexId u : graph.neighbours(v)) {
            sum[0] += hash(keys[0], v, u);
            sum[1] += hash(keys[0], u, v);
            sum[2] += hash(keys[1], v, u);
            sum[3] += hash(keys[1], u, v);
          }
        }
        return sum;
      },
      [](Sums a, const Sums& b) {
        for (std::size_t i = 0; i < a.size(); ++i)
          a[i] += b[i];
        return a;
      });
  return sums[0] == sums[1] && sums[2] == sums[3];
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

VertexId Graph::max_degree() const {
  return tbb::parallel_reduce(
      tbb::blocked_range<VertexId>(0, num_vertices(), 4096), VertexId{0},
      [&](const tbb::blocked_range<VertexId>& range, VertexId largest) {
        for (VertexId v = range.begin(); v != range.end(); ++v)
          largest = std::max(largest, degree(v));
        return largest;
      },
      [](VertexId a, VertexId b) { return std::max(a, b); });
}

void Graph::validate() const {
  check_shape(arrays_);
  const auto offsets = arrays_.offsets;
  const std::uint64_t n = num_vertices();
  if (const auto v = find_first(n, [&](std::uint64_t i) { return offsets[i + 1] < offsets[i]; });
      v < n) {
    throw InvalidGraph("offsets decrease at vertex " + std::to_string(v) + ": offsets[" +
                       std::to_string(v) + "] = " + std::to_string(offsets[v]) + ", offsets[" +
                       std::to_string(v + 1) + "] = " + std::to_string(offsets[v + 1]));
  }
  // Two passes, so that a list that is out of order is reported as such and not as a
  // missing reverse edge found by a binary search in it.
  if (const auto v = find_first(
          n,
          [&](std::uint64_t i) { return !list_is_well_formed(*this, static_cast<VertexId>(i)); });
      v < n) {
    throw InvalidGraph(describe_malformed_list(*this, static_cast<VertexId>(v)));
  }
  // The exact search below names the first inconsistent list; an undirected graph whose
  // fingerprints agree has none.
  if (orientation() == Orientation::undirected && symmetric_by_fingerprint(*this)) return;
  if (const auto v = find_first(
          n, [&](std::uint64_t i) { return !list_is_consistent(*this, static_cast<VertexId>(i)); });
      v < n) {
    throw InvalidGraph(describe_inconsistent_list(*this, static_cast<VertexId>(v)));
  }
}

}  // namespace graphmini
