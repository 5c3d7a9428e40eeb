// Builds a 4-vertex graph through the installed library, prints a few facts about it, and counts
// its triangles with a kernel compiled by the JIT (through the installed JIT module) when the
// package has it.
//
//   0 --- 1
//   | \   |
//   |  \  |
//   3 --- 2
#include <algorithm>
#include <iostream>

#include "compiler/engine.h"
#include "compiler/pattern.h"
#include "compiler/schedule.h"
#include "runtime/graph_builder.h"

int main() {
  graphmini::EdgeList edges;
  edges.num_vertices = 4;
  edges.edges = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}, {2, 0}};
  const graphmini::Graph graph = graphmini::build_graph(std::move(edges));
  int triangles_at_zero = 0;
  const auto around = graph.neighbours(0);
  for (const auto u : around) {
    for (const auto w : graph.neighbours(u)) {
      if (u < w && std::binary_search(around.begin(), around.end(), w)) ++triangles_at_zero;
    }
  }
  std::cout << "vertices=" << graph.num_vertices() << " edges=" << graph.num_edges()
            << " triangles-at-0=" << triangles_at_zero;
  if (graphmini::jit_available()) {
    const graphmini::Schedule schedule =
        graphmini::choose_schedule(graphmini::parse_pattern("triangle"), graphmini::Induced::edge,
                                   graphmini::profile_graph(graph));
    const graphmini::Executable kernel(schedule.best, graphmini::KernelKind::count,
                                       graphmini::Engine::jit, {.use_cache = false});
    std::cout << " jit-triangles=" << kernel.count(graph).count;
  } else {
    std::cout << " jit=off";
  }
  std::cout << "\n";
}
