#include "compiler/wedges.h"

#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "compiler/level0.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

namespace graphmini {

bool counts_by_wedges(const Plan& plan) {
  const Pattern& pattern = plan.pattern;
  if (plan.induced != Induced::edge || pattern.labelled() || pattern.size() != 4) return false;
  for (int v = 0; v < 4; ++v)
    if (pattern.degree(v) != 2) return false;
  return true;  // connected, 4 vertices of degree 2
}

namespace {

// One task's wedge counts by end vertex, all zero between vertices, and the ends it touched.
struct Wedges {
  std::vector<std::uint32_t> count;
  std::vector<VertexId> touched;
  WideCount cycles = 0;
};

// The 4-cycles whose highest vertex is a, by `below(u, a)`: whether u ≺ a. With `prefix`, ≺
// is the id order, so the vertices below a in a list are the part before a.
template <bool prefix, typename Below>
void count_at(const Graph& graph, VertexId a, const Below& below, Wedges& w) {
  for (const VertexId x : graph.neighbours(a)) {
    if (!below(x, a)) {
      if (prefix) break;
      continue;
    }
    for (const VertexId c : graph.neighbours(x)) {
      if (!below(c, a)) {
        if (prefix) break;
        continue;
      }
      if (w.count[c]++ == 0) w.touched.push_back(c);
    }
  }
  for (const VertexId c : w.touched) {
    const std::uint64_t k = w.count[c];
    w.cycles += k * (k - 1) / 2;
    w.count[c] = 0;
  }
  w.touched.clear();
}

}  // namespace

RunResult count_four_cycles(const Graph& graph, const RunOptions& options) {
  if (graph.orientation() != Orientation::undirected)
    throw InvalidArgument("4-cycles are counted by wedges on undirected graphs only");
  const VertexId n = graph.num_vertices();
  const std::uint64_t threads = worker_threads();
  require_memory(threads * n * (sizeof(std::uint32_t) + sizeof(VertexId)),
                 "counting 4-cycles by wedges with " + std::to_string(threads) +
                     (threads == 1 ? " thread" : " threads") +
                     " (each with a count and a flag per vertex)",
                 graph.memory_bytes());

  const bool ascending = in_degree_order(graph, DegreeOrder::ascending);

  tbb::enumerable_thread_specific<Wedges> tasks([n] {
    Wedges w;
    w.count.assign(n, 0);
    return w;
  });
  const auto run = [&](VertexId a) {
    Wedges& w = tasks.local();
    if (ascending) {
      count_at<true>(
          graph, a, [](VertexId u, VertexId v) { return u < v; }, w);
    } else {
      count_at<false>(
          graph, a, [&graph](VertexId u, VertexId v) { return degree_precedes(graph, u, v); }, w);
    }
  };
  RunResult result = level0::for_each_whole_vertex(graph, options, run);
  WideCount cycles = 0;
  for (const Wedges& w : tasks)
    cycles += w.cycles;
  if (cycles > std::numeric_limits<std::uint64_t>::max())
    throw Error("the 4-cycle count exceeds 2^64 - 1");
  result.count = static_cast<std::uint64_t>(cycles);
  return result;
}

}  // namespace graphmini
