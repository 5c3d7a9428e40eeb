// The pruning pass: which auxiliary pruned graphs (minigraphs, plan.h) a plan builds, and
// which sets it keeps in membership bitmaps.
//
// Every hoisted set D that deeper set steps could read pruned lists of is a candidate: a step
// X & N(v_l) or X - N(v_l) qualifies when X is computed from D (so X is a subset of D) and
// v_l loops over D or a set computed from it. When v_l loops over a set R that is not
// computed from D, the candidate keeps the lists of R's members pruned to D instead, built at
// each level from the smallest D and R available there (GraphMini's auxiliary graphs have
// such separate rows and columns). The modes are those of the GraphMini paper's
// ablation (Liu et al., PACT 2023), adapted to this plan IR:
//   none    no minigraphs;
//   static  one minigraph per outermost vertex (the level-0 candidates), pruned eagerly,
//           never nested;
//   eager   every candidate, nested (a minigraph is pruned from the lists of the enclosing
//           one), every list pruned when the minigraph is built;
//   online  every candidate, nested, each list pruned the first time a deeper loop reads it;
//   cost    per candidate, outermost first (the smaller domain first within a level), eager
//           or online, whichever is cheaper, when the cost model below says it saves
//           kPayback (1.3) times what it costs, else skipped.
// When every reader of a list clips it to ids above its vertex (symmetry-breaking bounds), the
// lists keep only those ids, which halves building them.
//
// Cost model, in element comparisons over the whole run, from the schedule's estimates (the
// plan's iteration counts and set sizes, compiler/schedule.h) and the graph profile (the
// size-biased degree d' and the closure probability p):
//   * merging lists of lengths a and b costs M(a, b) = min(a + b, 3 s (1 + 2 log2(1 + l / s)))
//     for the shorter s and the longer l (a linear merge, or galloping, whose steps cost about
//     three of the merge's: the runtime gallops from a ratio of 32, where the two are equal);
//   * set sizes are the schedule's estimates with each of b bounds keeping 1 / (b + 1);
//   * a minigraph over D built at a level that runs I times costs I (B + |D| (L + M(s, |D|)))
//     eagerly, where s is the length of a member's source list (d', or |D'| p when pruned
//     from an enclosing minigraph over D'), B a fixed cost per build and L per list; online,
//     I (B + |D| + f |D| (2L + M(s, |D|))) where f is the share of the lists the first user
//     level reads;
//   * a step that runs J times and merges its operand X with a list of length n costs
//     J M(|X|, n); with a pruned list n = |D| p, and X & N(v) with X = D costs a clip only.
//     The saving of a minigraph is the sum over its users of J times the cost of the step's
//     best other choice (whole lists or an enclosing minigraph) less its cost with this one.
// In cost mode on a graph (plan_minigraphs for a CountPlan, compiler/supergraphs.h), the plan
// runs first on a sample of the graph (count_sample, compiler/interpreter.h), and the model
// reads its counts instead: I and J, and |X|, n and the whole-list merges M(|X|, n) as each
// step's runs saw them; f from the reads of every level whose lists the users read (at most
// all); a member's source list s as long as the degrees of the vertices
// whose lists the users read; |D| in M(s, |D|) as the domain's members see it (weighted by
// its size: each member has a list); and the share of a list that a pruned one keeps as a
// user set that is such a list measured it (else p). Level 0 is the graph's: |V| runs, mean
// degree, and d' as its members see it. The schedule's independence estimates missed both
// ways on the SNAP graphs (bench/results/prune_choice): P8's deep sets on soc-Slashdot0902
// (closure 0.022) are far larger than modelled, so minigraphs that pay were skipped, while
// P3 edge-induced built a G0 whose lists cost what they save.
//
// Membership bitmaps, in every mode of counting kernels: a counted set X & L or X - L of one
// step whose operand X is computed at an earlier level can test L's members (clipped to its
// bounds) in a bitmap of X over vertex ids instead of merging L with X. X gets a bitmap when
// marking and clearing it, 2 |X| wherever X is computed, plus one test per member of L
// (four when the bitmap exceeds 1 MiB and misses the cache) costs less than the merges.
#pragma once

#include <string_view>

#include "compiler/plan.h"
#include "compiler/schedule.h"

namespace graphmini {

enum class PruneMode { none, static_, eager, online, cost };

const char* to_string(PruneMode mode);
// "none", "static", "eager", "online" or "cost"; throws InvalidArgument otherwise.
PruneMode parse_prune_mode(std::string_view text);

struct SampledCounts;

// Fills plan.minigraphs with every candidate, its estimates and the decision of `mode`,
// points the qualifying set steps at the cheapest minigraph built for them, sets
// plan.estimated_cost to the plan's price plus the minigraphs' net cost and chooses the sets
// kept in bitmaps. `plan` must have been priced by estimate_cost with the same profile. With
// PruneMode::cost, `measured` (the plan's counts on a sample of the graph, count_sample in
// compiler/interpreter.h), when given, takes the place of the schedule's estimates, in the
// plan's price too (price_measured). Runs again from scratch when called again.
void plan_minigraphs(Plan& plan, PruneMode mode, const GraphProfile& profile,
                     const SampledCounts* measured = nullptr);

// The comparisons of merging or galloping two sorted lists of lengths a and b, whichever is
// cheaper (the cost model's M(a, b)).
double merge_cost(double a, double b);

// The number of minigraphs the plan builds.
int built_minigraphs(const Plan& plan);

// Whether `set`, when its first step reads `minigraph` (-1: none), is that step's pruned list
// as it stands: a first step X & N(v) where X is the minigraph's domain.
bool takes_pruned_list(const Plan& plan, const SetComputation& set, int minigraph);

}  // namespace graphmini
