// Code generation: a Plan as one C++ function against runtime/kernel_abi.h.
//
// The emitted kernel is the plan's loop nest written out: one loop per enumerated level,
// every hoisted set computed where the plan computes it (its bounds, its intersections and
// differences through the runtime's SIMD set operations), the last level counted without
// being materialised, and an inclusion-exclusion suffix counted by its formula. The code
// includes only the kernel ABI header, so it compiles in a few tens of milliseconds, and it
// reads like a hand-written kernel: `graphmini compile` prints it.
//
// The kernel handles one level-0 vertex and a range of level-1 candidates (kernel_abi.h);
// compiler/kernel_runner.h runs it in parallel over the graph.
#pragma once

#include <string>

#include "compiler/plan.h"

namespace graphmini {

enum class KernelKind {
  count,    // returns the number of matches
  list,     // also passes every match to Runtime::emit; needs a plan built for PlanUse::list
  profile,  // counts, and adds what it did to Task::profile (compiler/profile.h), which it
            // needs; the same loops as count's, with counters kept in locals
};

// The kernel's source. Throws InvalidArgument when listing a plan that counts by
// inclusion-exclusion.
std::string generate_kernel(const Plan& plan, KernelKind kind);

// The size of Task::buffers the kernel expects: one per hoisted set plus two scratch arrays.
inline int kernel_buffer_count(const Plan& plan) {
  return static_cast<int>(plan.sets.size()) + 2;
}

}  // namespace graphmini
