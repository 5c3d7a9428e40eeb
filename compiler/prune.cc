#include "compiler/prune.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "compiler/interpreter.h"
#include "runtime/error.h"

namespace graphmini {
namespace {

constexpr double kBuildCost = 64;  // per minigraph built: the call, the table of lists
constexpr double kListCost = 8;    // per pruned list: its allocation and table entry
constexpr double kClipCost = 8;    // a clip: two binary searches
// A minigraph is built when it saves this many times its cost. The whole-list operations it
// replaces run on the runtime's SIMD merges and galloping, cheaper per element than building
// pruned lists; calibrated with bench/match_suite on the SNAP graphs.
constexpr double kPayback = 1.3;
constexpr double kMarkCost = 2;  // per member of a set with a bitmap: marking and clearing
// A galloping step against a step of the linear (block) merge: the runtime gallops from a
// ratio of sizes of 32 (runtime/vertex_set.cc), where the two cost the same:
// 3 s (1 + 2 log2 33) = 33 s.
constexpr double kGallopStep = 3;

// Whether `source` is `ancestor` or a set computed from it (so a subset of it).
bool computed_from(const Plan& plan, SetSource source, SetSource ancestor) {
  while (true) {
    if (source == ancestor) return true;
    if (source.set < 0) return false;
    source = plan.sets[source.set].base;
  }
}

struct Use {
  int set;
  int step;
};

// The level at which a source is available: where its set is computed or its vertex bound.
int level_of(const Plan& plan, SetSource source) {
  return source.set >= 0 ? plan.sets[source.set].level : source.neighbours_of;
}

// Whether step `use` could read v_l's list in a minigraph built at `level` over `domain` with
// `rows`: its operand is computed from the domain, v_l is bound deeper and loops over the
// rows or a set computed from them.
bool could_read(const Plan& plan, int level, SetSource domain, SetSource rows, const Use& use) {
  const SetComputation& set = plan.sets[use.set];
  const int l = set.steps[use.step].level;
  return l > level && computed_from(plan, set.base, domain) &&
         computed_from(plan, plan.levels[l].candidates, rows);
}

std::vector<Use> users_of(const Plan& plan, int level, SetSource domain, SetSource rows) {
  std::vector<Use> users;
  for (int id = 0; id < static_cast<int>(plan.sets.size()); ++id) {
    for (int j = 0; j < static_cast<int>(plan.sets[id].steps.size()); ++j) {
      if (could_read(plan, level, domain, rows, {id, j})) users.push_back({id, j});
    }
  }
  return users;
}

// The smallest of `source` and the sets it is computed from that is available at `level`.
std::optional<SetSource> available(const Plan& plan, SetSource source, int level) {
  while (level_of(plan, source) > level) {
    if (source.set < 0) return std::nullopt;
    source = plan.sets[source.set].base;
  }
  return source;
}

// The mean of a sum over its count (`otherwise` when nothing was counted).
double mean(double sum, double count, double otherwise) {
  return count > 0 && sum > 0 ? sum / count : otherwise;
}

// Estimates in element comparisons (see prune.h), from the schedule's estimates or, when
// given, the plan's counts on a sample of the graph.
class CostModel {
 public:
  CostModel(const Plan& plan, const GraphProfile& profile, const SampledCounts* measured,
            const std::vector<std::vector<Use>>& users)
      : plan_(plan),
        measured_(measured),
        closure_(std::clamp(profile.closure, 1e-6, 1.0)),
        degree_(std::max(profile.size_biased_degree, 1.0)),
        mean_degree_(std::max(profile.mean_degree, 1.0)),
        // A bitmap of up to 2^23 vertices (1 MiB) stays in cache; larger ones miss.
        bit_test_(profile.vertices <= (1 << 23) ? 1 : 4) {
    for (std::size_t m = 0; m < plan.minigraphs.size(); ++m)
      pruned_shares_.push_back(measured_pruned_share(plan.minigraphs[m], users[m]));
  }

  double domain_size(const Minigraph& m) const { return size(m.domain); }

  // How often step `use` runs.
  double iterations(const Use& use) const {
    return measured_ != nullptr ? measured_->computations[use.set]
                                : iterations_at(plan_.sets[use.set].level);
  }

