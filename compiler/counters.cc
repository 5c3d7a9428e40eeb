#include "compiler/counters.h"

#include "compiler/cliques.h"
#include "compiler/wedges.h"

namespace graphmini {

const char* to_string(Counter counter) {
  switch (counter) {
    case Counter::plan:
      return "plan";
    case Counter::wedges:
      return "wedges";
    case Counter::bitsets:
      return "bitsets";
  }
  return "?";
}

Counter choose_counter(const Plan& plan) {
  if (counts_by_wedges(plan)) return Counter::wedges;
  if (counts_by_bitsets(plan)) return Counter::bitsets;
  return Counter::plan;
}

Counter counter_on(Counter counter, const Graph& graph) {
  return graph.orientation() == Orientation::undirected ? counter : Counter::plan;
}

std::optional<RunResult> count_by(Counter counter, const Plan& plan, const Graph& graph,
                                  const RunOptions& options) {
  switch (counter_on(counter, graph)) {
    case Counter::plan:
      return std::nullopt;
    case Counter::wedges:
      return count_four_cycles(graph, options);
    case Counter::bitsets:
      return count_cliques(graph, plan.pattern.size(), options);
  }
  return std::nullopt;
}

std::optional<double> sampled_counter_cost(Counter counter, const Plan& plan, const Graph& graph,
                                           std::span<const SampledCandidate> sample) {
  switch (counter_on(counter, graph)) {
    case Counter::plan:
      return std::nullopt;
    case Counter::wedges:
      return sampled_wedge_cost(graph, sample);
    case Counter::bitsets:
      return sampled_clique_cost(graph, plan.pattern.size(), sample);
  }
  return std::nullopt;
}

}  // namespace graphmini
