#include "cli/collective.h"

#include <tbb/info.h>

#include <algorithm>
#include <vector>

#include "runtime/error.h"

namespace graphmini::cli {

int default_threads(const Cluster& cluster) {
  return std::max(1, tbb::info::default_concurrency() / cluster.ranks_on_this_host());
}

void refuse_standard_input(const Cluster& cluster, const std::string& spec, const char* what) {
  if (!cluster.distributed()) return;
  for (const char* name : {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}) {
    if (spec == name) {
      throw InvalidArgument(std::string("under mpirun standard input reaches rank 0 alone; give "
                                        "the ") +
                            what + " as a file that every rank can read, not " + quote(spec));
    }
  }
}

void check_same_everywhere(Cluster& cluster, const std::string& fingerprint, const char* what,
                           const std::string& spec) {
  if (!cluster.distributed()) return;
  const std::vector<std::string> all = cluster.gather(fingerprint);
  all_or_none(cluster, [&] {
    for (std::size_t rank = 1; rank < all.size(); ++rank) {
      if (all[rank] == all[0]) continue;
      throw Error("rank " + std::to_string(rank) + " read a different " + what + " from " +
                  quote(spec) + " than rank 0; under mpirun a file must be the same on every host");
    }
  });
}

}  // namespace graphmini::cli
