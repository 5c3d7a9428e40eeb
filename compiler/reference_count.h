// Reference counts for verification: two independent, simple ways to count matches, used as
// oracles for the engine in tests and by `graphmini verify`. Both are exponential and meant
// for small graphs.
#pragma once

#include <cstdint>

#include "compiler/pattern.h"
#include "runtime/graph.h"

namespace graphmini {

// Backtracking over every injective map of pattern vertices to graph vertices, checking each
// pattern edge (and, for Induced::vertex, each non-edge) and labels; the number of maps found
// divided by |Aut(P)|.
std::uint64_t brute_force_count(const Graph& graph, const Pattern& pattern, Induced induced);

// Boost.Graph's VF2: vf2_subgraph_mono (edge-induced) or vf2_subgraph_iso (vertex-induced),
// with vertex labels as the vertex equivalence, divided by |Aut(P)|.
std::uint64_t vf2_count(const Graph& graph, const Pattern& pattern, Induced induced);

}  // namespace graphmini