  // The cost of one run of step `use` when it reads minigraph `m` (-1: the whole list).
  double step(const Use& use, int m) const {
    const SetComputation& set = plan_.sets[use.set];
    if (m >= 0 && use.step == 0 && takes_pruned_list(plan_, set, m)) return kClipCost;
    if (m >= 0) return merge_cost(operand_size(use), list_length(use, m));
    if (measured_ != nullptr) return per_run(use, &SampledCounts::Step::merges);
    return merge_cost(operand_size(use), degree_);
  }

  // Whether a bitmap of set x saves more than it costs its readers: counted sets X & L or
  // X - L of one step at deeper levels, which then test the members of L (clipped to their
  // bounds) in the bitmap instead of merging L with X.
  bool pays_for_bitmap(int x, const std::vector<int>& readers) const {
    const SetComputation& set = plan_.sets[x];
    double with = iterations_at(set.level) * kMarkCost * size({x, -1});
    double without = 0;
    for (const int reader : readers) {
      const Use use{reader, 0};
      const SetComputation& counted = plan_.sets[reader];
      const int m = counted.steps[0].minigraph;
      const double bounds =
          measured_ != nullptr ? 1 : 1 + counted.upper.size() + counted.lower.size();
      with += iterations(use) * bit_test_ * list_length(use, m) / bounds;
      without += iterations(use) * step(use, m);
    }
    return with < without;
  }

  // One list's pruning: its source (a row's neighbour list, or the enclosing minigraph's
  // list) merged with the domain, both cut to the ids above the list's vertex when the lists
  // are. Measured, a row's degree is that of the vertices whose lists the users read, and the
  // domain's size as its members see it (weighted by itself: each member has a list).
  double prune_cost(const Minigraph& m, const std::vector<Use>& users) const {
    double source = degree_, domain = domain_size(m);
    if (measured_ != nullptr) {
      double degrees = 0, runs = 0;
      for (const Use& use : users) {
        const double n = step_counts(use).runs;
        degrees += n * size({-1, plan_.sets[use.set].steps[use.step].level});
        runs += n;
      }
      source = mean(degrees, runs, degree_);
      domain = size_per_member(m.domain);
    }
    if (m.parent >= 0) source = pruned_length(m.parent, source);
    return merge_cost(source * kept(m), domain * kept(m));
  }

  double eager(const Minigraph& m, const std::vector<Use>& users) const {
    return runs(m) * (kBuildCost + size(m.rows) * (kListCost + prune_cost(m, users)));
  }

  // The lists read are at most those of the vertices bound at the levels whose lists the
  // users read (at most all rows). Modelled, the first user level's reads stand for them all:
  // the schedule's estimates of the deeper levels are too coarse to add up.
  double online(const Minigraph& m, const std::vector<Use>& users) const {
    const double rows = size(m.rows);
    std::vector<int> levels;
    for (const Use& use : users) {
      levels.push_back(measured_ != nullptr ? plan_.sets[use.set].steps[use.step].level
                                            : plan_.sets[use.set].level);
    }
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    if (measured_ == nullptr) levels.resize(1);
    double reads = 0;
    for (const int l : levels)
      reads += iterations_at(l) / std::max(runs(m), 1e-300);
    const double share = std::clamp(reads / std::max(rows, 1.0), 0.0, 1.0);
    return runs(m) * (kBuildCost + rows + share * rows * (2 * kListCost + prune_cost(m, users)));
  }

 private:
  const SampledCounts::Step& step_counts(const Use& use) const {
    return measured_->steps[use.set][use.step];
  }
  double per_run(const Use& use, double SampledCounts::Step::*sum) const {
    const SampledCounts::Step& counts = step_counts(use);
    return mean(counts.*sum, counts.runs, 0.0);
  }

