// How the command line behaves on the ranks of an MPI job (runtime/cluster.h): every rank runs
// the same command, its steps through all_or_none() (so that all fail together, the root
// reporting), and only the root prints results, progress and errors.
#pragma once

#include <cstdio>

#include "runtime/cluster.h"

namespace graphmini::cli {

// A command that does not run over MPI: under mpirun the root runs it alone (saying so) and
// the other ranks end at once; without mpirun it just runs.
template <typename Command>
auto on_root_only(const char* name, Command command) {
  return [name, command] {
    Cluster& cluster = Cluster::get();
    if (!cluster.distributed()) return command();
    if (!cluster.is_root()) return;
    std::fprintf(stderr, "graphmini: note: %s does not run over MPI; rank 0 runs it alone\n", name);
    command();
  };
}

}  // namespace graphmini::cli
