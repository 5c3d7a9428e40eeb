// Counting 4-cycles by wedges, instead of by the pattern's plan.
//
// The 4-cycle's plan binds a vertex and two of its neighbours and intersects the two's lists
// for the fourth vertex: work that grows with the square of every neighbourhood, which put
// Kronecker graphs of scale 22 out of reach (bench/results/kron_scale). A 4-cycle is two
// wedges a-x-c and a-y-c with the same ends, so with the vertices in a total order ≺ each
// 4-cycle has one highest vertex a, the vertex c opposite it, and x, y both below a: for
// every vertex a, counting in cnt[c] the wedges a-x-c with x ≺ a and c ≺ a, the 4-cycles whose
// highest vertex is a number sum over c of cnt[c] (cnt[c] - 1) / 2. With ≺ the order of
// degrees (ties by id), the wedges visited number O(|E| α) for the graph's arboricity α
// (Chiba and Nishizeki, 1985), and no set is intersected.
//
// Graphs relabelled by ascending degree (as `graphmini count` loads them, and .gmg files
// written with --degree-order) have ≺ as their id order, so each list's part below a is a
// prefix read up to a; other graphs compare degrees wedge by wedge. The order only decides
// the speed, not the count.
#pragma once

#include <span>

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

// Whether a counting run of `plan` counts by wedges (on undirected graphs): the pattern is the
// unlabelled 4-cycle, matched edge-induced.
bool counts_by_wedges(const Plan& plan);

// The number of 4-cycles (edge-induced subgraphs) of an undirected graph, with the options of
// a plan's run (stop, progress, a cluster's ranks; not a profile). Each task holds a count per
// vertex of the graph (4 bytes each) and the vertices it touched (4 more): checked against the
// machine's memory before the run starts. Throws Error when the count exceeds 2^64 - 1 and
// InvalidArgument for an oriented graph.
RunResult count_four_cycles(const Graph& graph, const RunOptions& options = {});

// What count_four_cycles costs on `graph`, in the cost model's element comparisons, from a
// sample of its level-1 candidates (level0::sample): a candidate x of a with x below a costs
// an iteration and kWedgeCost per wedge a-x-c with c below a, and the others nothing.
double sampled_wedge_cost(const Graph& graph, std::span<const SampledCandidate> sample);
inline constexpr double kWedgeCost = 7;

}  // namespace graphmini
