// Vertex-induced counts from edge-induced ones.
//
// An injective map of P's vertices into the graph that keeps P's edges keeps exactly the
// edges of one supergraph P+S of P on the same vertices (S a set of P's non-edges), so the
// edge-induced maps of P are the vertex-induced maps of all its P+S, and by Möbius inversion
//     vertex_maps(P) = sum over S of (-1)^|S| edge_maps(P+S).
// Dividing by |Aut(P)| and grouping the S by the isomorphism class Q of P+S:
//     N_vertex(P) = sum over Q of (-1)^(e(Q)-e(P)) s(P,Q) N_edge(Q),
// where s(P,Q) = #{S : P+S isomorphic to Q} |Aut(Q)| / |Aut(P)| is the number of spanning
// subgraphs of Q isomorphic to P, an integer (the identity of Lovász, Large Networks and Graph
// Limits, 2012, §5.2). Edge-induced plans subtract no neighbour lists and count their last
// levels by inclusion–exclusion, so the sum can cost far less than the pattern's own
// vertex-induced plan, or more when it has many terms; the cost model prices both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "compiler/pattern.h"
#include "compiler/plan.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"

namespace graphmini {

struct SupergraphTerm {
  Pattern pattern;  // Q in canonical form (labels included), named by its edge list
  std::int64_t coefficient = 0;
};

// The terms of N_vertex(P): P's own (coefficient 1) first, then the others by edge count and
// canonical adjacency matrix. A pattern with no non-edges (a clique) is its only term. Throws
// InvalidArgument when P has more than kMaxSupergraphNonEdges non-edges (2^m subsets).
std::vector<SupergraphTerm> supergraph_terms(const Pattern& pattern);
inline constexpr int kMaxSupergraphNonEdges = 12;

// How a vertex-induced count is computed: never from supergraphs (one plan that subtracts
// non-neighbours), always from them, or as the cost model finds cheaper.
enum class SupergraphMode { never, always, cost };
const char* to_string(SupergraphMode mode);
// "never", "always" or "cost"; throws InvalidArgument otherwise.
SupergraphMode parse_supergraph_mode(std::string_view text);

// One plan of a count and what its count is multiplied by.
struct CountTerm {
  std::int64_t coefficient = 1;
  Plan plan;
};

// How a pattern is counted: the signed sum of its terms' counts.
struct CountPlan {
  Schedule direct;               // the pattern's own best plan and alternatives
  std::vector<CountTerm> terms;  // what runs: direct.best alone, or the supergraphs' plans
  // The supergraphs' estimated cost (their plans' costs added up), when they were priced
  // (vertex-induced: always, or cost with a pattern small enough; see plan_count).
  std::optional<double> supergraph_cost;
  // Both costs again with cardinalities measured on a sample of the graph (sampled_cost in
  // compiler/schedule.h), when plan_count was given the graph: these decide.
  struct SampledCosts {
    // Infinite when the pattern's own plan's sample ran out of budget (the models decide).
    double direct = 0;
    // The terms priced added up (infinite when their sample ran out of budget); only a lower
    // bound when pricing stopped before the last term (see plan_count).
    double supergraphs = 0;
    std::size_t priced = 0;      // terms priced
    std::size_t terms = 0;       // supergraph terms in all
    std::size_t candidates = 0;  // in the sample
  };
  std::optional<SampledCosts> sampled;

  bool by_supergraphs() const {
    return terms.size() > 1 || terms[0].plan.induced != direct.best.induced;
  }
};

// Chooses the pattern's plans for counting (edge-induced: its own plan alone). Each term's
// schedule is searched over at most kSupergraphOrders orders (all of them up to 7 vertices).
// SupergraphMode::cost prices the terms of patterns of up to kMaxPricedSupergraphSize
// vertices only: a 9-vertex pattern with 6 non-edges would take 20 s to price and a
// 10-vertex one with 12 over 3 minutes (its own plan: 1 and 3 s). Given the graph (with the
// profile taken from it), SupergraphMode::cost decides by sampled costs: the pattern's plan
// and the terms run on the interpreter over one sample of about kPricingSample level-1
// candidates (level0::sample, compiler/level0.h; sampled_cost, compiler/schedule.h). The
// terms are priced in order of their modelled cost, the highest first, until their sum
// passes the pattern's own cost, and while running their sample takes at most kSampleBudget
// times what the pattern's own plan's took (past that the sum is infinite), so that planning
// stays a small part of the run (bench/match_suite's plan_s). The pattern's own plan's
// sample may take `pricing_work` (SampledCounts::work); past that it is run again on a sample
// of about kSmallPricingSample candidates, and past that again the models' costs decide
// (dense patterns on Kronecker graphs: vertex-induced P7 on scale 16 took 66M on the large
// sample, over a minute, for a run of hours). Throws InvalidArgument for
// SupergraphMode::always on a pattern with too many non-edges.
inline constexpr int kMaxPricedSupergraphSize = 7;
inline constexpr std::size_t kSupergraphOrders = 5040;
inline constexpr std::uint64_t kPricingSample = 256;
inline constexpr std::uint64_t kSmallPricingSample = 16;
// The largest on the suite's graphs: 4.1M (soc-Epinions1's vertex-induced P7).
inline constexpr std::uint64_t kPricingWork = std::uint64_t{1} << 23;
CountPlan plan_count(const Pattern& pattern, Induced induced, const GraphProfile& profile,
                     SupergraphMode mode = SupergraphMode::cost, const Graph* graph = nullptr,
                     std::uint64_t pricing_work = kPricingWork);
inline constexpr std::uint64_t kSampleBudget = 8;

// plan_minigraphs for every term. With PruneMode::cost and a graph, each term that counts
// with its plan is run first on the interpreter over a sample of about kPricingSample level-1
// candidates (kSmallPricingSample when that takes over kPricingWork, the model's estimates
// past that), and its minigraphs are priced with the counts measured there.
void plan_minigraphs(CountPlan& plan, PruneMode mode, const GraphProfile& profile,
                     const Graph* graph = nullptr);

// The minigraphs its terms' plans build.
int built_minigraphs(const CountPlan& plan);

// The signed sum of the terms' counts: totals[i] is the count of the term whose coefficient is
// coefficients[i], added up over the ranks of a distributed run. Throws Error when the sum
// exceeds 2^64 - 1; a negative sum means a term's count wrapped past 2^64 and is reported the
// same way.
std::uint64_t signed_sum(const std::vector<std::int64_t>& coefficients,
                         const std::vector<WideCount>& totals);

}  // namespace graphmini
