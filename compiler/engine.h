// Running a plan: on the interpreter, or as a kernel generated, compiled by the JIT and run
// by the kernel runner. One interface for the command line, the benchmarks and embedders.
//
// The two engines give the same counts and matches; only the compiled kernels build the
// plan's minigraphs (the interpreter reads whole neighbour lists).
#pragma once

#include <optional>
#include <string_view>

#include "compiler/codegen.h"
#include "compiler/interpreter.h"
#include "compiler/jit.h"
#include "compiler/plan.h"

namespace graphmini {

enum class Engine { interp, jit };

const char* to_string(Engine engine);
// "interp" or "jit"; throws InvalidArgument otherwise, and for "jit" in a build without it.
Engine parse_engine(std::string_view text);
// The JIT when this build has it, else the interpreter.
Engine default_engine();

// A plan ready to run on an engine: for the JIT, its kernel compiled (or loaded from the
// cache) when constructed.
class Executable {
 public:
  Executable(Plan plan, KernelKind kind, Engine engine, const JitOptions& jit = {});

  const Plan& plan() const { return plan_; }
  Engine engine() const { return engine_; }
  bool from_cache() const { return kernel_ && kernel_->from_cache(); }

  // Needs KernelKind::count, or KernelKind::profile with options.profile set (the
  // interpreter profiles for either when options.profile is set).
  RunResult count(const Graph& graph, const RunOptions& options = {}) const;
  // Needs KernelKind::list; see list_matches.
  RunResult list(const Graph& graph, const MatchCallback& on_match,
                 const RunOptions& options = {}) const;

 private:
  Plan plan_;
  KernelKind kind_;
  Engine engine_;
  std::optional<CompiledKernel> kernel_;
};

}  // namespace graphmini
