#include "compiler/motifs.h"

#include <map>
#include <set>
#include <string>

#include "runtime/error.h"

namespace graphmini {

MotifCounter::MotifCounter(int size, const GraphProfile& profile, const MotifOptions& options,
                           const Graph* graph) {
  if (size < 3 || size > 5) {
    throw InvalidArgument("motif size must be 3, 4 or 5, not " + std::to_string(size));
  }
  std::set<std::string> counted;
  for (Pattern& pattern : connected_patterns(size)) {
    CountPlan plan = plan_count(pattern, Induced::vertex, profile, options.supergraphs, graph);
    plan_minigraphs(plan, options.prune, profile);
    for (const CountTerm& term : plan.terms)
      counted.insert(counted_key(term.plan));
    executables_.emplace_back(plan.terms, KernelKind::count, options.engine, options.jit);
    patterns_.push_back(std::move(pattern));
  }
  runs_ = counted.size();
}

std::vector<MotifCount> MotifCounter::count(const Graph& graph, const RunOptions& options) const {
  std::vector<MotifCount> counts;
  std::map<std::string, WideCount> known;
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const RunResult result = executables_[i].count(graph, options, &known);
    counts.push_back({patterns_[i], result.count, result.work});
    if (result.stopped) break;
  }
  return counts;
}

}  // namespace graphmini
