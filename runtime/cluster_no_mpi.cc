// A build without MPI: every process is a cluster of one (runtime/cluster.h).
#include "runtime/cluster.h"

namespace graphmini {

std::unique_ptr<Cluster> join_mpi_job(int&, char**&) {
  return nullptr;
}

}  // namespace graphmini