  // A set's mean size where it is computed, or a neighbour list's where its vertex is bound.
  // Measured: the sample's means, but at level 0, which the sample sees through few vertices,
  // the graph's mean degree (a set there is a neighbour list clipped to its bounds).
  // Modelled: the schedule's estimate, which leaves a set's bounds to the iteration counts, so
  // here each of b bounds keeps about 1 / (b + 1) of the members (a member lies above b other
  // random vertices with that probability); a list: the size-biased degree.
  double size(SetSource source) const {
    const SetComputation* set = source.set >= 0 ? &plan_.sets[source.set] : nullptr;
    const double bounds = set != nullptr ? 1 + set->upper.size() + set->lower.size() : 1;
    if (measured_ != nullptr && level_of(plan_, source) == 0) return mean_degree_ / bounds;
    if (measured_ != nullptr) {
      return set != nullptr
                 ? mean(measured_->members[source.set], measured_->computations[source.set], 0.0)
                 : mean(measured_->degrees[source.neighbours_of],
                        measured_->iterations[source.neighbours_of], degree_);
    }
    return set != nullptr ? set->estimated_size / bounds : degree_;
  }

  // The size of `source` as its members see it, each counted once per member (the domain of
  // a pruned list): measured, the size-biased mean (sum of squares over sum; at level 0 the
  // graph's size-biased degree), modelled the mean.
  double size_per_member(SetSource source) const {
    if (measured_ == nullptr) return size(source);
    const SetComputation* set = source.set >= 0 ? &plan_.sets[source.set] : nullptr;
    if (level_of(plan_, source) == 0) {
      return degree_ / (set != nullptr ? 1 + set->upper.size() + set->lower.size() : 1);
    }
    return set != nullptr ? mean(measured_->member_squares[source.set],
                                 measured_->members[source.set], size(source))
                          : mean(measured_->degree_squares[source.neighbours_of],
                                 measured_->degrees[source.neighbours_of], size(source));
  }

  // The size of the set that step `use` starts from, in its runs.
  double operand_size(const Use& use) const {
    if (measured_ != nullptr) return per_run(use, &SampledCounts::Step::operands);
    return size(plan_.sets[use.set].base);
  }

  // The list that step `use` reads, in minigraph m (-1: the whole list): measured, clipped
  // to the step's bounds.
  double list_length(const Use& use, int m) const {
    const double whole = measured_ != nullptr ? per_run(use, &SampledCounts::Step::lists) : degree_;
    return m < 0 ? whole : pruned_length(m, whole);
  }

  // A pruned list of m made from a whole one of length `whole`: the share of its members in
  // the domain, measured where a user set is such a list; else the domain members adjacent to
  // the list's vertex (and above it when cut so).
  double pruned_length(int m, double whole) const {
    if (pruned_shares_[m] >= 0) return whole * pruned_shares_[m];
    return domain_size(plan_.minigraphs[m]) * closure_ * kept(plan_.minigraphs[m]);
  }

  double runs(const Minigraph& m) const { return iterations_at(m.level); }
  // Level 0 runs once per vertex (of its label), which the schedule knows.
  double iterations_at(int l) const {
    return measured_ != nullptr && l > 0 ? measured_->iterations[l]
                                         : plan_.levels[l].estimated_iterations;
  }
  // A member lies above the list's vertex about half the time.
  static double kept(const Minigraph& m) { return m.above ? 0.5 : 1.0; }

  // The share of a neighbour list that m's pruned list keeps, measured on a user set that is
  // exactly such a list (X & N(v) with X the domain, one step); -1 when unmeasured or there
  // is none.
  double measured_pruned_share(const Minigraph& m, const std::vector<Use>& users) const {
    if (measured_ == nullptr) return -1;
    for (const Use& use : users) {
      const SetComputation& set = plan_.sets[use.set];
      const double lists = step_counts(use).lists;
      if (use.step == 0 && set.steps.size() == 1 && set.base == m.domain &&
          set.steps[0].operation == SetOperation::intersect && lists > 0) {
        return measured_->members[use.set] / lists;
      }
    }
    return -1;
  }

