#include "compiler/engine.h"

#include <algorithm>
#include <string>
#include <utility>

#include "compiler/kernel_runner.h"
#include "runtime/cluster.h"
#include "runtime/error.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

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

namespace {

// What the tasks of a run hold whatever the data: each its set buffers, sized by the largest
// degree, and its bitmaps over the vertex ids (kernel_runner.cc; the interpreter holds no more),
// one task per thread at least, beside the graph. Checked before the run starts, so that a
// run that cannot fit fails with one line instead of being killed when its pages are touched.
// The minigraphs' pruned lists come on top, as the data fills them.
void require_task_memory(const Graph& graph, const Plan& plan) {
  const std::uint64_t max_degree = graph.max_degree();
  std::uint64_t bitmaps = 0;
  for (const SetComputation& set : plan.sets)
    bitmaps = std::max<std::uint64_t>(bitmaps, set.bitmap + 1);
  const std::uint64_t lists = kernel_buffer_count(plan);
  const std::uint64_t task = lists * max_degree * sizeof(VertexId) +
                             bitmaps * ((std::uint64_t{graph.num_vertices()} + 63) / 64) * 8;
  const std::uint64_t threads = worker_threads();
  require_memory(threads * task,
                 "matching " + plan.pattern.name() + " with " + std::to_string(threads) +
                     (threads == 1 ? " thread" : " threads") + " (each with " +
                     std::to_string(lists) + " lists of up to " + std::to_string(max_degree) +
                     " vertices" +
                     (bitmaps > 0 ? ", and " + std::to_string(bitmaps) + " bitmap" +
                                        (bitmaps > 1 ? "s" : "") + " of all the vertices"
                                  : "") +
                     ") beside its graph",
                 graph.memory_bytes());
}

}  // namespace

std::string counted_key(const Plan& plan) {
  std::string key = std::string(to_string(plan.induced)) + " " + plan.pattern.edge_list();
  for (const Label label : plan.pattern.labels())
    key += " " + std::to_string(label);
  return key;
}

Executable::Executable(Plan plan, KernelKind kind, Engine engine, const JitOptions& jit,
                       std::optional<Counter> counter)
    : plan_(std::move(plan)),
      kind_(kind),
      engine_(engine),
      counter_(kind == KernelKind::count ? counter.value_or(choose_counter(plan_))
                                         : Counter::plan) {
  if (engine == Engine::jit && counter_ == Counter::plan)
    kernel_.emplace(jit_compile(generate_kernel(plan_, kind), jit));
}

RunResult Executable::count(const Graph& graph, const RunOptions& options) const {
  if (kind_ == KernelKind::list) throw InvalidArgument("this executable lists matches");
  if (kernel_ && (kind_ == KernelKind::profile) != (options.profile != nullptr))
    throw InvalidArgument(
        "a profiled run needs a kernel generated as KernelKind::profile, and such a kernel a "
        "profile to count into");
  if (options.profile == nullptr) {
    if (std::optional<RunResult> result = count_by(counter_, plan_, graph, options)) return *result;
  }
  require_task_memory(graph, plan_);
  if (kernel_) return run_kernel(graph, plan_, kernel_->function(), nullptr, options);
  return count_matches(graph, plan_, options);
}

RunResult Executable::list(const Graph& graph, const MatchCallback& on_match,
                           const RunOptions& options) const {
  if (kind_ != KernelKind::list) throw InvalidArgument("this executable counts matches");
  require_task_memory(graph, plan_);
  if (kernel_) return run_kernel(graph, plan_, kernel_->function(), &on_match, options);
  return list_matches(graph, plan_, on_match, options);
}

CountExecutable::CountExecutable(const std::vector<CountTerm>& terms, KernelKind kind,
                                 Engine engine, const JitOptions& jit) {
  for (const CountTerm& term : terms)
    terms_.push_back({term.coefficient, Executable(term.plan, kind, engine, jit)});
}

bool CountExecutable::from_cache() const {
  const auto compiled = [](const Term& term) { return term.executable.compiled(); };
  return std::any_of(terms_.begin(), terms_.end(), compiled) &&
         std::all_of(terms_.begin(), terms_.end(), [&](const Term& term) {
           return !compiled(term) || term.executable.from_cache();
         });
}

RunResult CountExecutable::count(const Graph& graph, const RunOptions& options,
                                 std::map<std::string, WideCount>* known) const {
  if (terms_.size() == 1 && terms_[0].coefficient == 1 && known == nullptr)
    return terms_[0].executable.count(graph, options);
  Cluster* cluster =
      options.cluster != nullptr && options.cluster->distributed() ? options.cluster : nullptr;
  RunResult result;
  std::vector<std::int64_t> coefficients;
  std::vector<WideCount> totals;
  for (const Term& term : terms_) {
    const std::string key = known != nullptr ? counted_key(term.executable.plan()) : "";
    if (known != nullptr && known->contains(key)) {
      coefficients.push_back(term.coefficient);
      totals.push_back(known->at(key));
      continue;
    }
    const RunResult part = term.executable.count(graph, options);
    result.work.chunks += part.work.chunks;
    result.work.busy_seconds += part.work.busy_seconds;
    result.stopped = part.stopped;
    // Every rank stops after the same term, so that all make the same collective calls.
    if (cluster != nullptr) result.stopped = cluster->max(result.stopped ? 1 : 0) != 0;
    if (result.stopped) return result;
    WideCount total = part.count;
    if (cluster != nullptr) {
      total = 0;
      for (const std::uint64_t share : cluster->gather(part.count))
        total += share;
    }
    coefficients.push_back(term.coefficient);
    totals.push_back(total);
    if (known != nullptr) known->emplace(key, total);
  }
  if (cluster == nullptr || cluster->is_root()) result.count = signed_sum(coefficients, totals);
  return result;
}

}  // namespace graphmini
