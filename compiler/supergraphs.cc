#include "compiler/supergraphs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "compiler/counters.h"
#include "compiler/level0.h"
#include "runtime/error.h"

namespace graphmini {
namespace {

// A class key: the canonical adjacency matrix, then the labels in canonical order.
std::string class_key(const Pattern& canonical) {
  std::string key = canonical.adjacency_matrix();
  for (const Label label : canonical.labels())
    key += " " + std::to_string(label);
  return key;
}

}  // namespace

std::vector<SupergraphTerm> supergraph_terms(const Pattern& pattern) {
  std::vector<std::pair<int, int>> non_edges;
  for (int u = 0; u < pattern.size(); ++u) {
    for (int v = u + 1; v < pattern.size(); ++v) {
      if (!pattern.adjacent(u, v)) non_edges.emplace_back(u, v);
    }
  }
  if (non_edges.size() > kMaxSupergraphNonEdges) {
    throw InvalidArgument("pattern " + pattern.name() + " has " + std::to_string(non_edges.size()) +
                          " non-edges; counting it from its supergraphs takes at most " +
                          std::to_string(kMaxSupergraphNonEdges));
  }
  // Per class: a representative and the number of subsets S giving it.
  std::map<std::string, std::pair<Pattern, std::int64_t>> classes;
  const std::vector<std::pair<int, int>> edges = pattern.edges();
  for (std::uint32_t subset = 0; subset < (std::uint32_t{1} << non_edges.size()); ++subset) {
    std::vector<std::pair<int, int>> with = edges;
    for (std::size_t i = 0; i < non_edges.size(); ++i) {
      if ((subset >> i) & 1u) with.push_back(non_edges[i]);
    }
    Pattern canonical = canonical_form(Pattern(pattern.size(), with, pattern.labels()));
    const std::string key = class_key(canonical);
    auto [it, inserted] = classes.try_emplace(key, std::move(canonical), 0);
    ++it->second.second;
  }
  const auto own_automorphisms = static_cast<std::int64_t>(automorphisms(pattern).size());
  std::vector<SupergraphTerm> terms;
  for (auto& [key, entry] : classes) {
    auto& [supergraph, subsets] = entry;
    const std::int64_t copies =
        subsets * static_cast<std::int64_t>(automorphisms(supergraph).size()) / own_automorphisms;
    const bool odd = (supergraph.num_edges() - pattern.num_edges()) % 2 != 0;
    supergraph.set_name(supergraph.edge_list());
    terms.push_back({std::move(supergraph), odd ? -copies : copies});
  }
  std::sort(terms.begin(), terms.end(), [](const SupergraphTerm& a, const SupergraphTerm& b) {
    if (a.pattern.num_edges() != b.pattern.num_edges())
      return a.pattern.num_edges() < b.pattern.num_edges();
    return class_key(a.pattern) < class_key(b.pattern);
  });
  return terms;
}

const char* to_string(SupergraphMode mode) {
  switch (mode) {
    case SupergraphMode::never:
      return "never";
    case SupergraphMode::always:
      return "always";
    case SupergraphMode::cost:
      return "cost";
  }
  return "?";
}

SupergraphMode parse_supergraph_mode(std::string_view text) {
  for (const SupergraphMode mode :
       {SupergraphMode::never, SupergraphMode::always, SupergraphMode::cost}) {
    if (text == to_string(mode)) return mode;
  }
  throw InvalidArgument("supergraph mode must be 'never', 'always' or 'cost', not '" +
                        std::string(text) + "'");
}

namespace {

// Both sides of the choice priced on one sample of the graph, as plan_count says.
CountPlan::SampledCosts sample_costs(const Plan& direct, const std::vector<CountTerm>& terms,
                                     const Graph& graph, const GraphProfile& profile,
                                     std::uint64_t pricing_work) {
  std::vector<SampledCandidate> sample = level0::sample(graph, kPricingSample);
  std::optional<SampledCost> own = sampled_cost(direct, graph, profile, sample, pricing_work);
  if (!own) {
    sample = level0::sample(graph, kSmallPricingSample);
    own = sampled_cost(direct, graph, profile, sample, pricing_work);
  }
  if (!own) {
    return {std::numeric_limits<double>::infinity(), 0, 0, terms.size(), sample.size()};
  }
  CountPlan::SampledCosts costs{own->cost, 0, 0, terms.size(), sample.size()};
  std::vector<const Plan*> plans;
  for (const CountTerm& term : terms)
    plans.push_back(&term.plan);
  std::stable_sort(plans.begin(), plans.end(), [](const Plan* a, const Plan* b) {
    return a->estimated_cost > b->estimated_cost;
  });
  std::uint64_t budget = std::max<std::uint64_t>(own->work, 1) * kSampleBudget;
  for (const Plan* plan : plans) {
    // A term with a counter of its own is priced as that counter (compiler/counters.h).
    if (const std::optional<double> counter =
            sampled_counter_cost(choose_counter(*plan), *plan, graph, sample)) {
      costs.supergraphs += *counter;
    } else {
      const std::optional<SampledCost> term = sampled_cost(*plan, graph, profile, sample, budget);
      if (!term) {
        costs.supergraphs = std::numeric_limits<double>::infinity();
        break;
      }
      costs.supergraphs += term->cost;
      budget -= term->work;
    }
    ++costs.priced;
    if (costs.supergraphs >= costs.direct) break;  // decided
  }
  return costs;
}

}  // namespace

CountPlan plan_count(const Pattern& pattern, Induced induced, const GraphProfile& profile,
                     SupergraphMode mode, const Graph* graph, std::uint64_t pricing_work) {
  CountPlan plan{choose_schedule(pattern, induced, profile, PlanUse::count), {}, {}, {}};
  const int non_edges = pattern.size() * (pattern.size() - 1) / 2 - pattern.num_edges();
  const bool priced = mode == SupergraphMode::always ||
                      (mode == SupergraphMode::cost && pattern.size() <= kMaxPricedSupergraphSize &&
                       non_edges <= kMaxSupergraphNonEdges);
  if (induced == Induced::vertex && priced) {
    std::vector<CountTerm> terms;
    double cost = 0;
    for (SupergraphTerm& term : supergraph_terms(pattern)) {
      Plan best = choose_schedule(term.pattern, Induced::edge, profile, PlanUse::count, 0,
                                  kSupergraphOrders)
                      .best;
      cost += best.estimated_cost;
      terms.push_back({term.coefficient, std::move(best)});
    }
    plan.supergraph_cost = cost;
    bool cheaper = cost < plan.direct.best.estimated_cost;
    if (mode == SupergraphMode::cost && graph != nullptr) {
      plan.sampled = sample_costs(plan.direct.best, terms, *graph, profile, pricing_work);
      if (!std::isinf(plan.sampled->direct))
        cheaper = plan.sampled->supergraphs < plan.sampled->direct;
    }
    if (mode == SupergraphMode::always || cheaper) {
      plan.terms = std::move(terms);
      return plan;
    }
  }
  plan.terms.push_back({1, plan.direct.best});
  return plan;
}

void plan_minigraphs(CountPlan& plan, PruneMode mode, const GraphProfile& profile,
                     const Graph* graph) {
  // The samples, drawn once for all the terms (the small one only when a term needs it).
  std::vector<SampledCandidate> samples[2];
  const std::uint64_t sizes[2] = {kPricingSample, kSmallPricingSample};
  for (CountTerm& term : plan.terms) {
    std::optional<SampledCounts> measured;
    if (mode == PruneMode::cost && graph != nullptr &&
        counter_on(choose_counter(term.plan), *graph) == Counter::plan) {
      for (int i = 0; i < 2 && !measured; ++i) {
        if (samples[i].empty()) samples[i] = level0::sample(*graph, sizes[i]);
        measured = count_sample(*graph, term.plan, samples[i], kPricingWork);
      }
    }
    plan_minigraphs(term.plan, mode, profile, measured ? &*measured : nullptr);
  }
}

int built_minigraphs(const CountPlan& plan) {
  int built = 0;
  for (const CountTerm& term : plan.terms)
    built += built_minigraphs(term.plan);
  return built;
}

std::uint64_t signed_sum(const std::vector<std::int64_t>& coefficients,
                         const std::vector<WideCount>& totals) {
  WideCount sum = 0;
  bool overflow = false;
  for (std::size_t i = 0; i < coefficients.size(); ++i) {
    WideCount product = 0;
    overflow |= __builtin_mul_overflow(totals[i], WideCount{coefficients[i]}, &product);
    overflow |= __builtin_add_overflow(sum, product, &sum);
  }
  if (overflow || sum < 0 || sum > static_cast<WideCount>(~std::uint64_t{0}))
    throw Error("the count exceeds 2^64 - 1, the largest that graphmini reports");
  return static_cast<std::uint64_t>(sum);
}

}  // namespace graphmini
