// How the command line behaves on the ranks of an MPI job (runtime/cluster.h): every rank runs
// the same command, its steps through all_or_none() (so that all fail together, the root
// reporting), and only the root prints results, progress and errors.
#pragma once

#include <cstdio>
#include <string>

#include "runtime/cluster.h"

namespace graphmini::cli {

// oneTBB threads per rank when the command line gives none: a host's cores shared among the
// ranks on it.
int default_threads(const Cluster& cluster);

// Under mpirun standard input reaches rank 0 alone, so an input read from it would differ
// between the ranks: refused up front, on every rank alike (InvalidArgument).
void refuse_standard_input(const Cluster& cluster, const std::string& spec, const char* what);

// Checks that every rank read the same input (collective): `fingerprint` is this rank's
// summary of what it read from `spec`. A path may name different files on different hosts.
void check_same_everywhere(Cluster& cluster, const std::string& fingerprint, const char* what,
                           const std::string& spec);

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
