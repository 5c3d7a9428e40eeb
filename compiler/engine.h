// Running a plan: on the interpreter, or as a kernel generated, compiled by the JIT and run
// by the kernel runner. One interface for the command line, the benchmarks and embedders.
//
// The two engines give the same counts and matches; only the compiled kernels build the
// plan's minigraphs (the interpreter reads whole neighbour lists).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/codegen.h"
#include "compiler/counters.h"
#include "compiler/interpreter.h"
#include "compiler/jit.h"
#include "compiler/plan.h"
#include "compiler/supergraphs.h"

namespace graphmini {

enum class Engine { interp, jit };

const char* to_string(Engine engine);
// "interp" or "jit"; throws InvalidArgument otherwise, and for "jit" in a build without it.
Engine parse_engine(std::string_view text);
// The JIT when this build has it, else the interpreter.
Engine default_engine();

// A plan ready to run on an engine: for the JIT, its kernel compiled (or loaded from the
// cache) when constructed. A counting executable counts with `counter` (choose_counter(plan)
// when not given; Counter::plan for the others); one whose counter is not the plan compiles
// no kernel, and runs its plan on the interpreter only for an oriented graph or a profile.
class Executable {
 public:
  Executable(Plan plan, KernelKind kind, Engine engine, const JitOptions& jit = {},
             std::optional<Counter> counter = std::nullopt);

  const Plan& plan() const { return plan_; }
  Engine engine() const { return engine_; }
  // What counts on undirected graphs: Counter::plan for listing and profiling kernels.
  Counter counter() const { return counter_; }
  // Whether it compiled a kernel (the JIT, counting with the plan or not counting).
  bool compiled() const { return kernel_.has_value(); }
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
  Counter counter_;
  std::optional<CompiledKernel> kernel_;
};

// A count plan's terms ready to run (compiler/supergraphs.h): one executable per term, run
// one after the other on the same options, their counts added up with the terms'
// coefficients.
class CountExecutable {
 public:
  struct Term {
    std::int64_t coefficient;
    Executable executable;
  };

  CountExecutable(const std::vector<CountTerm>& terms, KernelKind kind, Engine engine,
                  const JitOptions& jit = {});

  const std::vector<Term>& terms() const { return terms_; }
  Engine engine() const { return terms_.front().executable.engine(); }
  // Whether it compiled kernels, and every one came from the cache.
  bool from_cache() const;

  // As Executable::count. RunOptions::progress advances by the level-0 vertices of every
  // term in turn (the graph's vertices times the terms in all). A distributed run of several
  // terms, where a rank's share of a signed sum is no count, gathers the terms' counts and
  // gives the root the whole sum and the other ranks 0, so that the ranks' counts still add
  // up to the count. Throws Error when the sum exceeds 2^64 - 1 (on the root).
  //
  // `known`, when given, holds the counts of terms already run on this graph (motifs share
  // many supergraphs) by counted_key: those are not run again, and the others are added to
  // it.
  RunResult count(const Graph& graph, const RunOptions& options = {},
                  std::map<std::string, WideCount>* known = nullptr) const;

 private:
  std::vector<Term> terms_;
};

// What a plan counts, for CountExecutable::count's `known`: its semantics, edges and labels.
std::string counted_key(const Plan& plan);

}  // namespace graphmini
