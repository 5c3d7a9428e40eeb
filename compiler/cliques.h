// Counting k-cliques (k >= 4) in bitset minigraphs, instead of by the pattern's plan.
//
// Every k-clique has one lowest vertex a in the order of degrees (ties by id: the id order
// of graphs relabelled as `graphmini count` loads them), and its other k - 1 vertices lie among
// N+(a), a's neighbours above it, of which there are at most sqrt(2|E|). The clique's plan
// intersects sorted lists pruned to N+(a) (GraphMini's minigraphs); here N+(a) becomes a
// local graph of d+ = |N+(a)| vertices numbered 0 .. d+ - 1, each row a bitset of its
// neighbours numbered after it, and the (k-1)-cliques of that DAG are counted by AND-ing
// rows: for k = 4, the sum over its edges i-j of popcount(row(i) & row(j)). A word holds 64
// candidates, so dense neighbourhoods take d+/64 operations per intersection where lists
// take up to 2 d+ comparisons; the rows cost one look-up of each member's neighbours above it
// in an index of the members.
//
// Each task holds the rows of one vertex, d+^2/8 bytes for the largest d+ of the graph, and
// the index, 4 bytes per vertex of the graph: checked against the machine's memory before the
// run starts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

// Whether a counting run of `plan` counts in bitset minigraphs (on undirected graphs): the
// pattern is an unlabelled clique of kMinBitsetClique or more vertices, either semantics.
bool counts_by_bitsets(const Plan& plan);
inline constexpr int kMinBitsetClique = 4;

// The number of k-cliques of an undirected graph, 3 <= k <= kMaxPatternSize, with the
// options of a plan's run (stop, progress, a cluster's ranks; not a profile). Returns
// nothing, having counted nothing, when the largest local graph's rows would take more than
// `max_rows` bytes (by default a vertex with over 23,000 neighbours above it, which needs a
// graph of over 268 million edges): the engine then runs the plan. Throws InvalidArgument for
// an oriented graph or k out of range.
inline constexpr std::uint64_t kMaxLocalGraphBytes = std::uint64_t{64} << 20;
std::optional<RunResult> count_cliques(const Graph& graph, int k, const RunOptions& options = {},
                                       std::uint64_t max_rows = kMaxLocalGraphBytes);

// What count_cliques costs on `graph`, in the cost model's element comparisons, from a
// sample of its level-1 candidates (level0::sample): a candidate x of a with x above a costs
// kLookupCost per neighbour of x looked up for x's row of a's local graph, and kStepCost per
// word AND-ed or counted and per member drawn in counting the cliques whose first member is x;
// the others cost nothing.
double sampled_clique_cost(const Graph& graph, int k, std::span<const SampledCandidate> sample);
inline constexpr double kLookupCost = 6;
inline constexpr double kStepCost = 6;

}  // namespace graphmini
