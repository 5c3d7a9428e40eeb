// Motif counting: the vertex-induced count of every connected pattern with k vertices, as
// network-motif analysis needs (Milo et al., Science 2002).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/engine.h"
#include "compiler/pattern.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"
#include "compiler/supergraphs.h"

namespace graphmini {

struct MotifCount {
  Pattern pattern;
  std::uint64_t count = 0;  // of this rank, in a distributed run (RunOptions::cluster)
  RunWork work;
};

struct MotifOptions {
  Engine engine = default_engine();
  PruneMode prune = PruneMode::cost;
  JitOptions jit;
  SupergraphMode supergraphs = SupergraphMode::cost;
};

// The vertex-induced counts of every connected pattern of `size` vertices (3 <= size <= 5),
// planned and compiled up front, so that the work of a run is known before it starts.
// Patterns counted from their supergraphs (compiler/supergraphs.h) share them: each
// supergraph is counted once for all.
class MotifCounter {
 public:
  // Throws InvalidArgument for another size. Given the graph (that `profile` was taken
  // from), SupergraphMode::cost decides on sampled costs (plan_count).
  MotifCounter(int size, const GraphProfile& profile, const MotifOptions& options = {},
               const Graph* graph = nullptr);

  // The kernels that count() runs, each over the graph's vertices: RunOptions::progress
  // advances by the graph's vertices times this.
  std::size_t runs() const { return runs_; }

  // One entry per pattern, in the order of connected_patterns(size); the count is this rank's
  // in a distributed run (RunOptions::cluster). A stopped run ends after the pattern it
  // stopped in.
  std::vector<MotifCount> count(const Graph& graph, const RunOptions& options = {}) const;

 private:
  std::vector<Pattern> patterns_;
  std::vector<CountExecutable> executables_;
  std::size_t runs_ = 0;
};

}  // namespace graphmini
