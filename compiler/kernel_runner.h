// Runs a generated kernel (compiler/codegen.h, loaded by the JIT) over a graph in parallel:
// the compiled counterpart of the plan interpreter, with the same options and results.
//
// A oneTBB parallel loop over the level-0 vertices calls the kernel once per vertex; a vertex
// of high degree (a hub) has its level-1 candidates split into index ranges that run as a
// nested parallel loop. Every task has its own buffers, taken from a pool.
#pragma once

#include "compiler/interpreter.h"
#include "compiler/plan.h"
#include "runtime/graph.h"
#include "runtime/kernel_abi.h"

namespace graphmini {

// `kernel` must have been generated from `plan`: for counting when on_match is null, for
// listing otherwise.
RunResult run_kernel(const Graph& graph, const Plan& plan, kernel::KernelFunction kernel,
                     const MatchCallback* on_match, const RunOptions& options = {});

}  // namespace graphmini
