#include "compiler/motifs.h"

#include <map>
#include <string>

#include "runtime/error.h"

namespace graphmini {

std::vector<MotifCount> count_motifs(const Graph& graph, int size, const GraphProfile& profile,
                                     const MotifOptions& options) {
  if (size < 3 || size > 5) {
    throw InvalidArgument("motif size must be 3, 4 or 5, not " + std::to_string(size));
  }
  std::vector<MotifCount> counts;
  std::map<std::string, WideCount> known;
  for (Pattern& pattern : connected_patterns(size)) {
    CountPlan plan = plan_count(pattern, Induced::vertex, profile, options.supergraphs);
    plan_minigraphs(plan, options.prune, profile);
    const CountExecutable executable(plan.terms, KernelKind::count, options.engine, options.jit);
    const RunResult result = executable.count(graph, options.run, &known);
    counts.push_back({std::move(pattern), result.count, result.work});
    if (result.stopped) break;
  }
  return counts;
}

}  // namespace graphmini
