#include "compiler/schedule.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <random>

#include "compiler/interpreter.h"
#include "runtime/vertex_set.h"

namespace graphmini {
namespace {

// Fraction of the orderings of the pattern vertices in `mask` that satisfy the restrictions
// among them: linear extensions / |mask|!, by dynamic programming over subsets.
double restriction_survival(PatternMask mask, const RestrictionSet& restrictions) {
  // Only the vertices that a restriction among them ties matter: the others can come anywhere
  // and leave the fraction as it is.
  std::array<PatternMask, kMaxPatternSize> must_precede{};
  PatternMask tied = 0;
  for (const Restriction r : restrictions) {
    if ((mask >> r.smaller & 1u) && (mask >> r.larger & 1u)) {
      must_precede[r.larger] |= PatternMask{1} << r.smaller;
      tied |= PatternMask{1} << r.smaller | PatternMask{1} << r.larger;
    }
  }
  // ways[placed]: the orders in which the vertices of `placed` can come first. Only subsets
  // of `tied` are read or written; they are visited in increasing order, every one after its
  // own subsets.
  std::array<double, std::size_t{1} << kMaxPatternSize> ways;
  for (PatternMask placed = tied;; placed = (placed - 1) & tied) {
    ways[placed] = 0;
    if (placed == 0) break;
  }
  ways[0] = 1;
  double factorial = 1;
  for (int members = 1; members <= std::popcount(tied); ++members)
    factorial *= members;
  for (PatternMask placed = 0; placed != tied; placed = (placed - tied) & tied) {
    if (ways[placed] == 0) continue;
    for (PatternMask next = tied & ~placed; next != 0; next &= next - 1) {
      const int v = std::countr_zero(next);
      if ((must_precede[v] & ~placed) == 0) ways[placed | PatternMask{1} << v] += ways[placed];
    }
  }
  return ways[tied] / factorial;
}

double label_share(const GraphProfile& profile, const std::optional<Label>& label) {
  if (!label) return 1.0;
  return *label < profile.label_share.size() ? profile.label_share[*label] : 0.0;
}

void order_orders(const Pattern& pattern, std::vector<int>& order, PatternMask placed,
                  std::vector<std::vector<int>>& orders, std::size_t limit) {
  const int k = pattern.size();
  if (static_cast<int>(order.size()) == k) {
    orders.push_back(order);
    return;
  }
  // Most-connected vertices first, so a truncated search keeps the promising orders.
  std::vector<std::pair<int, int>> next;  // (-connections, vertex)
  for (int v = 0; v < k; ++v) {
    const PatternMask bit = PatternMask{1} << v;
    if (placed & bit) continue;
    const int connections = std::popcount(pattern.neighbours(v) & placed);
    if (placed == 0 || connections > 0) next.emplace_back(-connections, v);
  }
  std::sort(next.begin(), next.end());
  for (const auto& [negated, v] : next) {
    if (orders.size() >= limit) return;
    order.push_back(v);
    order_orders(pattern, order, placed | PatternMask{1} << v, orders, limit);
    order.pop_back();
  }
}

// The element comparisons of one inclusion-exclusion count: every subset of the counted
// levels whose sets are not all the same intersects them.
double inclusion_exclusion_work(const Plan& plan, double d) {
  const InclusionExclusion& counted = *plan.inclusion_exclusion;
  const int r = plan.size() - counted.first_level;
  double work = static_cast<double>(counted.terms.size());
  for (std::uint32_t mask = 1; mask < (std::uint32_t{1} << r); ++mask) {
    std::array<SetSource, kMaxPatternSize> operands;
    std::size_t distinct = 0;
    double inputs = 0;
    for (int i = 0; i < r; ++i) {
      if (!(mask >> i & 1u)) continue;
      const PlanLevel& level = plan.levels[counted.first_level + i];
      if (std::find(operands.begin(), operands.begin() + distinct, level.candidates) !=
          operands.begin() + distinct) {
        continue;
      }
      operands[distinct++] = level.candidates;
      inputs += level.candidates.set >= 0 ? plan.sets[level.candidates.set].estimated_size : d;
    }
    if (distinct > 1) work += inputs;
  }
  return work;
}

// The plan's iteration counts and mean set sizes as the sample measured them.
void take_measured(Plan& plan, const SampledCounts& counts) {
  for (int l = 0; l < plan.size(); ++l)
    plan.levels[l].estimated_iterations = counts.iterations[l];
  for (std::size_t id = 0; id < plan.sets.size(); ++id) {
    plan.sets[id].estimated_size =
        counts.computations[id] > 0 ? counts.members[id] / counts.computations[id] : 0.0;
  }
}

}  // namespace

std::string GraphProfile::print() const {
  char text[200];
  std::snprintf(text, sizeof text,
                "|V| %.0f, mean degree %.2f, size-biased degree %.2f, closure %.4f", vertices,
                mean_degree, size_biased_degree, closure);
  return text;
}

GraphProfile profile_graph(const Graph& graph, std::uint32_t wedge_samples, std::uint64_t seed) {
  GraphProfile profile;
  const VertexId n = graph.num_vertices();
  profile.vertices = n;
  if (n == 0) return profile;
  double degree_sum = 0, degree_squares = 0;
  std::vector<double> wedges(n + 1, 0.0);  // cumulative wedge counts, for sampling centres
  for (const VertexId v : graph.vertices()) {
    const double d = graph.degree(v);
    degree_sum += d;
    degree_squares += d * d;
    wedges[v + 1] = wedges[v] + d * (d - 1) / 2;
  }
  profile.mean_degree = degree_sum / n;
  profile.size_biased_degree = degree_sum > 0 ? degree_squares / degree_sum : 0;
  if (wedges[n] > 0) {
    std::mt19937_64 random(seed);
    const auto uniform = [&random] {
      return static_cast<double>(random() >> 11) * 0x1.0p-53;  // [0, 1)
    };
    std::uint32_t closed = 0;
    for (std::uint32_t i = 0; i < wedge_samples; ++i) {
      const double target = uniform() * wedges[n];
      const auto centre = static_cast<VertexId>(
          std::upper_bound(wedges.begin(), wedges.end(), target) - wedges.begin() - 1);
      const auto neighbours = graph.neighbours(centre);
      const std::size_t d = neighbours.size();
      const std::size_t a = random() % d;
      std::size_t b = random() % (d - 1);
      if (b >= a) ++b;
      closed += contains(graph.neighbours(neighbours[a]), neighbours[b]) ? 1 : 0;
    }
    profile.closure = static_cast<double>(closed) / wedge_samples;
  }
  if (graph.has_labels()) {
    for (const Label label : graph.labels()) {
      if (label >= profile.label_share.size()) profile.label_share.resize(label + 1, 0.0);
      profile.label_share[label] += 1.0 / n;
    }
  }
  return profile;
}

GraphProfile typical_profile() {
  return {1e6, 20, 200, 0.1, {}};
}

double estimate_cost(Plan& plan, const GraphProfile& profile) {
  const int k = plan.size();
  const double p = std::clamp(profile.closure, 1e-6, 1.0);
  const double d = std::max(profile.size_biased_degree, 1.0);
  for (SetComputation& set : plan.sets) {
    double size = set.base.set >= 0 ? plan.sets[set.base.set].estimated_size : d;
    for (const SetStep& step : set.steps)
      size *= step.operation == SetOperation::intersect ? p : 1 - p;
    set.estimated_size = size;
  }
  // The iteration counts, with the fraction of orderings the restrictions let through.
  double tuples = profile.vertices * label_share(profile, plan.levels[0].label);
  plan.levels[0].estimated_candidates = tuples;
  PatternMask bound = PatternMask{1} << plan.order[0];
  double survival = 1;
  for (int l = 0; l < k; ++l) {
    if (l > 0) {
      PlanLevel& level = plan.levels[l];
      const double size =
          (level.candidates.set >= 0 ? plan.sets[level.candidates.set].estimated_size : d) *
          label_share(profile, level.label);
      level.estimated_candidates = size;
      bound |= PatternMask{1} << level.pattern_vertex;
      const double next = restriction_survival(bound, plan.restrictions);
      tuples *= size * next / survival;
      survival = next;
    }
    plan.levels[l].estimated_iterations = tuples;
  }
  return price(plan, profile);
}

double price(Plan& plan, const GraphProfile& profile) {
  const double d = std::max(profile.size_biased_degree, 1.0);
  const int enumerated = plan.enumerated_levels();
  const int last = std::min(enumerated, plan.size() - 1);
  // Per level, the element comparisons of one iteration.
  std::array<double, kMaxPatternSize> work;
  work.fill(kIterationCost);
  if (last == enumerated && last > 0) work[last - 1] += inclusion_exclusion_work(plan, d);
  for (const SetComputation& set : plan.sets) {
    const double base = set.base.set >= 0 ? plan.sets[set.base.set].estimated_size : d;
    work[set.level] += base + d * static_cast<double>(set.steps.size());
  }
  double cost = 0;
  for (int l = 0; l < last; ++l)
    cost += plan.levels[l].estimated_iterations * work[l];
  plan.estimated_cost = cost;
  return cost;
}

std::optional<SampledCost> sampled_cost(Plan plan, const Graph& graph, const GraphProfile& profile,
                                        std::span<const SampledCandidate> sample,
                                        std::uint64_t budget) {
  const std::optional<SampledCounts> measured = count_sample(graph, plan, sample, budget);
  if (!measured) return std::nullopt;
  take_measured(plan, *measured);
  return SampledCost{price(plan, profile), measured->work};
}

double price_measured(const Plan& plan, const SampledCounts& counts, const GraphProfile& profile) {
  const int enumerated = plan.enumerated_levels();
  const int last = std::min(enumerated, plan.size() - 1);
  double cost = 0;
  for (int l = 0; l < last; ++l)
    cost += counts.iterations[l] * kIterationCost;
  if (last == enumerated && last > 0) {
    // Inclusion-exclusion's work per iteration, from the sets' measured sizes.
    Plan measured = plan;
    take_measured(measured, counts);
    cost += counts.iterations[last - 1] *
            inclusion_exclusion_work(measured, std::max(profile.size_biased_degree, 1.0));
  }
  for (std::size_t id = 0; id < plan.sets.size(); ++id) {
    if (plan.sets[id].level >= last) continue;
    for (const SampledCounts::Step& step : counts.steps[id])
      cost += step.merges;
  }
  return cost;
}

std::vector<std::vector<int>> connected_orders(const Pattern& pattern, std::size_t limit) {
  std::vector<std::vector<int>> orders;
  std::vector<int> order;
  order_orders(pattern, order, 0, orders, limit);
  return orders;
}

Schedule choose_schedule(const Pattern& pattern, Induced induced, const GraphProfile& profile,
                         PlanUse use, std::size_t alternatives, std::size_t order_limit) {
  const std::vector<RestrictionSet> restriction_sets = candidate_restriction_sets(pattern);
  const std::vector<std::vector<int>> orders = connected_orders(pattern, order_limit);
  // Phase 1: every order with the first restriction set; phase 2: the best orders with every
  // restriction set. Pricing all pairs costs too much for 7-vertex patterns.
  constexpr std::size_t kShortlist = 16;
  std::vector<std::pair<double, std::size_t>> ranked;
  ranked.reserve(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    Plan plan = build_plan(pattern, induced, orders[i], restriction_sets.front(), use);
    ranked.emplace_back(estimate_cost(plan, profile), i);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<Plan> plans;
  for (std::size_t r = 0; r < std::min(kShortlist, ranked.size()); ++r) {
    for (const RestrictionSet& restrictions : restriction_sets) {
      Plan plan = build_plan(pattern, induced, orders[ranked[r].second], restrictions, use);
      estimate_cost(plan, profile);
      plans.push_back(std::move(plan));
    }
  }
  std::stable_sort(plans.begin(), plans.end(), [](const Plan& a, const Plan& b) {
    return a.estimated_cost < b.estimated_cost;
  });
  Schedule schedule{std::move(plans.front()), {}};
  for (std::size_t i = 1; i < plans.size() && schedule.alternatives.size() < alternatives; ++i) {
    schedule.alternatives.push_back(std::move(plans[i]));
  }
  return schedule;
}

}  // namespace graphmini
