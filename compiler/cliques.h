// Counting k-cliques (k >= 4) in bitset minigraphs, instead of by the pattern's plan.
//
// Every k-clique has one lowest vertex a (by id, which is degree order in graphs relabelled
// as `graphmini count` loads them), and its other k - 1 vertices lie among N+(a), a's
// neighbours above it. The clique's plan intersects sorted lists pruned to N+(a) (GraphMini's
// minigraphs); here N+(a) becomes a local graph of d+ = |N+(a)| vertices numbered 0 .. d+ - 1,
// each row a bitset of its neighbours above it, and the (k-1)-cliques of that DAG are
// counted by AND-ing rows: for k = 4, the sum over its edges i-j of popcount(row(i) &
// row(j)). A word holds 64 candidates, so dense neighbourhoods take d+/64 operations per
// intersection where lists take up to 2 d+ comparisons; the rows cost one intersection of
// N(u) with N+(a) per member u, as the plan's minigraph does.
//
// Each task holds the rows of one vertex, d+^2/8 bytes for the largest d+ of the graph (at
// most sqrt(2|E|), 128 MiB at Kronecker scale 25 in degree order), checked against the
// machine's memory before the run starts.
#pragma once

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

// Whether a counting run of `plan` counts in bitset minigraphs (on undirected graphs): the
// pattern is an unlabelled clique of kMinBitsetClique or more vertices, either semantics.
bool counts_by_bitsets(const Plan& plan);
inline constexpr int kMinBitsetClique = 4;

// The number of k-cliques of an undirected graph, 3 <= k <= kMaxPatternSize, with the
// options of a plan's run (stop, progress, a cluster's ranks; not a profile). Throws
// InvalidArgument for an oriented graph or k out of range.
RunResult count_cliques(const Graph& graph, int k, const RunOptions& options = {});

}  // namespace graphmini
