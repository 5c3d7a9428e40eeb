// Schedule search: choose the matching order and the restriction set of a plan by pricing
// every connected order with every candidate restriction set under a cost model built from
// graph statistics (the approach of GraphPi, Shi et al., SC 2020).
//
// Cost model. From the graph: |V|, the mean degree d, the size-biased degree
// d' = E[deg^2] / E[deg] (the expected degree of a vertex reached through an edge, which is
// what deeper loop levels see), the closure probability p (two neighbours of a vertex are
// adjacent; estimated from sampled wedges) and label frequencies. A candidate set built from
// r neighbour lists and s subtracted lists has about d' p^(r-1) (1-p)^s members; the loop at
// level l runs about |V| * prod(candidate sizes) * f_l times, where f_l is the fraction of
// orderings of the first l+1 pattern vertices that satisfy the restrictions among them; a
// set operation costs the sum of its input sizes. The plan's cost is the sum over levels of
// iterations times the work of the sets computed there.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

struct GraphProfile {
  double vertices = 0;
  double mean_degree = 0;
  double size_biased_degree = 0;
  double closure = 0;               // probability that a wedge is closed
  std::vector<double> label_share;  // label -> fraction of vertices (labelled graphs)

  std::string print() const;
};

// Statistics in O(|V|) plus `wedge_samples` sampled wedges (deterministic for a seed).
GraphProfile profile_graph(const Graph& graph, std::uint32_t wedge_samples = 20000,
                           std::uint64_t seed = 1);

// The profile plans are priced with when no graph is given (`graphmini compile` without
// --graph): a sparse social graph of a million vertices, mean degree 20, size-biased degree
// 200 and closure 0.1.
GraphProfile typical_profile();

// The estimated cost of running `plan` on a graph with this profile (also fills the plan's
// per-level and per-set size estimates).
double estimate_cost(Plan& plan, const GraphProfile& profile);

// The cost model's unit is one element comparison of a set operation; a loop iteration costs
// kIterationCost of them.
inline constexpr double kIterationCost = 4;

// The cost of `plan` from the iteration counts and set sizes it holds (estimate_cost's
// formula, whatever filled them in); stored in plan.estimated_cost too.
double price(Plan& plan, const GraphProfile& profile);

// The plan's cost with its iteration counts and set sizes measured instead of modelled: the
// plan is run by the interpreter on a sample of the graph's level-1 candidates
// (level0::sample in compiler/level0.h) and its counts scaled up (count_sample in
// compiler/interpreter.h). The model's independence assumption underestimates dense patterns
// on clustered graphs by orders of magnitude (a 7-vertex pattern's deeper sets on
// soc-Slashdot0902: 10^-5 modelled, 28 measured); the sample sees the graph's clustering.
// Nothing when running the sample takes more than `budget` (SampledCounts::work).
struct SampledCost {
  double cost = 0;
  std::uint64_t work = 0;  // what running the sample took (SampledCounts::work)
};
std::optional<SampledCost> sampled_cost(
    Plan plan, const Graph& graph, const GraphProfile& profile,
    std::span<const SampledCandidate> sample,
    std::uint64_t budget = std::numeric_limits<std::uint64_t>::max());

// What a plan's set operations cost on the sample's runs (count_sample): the loop iterations
// as price() counts them, and each step's merges of the set it starts from with the neighbour
// list it reads at their measured sizes (merge_cost, compiler/prune.h), where price() and
// sampled_cost take every list to be of the size-biased degree. It is the scale of the
// minigraphs' measured costs and savings (plan_minigraphs adds them to it), and what they
// save is part of it. Not what plans are ranked by: the choice between a pattern's own plan
// and its supergraphs keeps sampled_cost, whose margins are wider and nearer the measured
// times' (bench/results/supergraphs, "Operand lengths measured").
double price_measured(const Plan& plan, const SampledCounts& counts, const GraphProfile& profile);

struct Schedule {
  Plan best;
  // The cheapest alternatives (other orders and restriction sets) with their costs, best
  // first, for `graphmini explain`.
  std::vector<Plan> alternatives;
};

// Prices the connected orders (all of them for k <= 8, at most `order_limit` otherwise) with
// each candidate restriction set, building the plans for `use`.
Schedule choose_schedule(const Pattern& pattern, Induced induced, const GraphProfile& profile,
                         PlanUse use = PlanUse::count, std::size_t alternatives = 5,
                         std::size_t order_limit = 50000);

// Every connected order of the pattern, up to `limit`.
std::vector<std::vector<int>> connected_orders(const Pattern& pattern, std::size_t limit);

}  // namespace graphmini
