#include "compiler/plan.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <map>
#include <numeric>
#include <tuple>

#include "runtime/error.h"

namespace graphmini {
namespace {

// Levels as bits (level l is bit l); patterns have at most kMaxPatternSize vertices.
using LevelMask = std::uint32_t;
static_assert(kMaxPatternSize <= 32);

constexpr bool has(LevelMask levels, int l) {
  return (levels >> l & 1u) != 0;
}

// The levels up to `level`.
constexpr LevelMask through(int level) {
  return (LevelMask{2} << level) - 1;
}

// The levels in increasing order.
std::vector<int> level_list(LevelMask levels) {
  std::vector<int> list;
  list.reserve(std::popcount(levels));
  for (; levels != 0; levels &= levels - 1)
    list.push_back(std::countr_zero(levels));
  return list;
}

// What a candidate set depends on once the levels up to some level are bound.
struct SetKey {
  LevelMask intersect = 0, subtract = 0, upper = 0, lower = 0;
  auto operator<=>(const SetKey&) const = default;
  bool only_neighbours() const {
    return std::has_single_bit(intersect) && subtract == 0 && upper == 0 && lower == 0;
  }
};

SetKey prefix(const SetKey& full, int level) {
  const LevelMask kept = through(level);
  return {full.intersect & kept, full.subtract & kept, full.upper & kept, full.lower & kept};
}

std::string levels_text(const char* prefix_text, const std::vector<int>& levels) {
  std::string text;
  for (const int l : levels) {
    if (!text.empty()) text += ", ";
    text += prefix_text + std::to_string(l);
  }
  return text;
}

std::string source_text(const SetSource& source) {
  if (source.set >= 0) return "S" + std::to_string(source.set);
  if (source.neighbours_of >= 0) return "N(v" + std::to_string(source.neighbours_of) + ")";
  return "V";
}

std::string bounds_text(const std::vector<int>& upper, const std::vector<int>& lower) {
  std::string text;
  for (const int l : lower)
    text += " > v" + std::to_string(l);
  for (const int l : upper)
    text += " < v" + std::to_string(l);
  return text;
}

// The set partitions of {0 .. r-1}, each as its blocks (bit masks), into `out`.
void set_partitions(int r, int next, std::vector<std::uint32_t>& blocks,
                    std::vector<std::vector<std::uint32_t>>& out) {
  if (next == r) {
    out.push_back(blocks);
    return;
  }
  const std::uint32_t bit = std::uint32_t{1} << next;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    blocks[b] |= bit;
    set_partitions(r, next + 1, blocks, out);
    blocks[b] &= ~bit;
  }
  blocks.push_back(bit);
  set_partitions(r, next + 1, blocks, out);
  blocks.pop_back();
}

// Inclusion-exclusion over levels k-r .. k-1 (see plan.h), or nullopt when the restrictions
// among them do not keep the same share of every orbit of the interchangeable levels.
// `keys` are the levels' full set keys; the bounds among the counted levels are dropped
// from them here.
std::optional<InclusionExclusion> inclusion_exclusion_over(const std::vector<int>& order,
                                                           const RestrictionSet& restrictions,
                                                           std::vector<SetKey>& keys, int r) {
  const int k = static_cast<int>(order.size());
  const int first = k - r;
  for (int t = first; t < k; ++t) {
    keys[t].upper &= through(first - 1);
    keys[t].lower &= through(first - 1);
  }
  // Restrictions among the counted vertices, as positions 0 .. r-1.
  std::vector<std::pair<int, int>> among;
  for (const Restriction restriction : restrictions) {
    const auto smaller = std::find(order.begin() + first, order.end(), restriction.smaller);
    const auto larger = std::find(order.begin() + first, order.end(), restriction.larger);
    if (smaller != order.end() && larger != order.end()) {
      among.emplace_back(static_cast<int>(smaller - order.begin()) - first,
                         static_cast<int>(larger - order.begin()) - first);
    }
  }
  std::vector<int> identity(r);
  for (int i = 0; i < r; ++i)
    identity[i] = i;
  std::vector<std::vector<int>> group;  // permutations of positions with equal keys
  std::vector<int> sigma = identity;
  do {
    bool keeps = true;
    for (int i = 0; i < r && keeps; ++i)
      keeps = keys[first + i] == keys[first + sigma[i]];
    if (keeps) group.push_back(sigma);
  } while (std::next_permutation(sigma.begin(), sigma.end()));
  std::optional<std::uint64_t> share;
  std::vector<int> rank = identity;
  do {
    std::uint64_t kept = 0;
    for (const auto& g : group) {
      kept += std::all_of(among.begin(), among.end(), [&](const std::pair<int, int>& a) {
        return rank[g[a.first]] < rank[g[a.second]];
      });
    }
    if (share && *share != kept) return std::nullopt;
    share = kept;
  } while (std::next_permutation(rank.begin(), rank.end()));

  InclusionExclusion result;
  result.first_level = first;
  const std::uint64_t divisor = std::gcd(*share, group.size());
  result.multiplier = *share / divisor;
  result.divisor = group.size() / divisor;
  std::vector<std::vector<std::uint32_t>> partitions;
  std::vector<std::uint32_t> blocks;
  set_partitions(r, 0, blocks, partitions);
  for (auto& partition : partitions) {
    std::int64_t coefficient = 1;
    for (const std::uint32_t block : partition) {
      const int size = std::popcount(block);
      for (int i = 2; i < size; ++i)
        coefficient *= i;
      if (size % 2 == 0) coefficient = -coefficient;
    }
    result.terms.push_back({coefficient, std::move(partition)});
  }
  return result;
}

// The longest suffix of pairwise non-adjacent pattern vertices (two or more) that
// inclusion-exclusion can count; updates the keys of its levels.
std::optional<InclusionExclusion> longest_inclusion_exclusion(const Pattern& pattern,
                                                              const std::vector<int>& order,
                                                              const RestrictionSet& restrictions,
                                                              std::vector<SetKey>& keys) {
  const int k = pattern.size();
  int longest = 1;
  while (longest < std::min(k - 1, kMaxInclusionExclusion)) {
    const int next = order[k - 1 - longest];
    bool independent = true;
    for (int t = k - longest; t < k; ++t)
      independent = independent && !pattern.adjacent(next, order[t]);
    if (!independent) break;
    ++longest;
  }
  for (int r = longest; r >= 2; --r) {
    std::vector<SetKey> trial = keys;
    if (auto result = inclusion_exclusion_over(order, restrictions, trial, r)) {
      keys = std::move(trial);
      return result;
    }
  }
  return std::nullopt;
}

// Whether level t's candidate set is always a subset of level u's (the same expression, or
// u's set is one that t's was computed from).
bool subset_of(const Plan& plan, int t, int u) {
  const PlanLevel& a = plan.levels[t];
  const PlanLevel& b = plan.levels[u];
  if (a.candidates == b.candidates) {
    return a.candidates.set >= 0 || (a.upper == b.upper && a.lower == b.lower);
  }
  if (b.candidates.set < 0) return false;
  for (int set = a.candidates.set; set >= 0; set = plan.sets[set].base.set) {
    if (set == b.candidates.set) return true;
  }
  return false;
}

void add_blocks(Plan& plan) {
  InclusionExclusion& counted = *plan.inclusion_exclusion;
  const int first = counted.first_level;
  const int r = plan.size() - first;
  counted.blocks.resize(std::size_t{1} << r);
  for (std::uint32_t mask = 1; mask < counted.blocks.size(); ++mask) {
    InclusionExclusion::Block& block = counted.blocks[mask];
    std::vector<int> members;
    for (int i = 0; i < r; ++i) {
      if (mask >> i & 1u) members.push_back(first + i);
    }
    for (const int t : members) {
      // Keep t unless another member is a subset of it (the first of equal ones stays).
      const bool dropped = std::any_of(members.begin(), members.end(), [&](int u) {
        return u != t && subset_of(plan, u, t) && (!subset_of(plan, t, u) || u < t);
      });
      if (!dropped) block.levels.push_back(t);
    }
    block.distinct_from = plan.levels[members.front()].distinct_from;
    for (const int t : members) {
      const auto& other = plan.levels[t].distinct_from;
      std::erase_if(block.distinct_from, [&](int l) { return !has_level(other, l); });
    }
    for (const int l : block.distinct_from) {
      const bool in_all = std::all_of(block.levels.begin(), block.levels.end(),
                                      [&](int t) { return has_level(plan.levels[t].among, l); });
      if (in_all) block.among.push_back(l);
    }
  }
}

// A set that inclusion-exclusion reads only by its size (the candidates of counted levels
// that no block intersects with another set or tests for an earlier vertex), and that nothing
// else reads, is counted without materialising. `uses` gives, per set, the sets and levels
// that read it.
void count_sizes_only(Plan& plan, const std::vector<int>& uses) {
  const InclusionExclusion& counted = *plan.inclusion_exclusion;
  for (int id = 0; id < static_cast<int>(plan.sets.size()); ++id) {
    std::vector<int> levels;
    for (int t = counted.first_level; t < plan.size(); ++t) {
      if (plan.levels[t].candidates.set == id) levels.push_back(t);
    }
    if (levels.empty() || uses[id] != static_cast<int>(levels.size())) continue;
    const bool sizes_only =
        std::all_of(counted.blocks.begin() + 1, counted.blocks.end(), [&](const auto& block) {
          const bool reads = std::any_of(block.levels.begin(), block.levels.end(), [&](int t) {
            return std::find(levels.begin(), levels.end(), t) != levels.end();
          });
          return !reads ||
                 (block.levels.size() == 1 && block.among.size() == block.distinct_from.size());
        });
    plan.sets[id].count_only = sizes_only;
  }
}

}  // namespace

