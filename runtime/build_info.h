// What this build of graphmini is: its version and which optional parts it was built with.
#pragma once

#include <string>

namespace graphmini {

std::string version();
// For example "llvm-jit=on mpi=off cuda=off".
std::string build_features();

}  // namespace graphmini
