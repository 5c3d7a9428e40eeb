// A pattern drawn as a graph: its vertices, edges and labels, for counting a pattern in a graph
// of its own shape (the compiler tests link the compiler, which the shared support does not).
#pragma once

#include <utility>
#include <vector>

#include "compiler/pattern.h"
#include "support/test_support.h"

namespace graphmini::testing {

inline Graph graph_of(const Pattern& pattern) {
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (const auto& [u, v] : pattern.edges())
    edges.emplace_back(static_cast<VertexId>(u), static_cast<VertexId>(v));
  return graph_from_edges(static_cast<VertexId>(pattern.size()), edges, pattern.labels());
}

}  // namespace graphmini::testing