const char* to_string(Induced induced) {
  return induced == Induced::edge ? "edge" : "vertex";
}

const char* to_string(MinigraphBuild build) {
  switch (build) {
    case MinigraphBuild::skip:
      return "skip";
    case MinigraphBuild::eager:
      return "eager";
    case MinigraphBuild::online:
      return "online";
  }
  return "?";
}

Induced parse_induced(std::string_view text) {
  if (text == "edge") return Induced::edge;
  if (text == "vertex") return Induced::vertex;
  throw InvalidArgument("induced must be 'edge' or 'vertex', not '" + std::string(text) + "'");
}

std::vector<int> Plan::sets_at(int level) const {
  std::vector<int> ids;
  for (int id = 0; id < static_cast<int>(sets.size()); ++id) {
    if (sets[id].level == level) ids.push_back(id);
  }
  return ids;
}

Plan build_plan(const Pattern& pattern, Induced induced, const std::vector<int>& order,
                const RestrictionSet& restrictions, PlanUse use) {
  const int k = pattern.size();
  std::vector<int> level_of(k, -1);
  if (static_cast<int>(order.size()) != k) {
    throw InvalidArgument("matching order has " + std::to_string(order.size()) +
                          " vertices; the pattern has " + std::to_string(k));
  }
  for (int level = 0; level < k; ++level) {
    const int p = order[level];
    if (p < 0 || p >= k || level_of[p] >= 0) {
      throw InvalidArgument("matching order is not a permutation of the pattern vertices");
    }
    level_of[p] = level;
  }

  // What each level's candidate set depends on.
  std::vector<SetKey> keys(k);
  for (int t = 1; t < k; ++t) {
    SetKey& full = keys[t];
    for (int l = 0; l < t; ++l) {
      if (pattern.adjacent(order[l], order[t])) {
        full.intersect |= LevelMask{1} << l;
      } else if (induced == Induced::vertex) {
        full.subtract |= LevelMask{1} << l;
      }
    }
    if (full.intersect == 0) {
      throw InvalidArgument("matching order is not connected: pattern vertex " +
                            std::to_string(order[t]) + " has no neighbour before it");
    }
    for (const Restriction r : restrictions) {
      if (r.smaller == order[t] && level_of[r.larger] < t)
        full.upper |= LevelMask{1} << level_of[r.larger];
      if (r.larger == order[t] && level_of[r.smaller] < t)
        full.lower |= LevelMask{1} << level_of[r.smaller];
    }
  }

  Plan plan{pattern, induced, order, restrictions, {}, {}, {}, {}, 0};
  if (use == PlanUse::count && induced == Induced::edge && !pattern.labelled()) {
    plan.inclusion_exclusion = longest_inclusion_exclusion(pattern, order, restrictions, keys);
  }
  plan.levels.resize(k);
  const int first_counted = plan.enumerated_levels();
  // precedes[a] bit b: the restrictions make pattern vertex a's match smaller than b's.
  std::array<PatternMask, kMaxPatternSize> precedes{};
  for (const Restriction r : restrictions)
    precedes[r.smaller] |= PatternMask{1} << r.larger;
  for (int via = 0; via < k; ++via)
    for (int a = 0; a < k; ++a)
      if (precedes[a] >> via & 1u) precedes[a] |= precedes[via];
  // Whether level l's vertex is surely among level t's candidates: bound vertices are adjacent
  // where the pattern says (and, vertex-induced, only there).
  const auto surely_among = [&](int t, int l) {
    const SetKey& full = keys[t];
    const auto all = [](LevelMask levels, const auto& holds) {
      for (; levels != 0; levels &= levels - 1) {
        if (!holds(std::countr_zero(levels))) return false;
      }
      return true;
    };
    return all(full.intersect, [&](int i) { return pattern.adjacent(order[l], order[i]); }) &&
           all(full.subtract,
               [&](int i) { return i == l || !pattern.adjacent(order[l], order[i]); }) &&
           all(full.lower, [&](int b) { return (precedes[order[b]] >> order[l] & 1u) != 0; }) &&
           all(full.upper, [&](int b) { return (precedes[order[l]] >> order[b] & 1u) != 0; });
  };
  std::map<std::pair<int, SetKey>, int> set_ids;  // (level, key) -> set
  std::vector<int> uses;                          // per set: how many sources refer to it

  for (int t = 0; t < k; ++t) {
    PlanLevel& level = plan.levels[t];
    level.pattern_vertex = order[t];
    if (pattern.labelled()) level.label = pattern.label(order[t]);
    if (t == 0) continue;
    const SetKey& full = keys[t];
    // Vertex-induced, the bound vertices are adjacent exactly where the pattern says: v_l can
    // be a candidate of level t only when pattern vertex l has t's neighbours among the
    // earlier levels (a twin), and then it is one as far as adjacency goes.
    const auto twins = [&](int l) {
      for (int i = 0; i < t; ++i) {
        if (i != l && pattern.adjacent(order[i], order[l]) != pattern.adjacent(order[i], order[t]))
          return false;
      }
      return true;
    };
    if (induced == Induced::edge) {
      level.intersect_levels = level_list(full.intersect);
      level.subtract_levels = level_list(full.subtract);
    }
    // Levels counted by inclusion-exclusion are distinct from each other by the formula.
    for (int l = 0; l < std::min(t, first_counted); ++l) {
      const bool bounded = has(full.upper | full.lower, l);
      if (!pattern.adjacent(order[l], order[t]) && !bounded &&
          (induced == Induced::edge || twins(l))) {
        level.distinct_from.push_back(l);
        if (surely_among(t, l)) level.among.push_back(l);
      }
    }

    // Walk the levels from the first intersected neighbour list to t - 1, adding a hoisted
    // set wherever the expression gains an operand.
    const int first = std::countr_zero(full.intersect);
    SetSource source{-1, first};
    SetKey previous = prefix(full, first);
    if (!previous.only_neighbours()) {
      // Subtractions and bounds from levels before `first` join the first set.
      SetComputation set{
          first, {-1, first}, {}, level_list(previous.upper), level_list(previous.lower)};
      for (const int l : level_list(previous.subtract))
        set.steps.push_back({SetOperation::subtract, l});
      const auto [it, added] = set_ids.try_emplace({first, previous}, plan.sets.size());
      if (added) {
        plan.sets.push_back(set);
        uses.push_back(0);
      }
      source = {it->second, -1};
    }
    for (int l = first + 1; l < t; ++l) {
      const SetKey key = prefix(full, l);
      if (key == previous) continue;
      SetComputation set{l, source, {}, level_list(key.upper), level_list(key.lower)};
      if (has(key.intersect, l)) {
        set.steps.push_back({SetOperation::intersect, l});
      }
      if (has(key.subtract, l)) {
        set.steps.push_back({SetOperation::subtract, l});
      }
      const auto [it, added] = set_ids.try_emplace({l, key}, plan.sets.size());
      if (added) {
        if (source.set >= 0) ++uses[source.set];
        plan.sets.push_back(set);
        uses.push_back(0);
      }
      source = {it->second, -1};
      previous = key;
    }
    level.candidates = source;
    if (source.set >= 0) {
      ++uses[source.set];
    } else {
      level.upper = level_list(full.upper);
      level.lower = level_list(full.lower);
    }
  }
  // The last level's own set, read by nothing else, can be counted without materialising.
  const SetSource last = plan.levels.back().candidates;
  if (!plan.inclusion_exclusion && k >= 2 && last.set >= 0 && uses[last.set] == 1 &&
      plan.sets[last.set].level == k - 2) {
    plan.sets[last.set].count_only = true;
  }
  if (plan.inclusion_exclusion) {
    add_blocks(plan);
    count_sizes_only(plan, uses);
  }
  return plan;
}

