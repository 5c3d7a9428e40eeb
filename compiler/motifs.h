// Motif counting: the vertex-induced count of every connected pattern with k vertices, as
// network-motif analysis needs (Milo et al., Science 2002).
#pragma once

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
  RunOptions run;
  SupergraphMode supergraphs = SupergraphMode::cost;
};

// One entry per connected pattern of `size` vertices (3 <= size <= 5), in the order of
// connected_patterns(size). Patterns counted from their supergraphs (compiler/supergraphs.h)
// share them: each supergraph is counted once for all. Throws InvalidArgument for another
// size.
std::vector<MotifCount> count_motifs(const Graph& graph, int size, const GraphProfile& profile,
                                     const MotifOptions& options = {});

}  // namespace graphmini
