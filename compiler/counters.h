// Counters of their own for the patterns whose plans any loop nest beats: the 4-cycle by
// wedges (compiler/wedges.h) and cliques of 4 or more vertices in bitset minigraphs
// (compiler/cliques.h). One place says which pattern counts how, runs it, and prices it for
// the cost model.
#pragma once

#include <optional>
#include <span>

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

// What counts a plan's matches: its loop nest (on the engine), or a counter of its own.
enum class Counter { plan, wedges, bitsets };
const char* to_string(Counter counter);

// The counter of a counting run of `plan` on undirected graphs.
Counter choose_counter(const Plan& plan);

// What counts with `counter` on this graph: the counters need an undirected graph, and on an
// oriented one the plan counts.
Counter counter_on(Counter counter, const Graph& graph);

// The count of `plan` (whose choose_counter is `counter`) by that counter, with the options of
// a plan's run (not a profile); nothing when the plan must count instead: Counter::plan, an
// oriented graph, or local graphs too large for bitsets (count_cliques).
std::optional<RunResult> count_by(Counter counter, const Plan& plan, const Graph& graph,
                                  const RunOptions& options);

// What counting `plan` with `counter` (not Counter::plan) would cost on `graph`, in the cost
// model's element comparisons (compiler/schedule.h), estimated from a sample of its level-1
// candidates (level0::sample) as sampled_cost estimates a plan's, so that the two compare
// (plan_count prices supergraph terms so). Nothing when the plan would count instead.
std::optional<double> sampled_counter_cost(Counter counter, const Plan& plan, const Graph& graph,
                                           std::span<const SampledCandidate> sample);

}  // namespace graphmini