std::string Plan::print() const {
  std::string text;
  text += "pattern " + pattern.edge_list() + " (" + pattern.name() + "), " + to_string(induced) +
          "-induced\n";
  text += "restrictions " + to_string(restrictions) + "\n";
  text += "order";
  for (const int p : order)
    text += " " + std::to_string(p);
  text += "\n";
  const int enumerated = enumerated_levels();
  for (int l = 0; l < size(); ++l) {
    const PlanLevel& level = levels[l];
    if (l == enumerated) {
      const InclusionExclusion& counted = *inclusion_exclusion;
      text += std::string(2 * l, ' ') + "count by inclusion-exclusion (" +
              std::to_string(counted.terms.size()) + " terms";
      if (counted.multiplier != 1 || counted.divisor != 1) {
        text +=
            ", times " + std::to_string(counted.multiplier) + "/" + std::to_string(counted.divisor);
      }
      text += "):\n";
    }
    std::string line(2 * (l < enumerated ? l : enumerated + 1), ' ');
    line += (l < enumerated ? "for v" : "v") + std::to_string(l) + " (u" +
            std::to_string(level.pattern_vertex) + ") in " + source_text(level.candidates) +
            bounds_text(level.upper, level.lower);
    if (level.label) line += " label " + std::to_string(*level.label);
    if (!level.distinct_from.empty()) line += ", != " + levels_text("v", level.distinct_from);
    if (!level.among.empty()) line += " (surely among them: " + levels_text("v", level.among) + ")";
    text += line + "\n";
    for (const int id : sets_at(l)) {
      const SetComputation& set = sets[id];
      std::string expression = source_text(set.base);
      for (const SetStep& step : set.steps) {
        expression += step.operation == SetOperation::intersect ? " & " : " - ";
        expression += "N(v" + std::to_string(step.level) + ")";
        if (step.minigraph >= 0) expression += " in G" + std::to_string(step.minigraph);
      }
      text += std::string(2 * l + 2, ' ') + (set.count_only ? "count " : "") + "S" +
              std::to_string(id) + " = " + expression + bounds_text(set.upper, set.lower) +
              (set.bitmap >= 0 ? ", in a bitmap" : "") + "\n";
    }
    for (std::size_t m = 0; m < minigraphs.size(); ++m) {
      const Minigraph& minigraph = minigraphs[m];
      if (minigraph.level != l) continue;
      char estimates[160];
      std::snprintf(estimates, sizeof estimates, " (cost %.3g eager, %.3g online; saves %.3g)",
                    minigraph.eager_cost, minigraph.online_cost, minigraph.saving);
      text += std::string(2 * l + 2, ' ') + "minigraph G" + std::to_string(m) + " over " +
              source_text(minigraph.domain) +
              (minigraph.rows == minigraph.domain ? "" : " for " + source_text(minigraph.rows)) +
              ": " + to_string(minigraph.build) +
              (minigraph.parent >= 0 ? " from G" + std::to_string(minigraph.parent) : "") +
              estimates + "\n";
    }
  }
  return text;
}

}  // namespace graphmini
