#include "compiler/engine.h"

#include <string>
#include <utility>

#include "compiler/kernel_runner.h"
#include "runtime/error.h"

namespace graphmini {

const char* to_string(Engine engine) {
  return engine == Engine::jit ? "jit" : "interp";
}

Engine parse_engine(std::string_view text) {
  if (text == "interp") return Engine::interp;
  if (text == "jit") {
    if (!jit_available()) {
      throw InvalidArgument(
          "this build has no LLVM JIT (configure with llvm-14-dev, libclang-14-dev and "
          "libclang-cpp14-dev installed); use --engine interp");
    }
    return Engine::jit;
  }
  throw InvalidArgument("engine must be 'interp' or 'jit', not '" + std::string(text) + "'");
}

Engine default_engine() {
  return jit_available() ? Engine::jit : Engine::interp;
}

Executable::Executable(Plan plan, KernelKind kind, Engine engine, const JitOptions& jit)
    : plan_(std::move(plan)), kind_(kind), engine_(engine) {
  if (engine == Engine::jit) kernel_.emplace(jit_compile(generate_kernel(plan_, kind), jit));
}

RunResult Executable::count(const Graph& graph, const RunOptions& options) const {
  if (kind_ == KernelKind::list) throw InvalidArgument("this executable lists matches");
  if (kernel_ && (kind_ == KernelKind::profile) != (options.profile != nullptr))
    throw InvalidArgument(
        "a profiled run needs a kernel generated as KernelKind::profile, and such a kernel a "
        "profile to count into");
  if (kernel_) return run_kernel(graph, plan_, kernel_->function(), nullptr, options);
  return count_matches(graph, plan_, options);
}

RunResult Executable::list(const Graph& graph, const MatchCallback& on_match,
                           const RunOptions& options) const {
  if (kind_ != KernelKind::list) throw InvalidArgument("this executable counts matches");
  if (kernel_) return run_kernel(graph, plan_, kernel_->function(), &on_match, options);
  return list_matches(graph, plan_, on_match, options);
}

}  // namespace graphmini
