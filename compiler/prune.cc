#include "compiler/prune.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

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

// The comparisons of merging or galloping two sorted lists, whichever is cheaper.
double merge_cost(double a, double b) {
  const double shorter = std::max(std::min(a, b), 1.0);
  const double longer = std::max(a, b);
  return std::min(a + b, shorter * (1 + 2 * std::log2(1 + longer / shorter)));
}

// Estimates in element comparisons (see prune.h).
class CostModel {
 public:
  CostModel(const Plan& plan, const GraphProfile& profile)
      : plan_(plan),
        closure_(std::clamp(profile.closure, 1e-6, 1.0)),
        degree_(std::max(profile.size_biased_degree, 1.0)),
        // A bitmap of up to 2^23 vertices (1 MiB) stays in cache; larger ones miss.
        bit_test_(profile.vertices <= (1 << 23) ? 1 : 4) {}

  double domain_size(const Minigraph& m) const { return size(m.domain); }

  // The schedule's estimate of a set's size leaves its bounds to the iteration counts; here
  // each of b bounds keeps about 1 / (b + 1) of the members (a member lies above b other
  // random vertices with that probability).
  double size(SetSource source) const {
    if (source.set < 0) return degree_;
    const SetComputation& set = plan_.sets[source.set];
    return set.estimated_size / static_cast<double>(1 + set.upper.size() + set.lower.size());
  }

  // The cost of one run of step `use` when it reads minigraph `m` (-1: the whole list).
  double step(const Use& use, int m) const {
    if (m < 0) return merge_cost(operand_size(use), degree_);
    const SetComputation& set = plan_.sets[use.set];
    if (use.step == 0 && takes_pruned_list(plan_, set, m)) return kClipCost;
    return merge_cost(operand_size(use), list_length(plan_.minigraphs[m]));
  }

  // A pruned list: the domain members adjacent to its vertex (and above it when cut so).
  double list_length(const Minigraph& m) const { return domain_size(m) * closure_ * kept(m); }

  double iterations(const Use& use) const {
    return plan_.levels[plan_.sets[use.set].level].estimated_iterations;
  }

  // Whether a bitmap of set x saves more than it costs its readers: counted sets X & L or
  // X - L of one step at deeper levels, which then test the members of L (clipped to their
  // bounds) in the bitmap instead of merging L with X.
  bool pays_for_bitmap(int x, const std::vector<int>& readers) const {
    const SetComputation& set = plan_.sets[x];
    double with = plan_.levels[set.level].estimated_iterations * kMarkCost * size({x, -1});
    double without = 0;
    for (const int reader : readers) {
      const Use use{reader, 0};
      const SetComputation& counted = plan_.sets[reader];
      const int m = counted.steps[0].minigraph;
      const double list = m >= 0 ? list_length(plan_.minigraphs[m]) : degree_;
      const double bounds = 1 + counted.upper.size() + counted.lower.size();
      with += iterations(use) * bit_test_ * list / bounds;
      without += iterations(use) * step(use, m);
    }
    return with < without;
  }

  // One list's pruning: its source (a neighbour list or the enclosing minigraph's list) merged
  // with the domain, both cut to the ids above the list's vertex when the lists are.
  double prune_cost(const Minigraph& m) const {
    const double source = m.parent >= 0 ? list_length(plan_.minigraphs[m.parent]) : degree_;
    return merge_cost(source * kept(m), domain_size(m) * kept(m));
  }

  double eager(const Minigraph& m) const {
    return runs(m) * (kBuildCost + size(m.rows) * (kListCost + prune_cost(m)));
  }

  double online(const Minigraph& m, const std::vector<Use>& users) const {
    const double rows = size(m.rows);
    int first_user = plan_.size();
    for (const Use& use : users)
      first_user = std::min(first_user, plan_.sets[use.set].level);
    const double reads = plan_.levels[first_user].estimated_iterations / std::max(runs(m), 1e-300);
    const double share = std::clamp(reads / std::max(rows, 1.0), 0.0, 1.0);
    return runs(m) * (kBuildCost + rows + share * rows * (2 * kListCost + prune_cost(m)));
  }

 private:
  double operand_size(const Use& use) const { return size(plan_.sets[use.set].base); }
  double runs(const Minigraph& m) const { return plan_.levels[m.level].estimated_iterations; }
  // A member lies above the list's vertex about half the time.
  static double kept(const Minigraph& m) { return m.above ? 0.5 : 1.0; }

  const Plan& plan_;
  const double closure_;
  const double degree_;
  const double bit_test_;  // the cost of testing one id in a bitmap
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

void plan_minigraphs(Plan& plan, PruneMode mode, const GraphProfile& profile) {
  for (const Minigraph& m : plan.minigraphs)
    plan.estimated_cost -= net_cost(m);
  plan.minigraphs.clear();
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
  const CostModel model(plan, profile);
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
    minigraph.eager_cost = model.eager(minigraph);
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