  const Plan& plan_;
  const SampledCounts* const measured_;
  const double closure_;
  const double degree_;
  const double mean_degree_;
  const double bit_test_;              // the cost of testing one id in a bitmap
  std::vector<double> pruned_shares_;  // by minigraph: measured_pruned_share
};

// Whether minigraph m can serve step `use`.
bool serves(const Plan& plan, const Minigraph& m, const Use& use) {
  return could_read(plan, m.level, m.domain, m.rows, use);
}

// The cheapest choice for step `use` among the whole list and the built minigraphs other
// than `excluded`, as (cost, minigraph or -1).
std::pair<double, int> best_choice(const Plan& plan, const CostModel& model, const Use& use,
                                   int excluded) {
  std::pair<double, int> best{model.step(use, -1), -1};
  for (int m = 0; m < static_cast<int>(plan.minigraphs.size()); ++m) {
    const Minigraph& minigraph = plan.minigraphs[m];
    if (m == excluded || minigraph.build == MinigraphBuild::skip || !serves(plan, minigraph, use))
      continue;
    best = std::min(best, {model.step(use, m), m});
  }
  return best;
}

double net_cost(const Minigraph& m) {
  switch (m.build) {
    case MinigraphBuild::skip:
      return 0;
    case MinigraphBuild::eager:
      return m.eager_cost - m.saving;
    case MinigraphBuild::online:
      return m.online_cost - m.saving;
  }
  return 0;
}

}  // namespace

double merge_cost(double a, double b) {
  const double shorter = std::max(std::min(a, b), 1.0);
  const double longer = std::max(a, b);
  return std::min(a + b, kGallopStep * shorter * (1 + 2 * std::log2(1 + longer / shorter)));
}

int built_minigraphs(const Plan& plan) {
  return static_cast<int>(
      std::count_if(plan.minigraphs.begin(), plan.minigraphs.end(),
                    [](const Minigraph& m) { return m.build != MinigraphBuild::skip; }));
}

bool takes_pruned_list(const Plan& plan, const SetComputation& set, int minigraph) {
  return minigraph >= 0 && !set.steps.empty() &&
         set.steps[0].operation == SetOperation::intersect &&
         set.base == plan.minigraphs[minigraph].domain;
}

const char* to_string(PruneMode mode) {
  switch (mode) {
    case PruneMode::none:
      return "none";
    case PruneMode::static_:
      return "static";
    case PruneMode::eager:
      return "eager";
    case PruneMode::online:
      return "online";
    case PruneMode::cost:
      return "cost";
  }
  return "?";
}

PruneMode parse_prune_mode(std::string_view text) {
  for (const PruneMode mode : {PruneMode::none, PruneMode::static_, PruneMode::eager,
                               PruneMode::online, PruneMode::cost}) {
    if (text == to_string(mode)) return mode;
  }
  throw InvalidArgument("prune mode must be none, static, eager, online or cost, not '" +
                        std::string(text) + "'");
}

void plan_minigraphs(Plan& plan, PruneMode mode, const GraphProfile& profile,
                     const SampledCounts* measured) {
  plan.minigraphs.clear();
  plan.minigraphs_measured = mode == PruneMode::cost && measured != nullptr;
  // The plan's own cost, on the scale of the minigraphs' costs and savings below.
  plan.estimated_cost =
      plan.minigraphs_measured ? price_measured(plan, *measured, profile) : price(plan, profile);
  for (SetComputation& set : plan.sets) {
    set.bitmap = -1;
    for (SetStep& step : set.steps)
      step.minigraph = -1;
  }

  // The candidates: every set or neighbour list D that steps X & N(v) or X - N(v) with X
  // computed from D could read pruned lists of. The rows are D when v loops over D or a set
  // computed from it; otherwise, at each level, the smallest sets that X and v's candidates
  // are computed from that are available there, so that the lists serve every deeper run.
  std::vector<std::vector<Use>> users;
  const auto add = [&](int level, SetSource domain, SetSource rows) {
    for (const Minigraph& m : plan.minigraphs) {
      if (m.domain == domain && m.rows == rows) return;
    }
    std::vector<Use> found = users_of(plan, level, domain, rows);
    if (found.empty()) return;
    Minigraph minigraph{level, domain, rows};
    minigraph.above = std::all_of(found.begin(), found.end(), [&plan](const Use& use) {
      const SetComputation& set = plan.sets[use.set];
      return std::find(set.lower.begin(), set.lower.end(), set.steps[use.step].level) !=
             set.lower.end();
    });
    plan.minigraphs.push_back(minigraph);
    users.push_back(std::move(found));
  };
  for (int l = 0; l + 1 < plan.enumerated_levels(); ++l)
    add(l, {-1, l}, {-1, l});
  for (int id = 0; id < static_cast<int>(plan.sets.size()); ++id) {
    if (!plan.sets[id].count_only) add(plan.sets[id].level, {id, -1}, {id, -1});
  }
  for (const SetComputation& set : plan.sets) {
    for (const SetStep& step : set.steps) {
      for (int level = 0; level < step.level; ++level) {
        const std::optional<SetSource> domain = available(plan, set.base, level);
        const std::optional<SetSource> rows =
            available(plan, plan.levels[step.level].candidates, level);
        if (domain && rows && !computed_from(plan, *rows, *domain) &&
            std::max(level_of(plan, *domain), level_of(plan, *rows)) == level) {
          add(level, *domain, *rows);
        }
      }
    }
  }
  std::vector<int> order(plan.minigraphs.size());
  for (int i = 0; i < static_cast<int>(order.size()); ++i)
    order[i] = i;
  // Outermost first; at one level the smaller domain first, whose lists are shorter.
  const CostModel model(plan, profile, plan.minigraphs_measured ? measured : nullptr, users);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const Minigraph& x = plan.minigraphs[a];
    const Minigraph& y = plan.minigraphs[b];
    if (x.level != y.level) return x.level < y.level;
    return model.domain_size(x) < model.domain_size(y);
  });

  for (const int m : order) {
    Minigraph& minigraph = plan.minigraphs[m];
    // The deepest built minigraph whose domain contains this one's, the smallest at its
    // level (`order` puts it first).
    for (const int outer : order) {
      const Minigraph& candidate = plan.minigraphs[outer];
      if (candidate.level >= minigraph.level) break;
      const bool deeper =
          minigraph.parent < 0 || candidate.level > plan.minigraphs[minigraph.parent].level;
      // Lists cut to the ids above their vertex only serve minigraphs cut the same way.
      const bool complete = !candidate.above || minigraph.above;
      if (deeper && complete && candidate.build != MinigraphBuild::skip &&
          computed_from(plan, minigraph.domain, candidate.domain) &&
          computed_from(plan, minigraph.rows, candidate.rows)) {
        minigraph.parent = outer;
      }
    }
    minigraph.eager_cost = model.eager(minigraph, users[m]);
    minigraph.online_cost = model.online(minigraph, users[m]);
    minigraph.saving = 0;
    for (const Use& use : users[m]) {
      const double without = best_choice(plan, model, use, m).first;
      minigraph.saving += model.iterations(use) * std::max(0.0, without - model.step(use, m));
    }
    switch (mode) {
      case PruneMode::none:
        break;
      case PruneMode::static_:
        if (minigraph.level == 0) minigraph.build = MinigraphBuild::eager;
        break;
      case PruneMode::eager:
        minigraph.build = MinigraphBuild::eager;
        break;
      case PruneMode::online:
        minigraph.build = MinigraphBuild::online;
        break;
      case PruneMode::cost:
        if (minigraph.saving > kPayback * std::min(minigraph.eager_cost, minigraph.online_cost)) {
          minigraph.build = minigraph.eager_cost <= minigraph.online_cost ? MinigraphBuild::eager
                                                                          : MinigraphBuild::online;
        }
        break;
    }
    if (minigraph.build == MinigraphBuild::skip) minigraph.parent = -1;
  }

  // Every qualifying step reads the cheapest minigraph built for it.
  for (std::size_t m = 0; m < plan.minigraphs.size(); ++m) {
    for (const Use& use : users[m]) {
      plan.sets[use.set].steps[use.step].minigraph = best_choice(plan, model, use, -1).second;
    }
  }
  for (const Minigraph& m : plan.minigraphs)
    plan.estimated_cost += net_cost(m);

  // Membership bitmaps, for counting kernels: the counted sets are the last level's, or those
  // inclusion-exclusion reads by their size.
  int bitmaps = 0;
  for (int x = 0; x < static_cast<int>(plan.sets.size()); ++x) {
    std::vector<int> readers;
    for (int id = 0; id < static_cast<int>(plan.sets.size()); ++id) {
      const SetComputation& set = plan.sets[id];
      if (set.count_only && set.base == SetSource{x, -1} && set.steps.size() == 1 &&
          set.level > plan.sets[x].level && !takes_pruned_list(plan, set, set.steps[0].minigraph)) {
        readers.push_back(id);
      }
    }
    if (!readers.empty() && model.pays_for_bitmap(x, readers)) plan.sets[x].bitmap = bitmaps++;
  }
}

}  // namespace graphmini
