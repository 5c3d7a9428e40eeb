// The plan IR: the nested loop that enumerates one pattern, level by level.
//
// Level i binds pattern vertex order[i] to a graph vertex. Level 0 loops over every vertex;
// level i > 0 loops over a candidate set built from the neighbour lists of vertices bound at
// earlier levels: intersected for pattern edges, subtracted for pattern non-edges when
// matching is vertex-induced (anti-edges), clipped to the bounds that the symmetry-breaking
// restrictions put on it, and filtered by label. Sub-expressions are hoisted: each set is
// computed right after the last vertex it depends on is bound and shared by every deeper
// level that needs the same expression, which is what makes the loop nest fast (GraphPi and
// GraphMini generate the same shape of code).
//
// The interpreter (compiler/interpreter.h) runs a plan directly; the code generator of the
// next stage emits the same loop nest as C++. print() is the textual form pinned by golden
// tests and shown by `graphmini explain`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/pattern.h"
#include "compiler/restrictions.h"

namespace graphmini {

// A vertex set operand: a computed set, or the neighbour list of the vertex bound at a level.
struct SetSource {
  int set = -1;            // index into Plan::sets
  int neighbours_of = -1;  // a level
  bool operator==(const SetSource&) const = default;
};

enum class SetOperation { intersect, subtract };

struct SetStep {
  SetOperation operation;
  int level;  // with the neighbours of the vertex bound at this level
  // Reads v_level's list in this minigraph (an index into Plan::minigraphs) instead of its
  // whole neighbour list; -1 for the neighbour list.
  int minigraph = -1;
};

// One hoisted set, computed after `level` is bound: start from `base`, apply `steps` in
// order, keep only ids below every vertex of `upper` and above every vertex of `lower`.
struct SetComputation {
  int level = 0;
  SetSource base;
  std::vector<SetStep> steps;
  std::vector<int> upper;  // levels
  std::vector<int> lower;  // levels
  // Only the last level's count, or inclusion-exclusion's sizes, read it: a counting run
  // counts it without materialising.
  bool count_only = false;
  // A membership bitmap over vertex ids (kernel::Task::bitmaps) that holds this set's
  // members while deeper levels run, so that a counted set X & L or X - L read from it
  // tests L's members by id instead of merging with X; -1 for none.
  int bitmap = -1;
  double estimated_size = 0;
};

// Whether level l is one of `levels` (a short list: PlanLevel::distinct_from, among, ...).
inline bool has_level(const std::vector<int>& levels, int l) {
  return std::find(levels.begin(), levels.end(), l) != levels.end();
}

struct PlanLevel {
  int pattern_vertex = 0;
  // Level 0 loops over all vertices (source left empty); deeper levels over this source.
  SetSource candidates;
  // Bounds still to apply while looping (only when the candidates are a raw neighbour list;
  // computed sets already include their bounds).
  std::vector<int> upper;
  std::vector<int> lower;
  // Earlier levels whose vertex can appear among the candidates (pattern non-neighbours not
  // excluded by a bound; vertex-induced, only those with this level's earlier neighbours):
  // skipped while looping, subtracted when counting.
  std::vector<int> distinct_from;
  // Those of distinct_from whose vertex is surely among the candidates (a pattern neighbour of
  // every level they intersect, not of those they subtract, and within their bounds by the
  // restrictions): subtracted when counting without a membership test.
  std::vector<int> among;
  // The full expression, for membership tests of distinct_from vertices when counting; empty
  // when vertex-induced, where a distinct_from vertex always has the adjacency of a member.
  std::vector<int> intersect_levels;
  std::vector<int> subtract_levels;
  std::optional<Label> label;
  double estimated_candidates = 0;
  double estimated_iterations = 0;  // how often the level's body runs in a whole run
};

// How a minigraph is built, if at all.
enum class MinigraphBuild {
  skip,    // not built: its users read whole neighbour lists (or an enclosing minigraph's)
  eager,   // every list pruned when the minigraph is built
  online,  // each list pruned the first time it is read
};

// An auxiliary pruned graph (see runtime/kernel_abi.h): built right after the sets of
// `level` are computed, keeping for each member u of `rows` the list N(u) & domain. A set
// step X & N(v_l) or X - N(v_l) at a deeper level can read v_l's pruned list instead when X
// is a subset of the domain and v_l a member of the rows; when X is the domain itself,
// X & N(v_l) is the pruned list as it stands. The rows are the domain itself, or, when v_l
// loops over a set that is not computed from the domain, that set. Costs are in element
// comparisons over the whole run, as estimated by the cost model (compiler/prune.h).
struct Minigraph {
  int level = 0;
  SetSource domain;  // a set, or the neighbour list of a vertex bound at `level` or earlier
  SetSource rows;    // likewise; often the domain
  // A built minigraph of an earlier level whose domain and rows contain this one's.
  int parent = -1;
  // Every reader clips the list of v_l to ids above v_l, so lists keep only those.
  bool above = false;
  MinigraphBuild build = MinigraphBuild::skip;
  double eager_cost = 0;   // of building it eagerly wherever its level runs
  double online_cost = 0;  // of building it online
  double saving = 0;       // of its users reading pruned lists
};

// Counting the innermost levels by inclusion–exclusion (GraphPi, Shi et al., SC 2020).
//
// When matching is edge-induced and the last r pattern vertices of the order are pairwise
// non-adjacent, their candidate sets S_t depend only on the levels before them, so the ways
// to complete a prefix need not be enumerated: the number of tuples of distinct vertices,
// one from each S_t (less the vertices bound earlier), is
//     sum over the set partitions B_1 .. B_m of the r levels of
//     prod_j (-1)^(|B_j|-1) (|B_j|-1)! |intersection of S_t over t in B_j|.
// Restrictions among the r vertices are not applied while counting. Levels whose sets are
// the same expression can be permuted without changing the tuple count; the group G of
// those permutations acts freely on the tuples, and the plan checks over every ranking of
// the r vertices that the restrictions among them keep the same number c of each G-orbit,
// so the count with the restrictions is the sum times c / |G|.
struct InclusionExclusion {
  struct Term {
    std::int64_t coefficient = 0;
    std::vector<std::uint32_t> blocks;  // bit i = level first_level + i
  };
  // For every non-empty subset of the counted levels (by mask): the levels whose sets must
  // be intersected (duplicates and supersets of others dropped) and the earlier levels whose
  // vertex may lie in all of them, to be subtracted.
  struct Block {
    std::vector<int> levels;
    std::vector<int> distinct_from;
    std::vector<int> among;  // those surely in all of them (PlanLevel::among of each level)
  };
  int first_level = 0;  // levels first_level .. k-1 are counted at level first_level - 1
  std::vector<Term> terms;
  std::vector<Block> blocks;     // by mask; blocks[0] is unused
  std::uint64_t multiplier = 1;  // c / |G| in lowest terms
  std::uint64_t divisor = 1;
};

// A count that can pass 64 bits before it comes back: inclusion–exclusion's terms before they
// cancel, or ranks' counts before a signed sum (GCC's and Clang's 128-bit integers).
__extension__ typedef __int128 WideCount;

// What a plan is for: counting may use inclusion–exclusion, listing must enumerate.
enum class PlanUse { count, list };

struct Plan {
  Pattern pattern;
  Induced induced = Induced::edge;
  std::vector<int> order;  // order[level] = pattern vertex
  RestrictionSet restrictions;
  std::vector<PlanLevel> levels;
  std::vector<SetComputation> sets;
  std::optional<InclusionExclusion> inclusion_exclusion;
  // Every set that some deeper step could read pruned lists of, with the pruning pass's
  // decision (compiler/prune.h); empty until that pass runs.
  std::vector<Minigraph> minigraphs;
  // Whether the pruning pass priced them with the plan's counts on a sample of the graph
  // rather than with the schedule's estimates.
  bool minigraphs_measured = false;
  double estimated_cost = 0;

  int size() const { return static_cast<int>(levels.size()); }
  // The levels that are looped over: all of them, or those before inclusion–exclusion.
  int enumerated_levels() const {
    return inclusion_exclusion ? inclusion_exclusion->first_level : size();
  }
  // Sets computed right after `level` is bound, in the order they must be computed.
  std::vector<int> sets_at(int level) const;
  std::string print() const;
};

// Builds the loop nest for a connected `order` (every level after the first has a pattern
// neighbour among the earlier ones); for counting, with the longest suffix that
// inclusion–exclusion can count (at least two levels, at most kMaxInclusionExclusion) when
// matching is edge-induced and the pattern unlabelled. Throws InvalidArgument for an order
// that is not a permutation or not connected.
Plan build_plan(const Pattern& pattern, Induced induced, const std::vector<int>& order,
                const RestrictionSet& restrictions, PlanUse use = PlanUse::count);
inline constexpr int kMaxInclusionExclusion = 4;

const char* to_string(Induced induced);
const char* to_string(MinigraphBuild build);
// "edge" or "vertex"; throws InvalidArgument otherwise.
Induced parse_induced(std::string_view text);

}  // namespace graphmini
