#include "cli/match_commands.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "cli/format.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "compiler/codegen.h"
#include "compiler/engine.h"
#include "compiler/interpreter.h"
#include "compiler/motifs.h"
#include "compiler/prune.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/graph_builder.h"

namespace graphmini::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct MatchOptions {
  std::string graph;
  std::string pattern;
  std::string induced = "edge";
  std::string engine = to_string(default_engine());
  std::string prune = "cost";
  bool no_cache = false;
  int threads = 0;
  bool json = false;
};

// --prune, for the commands whose plans build minigraphs.
void add_prune_option(CLI::App& command, MatchOptions& options) {
  command
      .add_option("--prune", options.prune,
                  "auxiliary pruned graphs: none, static (outermost level only), eager, online "
                  "(lists pruned when first read) or cost (the cost model decides per level)")
      ->check(CLI::IsMember({"none", "static", "eager", "online", "cost"}))
      ->capture_default_str();
}

// --engine, --prune and --no-cache, for the commands that run plans.
void add_engine_options(CLI::App& command, MatchOptions& options) {
  command
      .add_option("--engine", options.engine,
                  "interp: run the plan on the interpreter; jit: compile it to a kernel "
                  "in process with LLVM (the default when this build has it)")
      ->check(CLI::IsMember({"interp", "jit"}))
      ->capture_default_str();
  add_prune_option(command, options);
  command.add_flag("--no-cache", options.no_cache,
                   "compile kernels without reading or writing the kernel cache (" +
                       default_kernel_cache_dir().string() + ")");
}

JitOptions jit_options(const MatchOptions& options) {
  return {!options.no_cache, {}};
}

constexpr const char* kOutputHelp =
    "write here instead of standard output: a file appears complete or not at all (written "
    "beside and renamed; a link's target is written; mode and umask are kept); a device or "
    "FIFO is written straight; - is standard output";

constexpr const char* kPatternHelp =
    "pattern: a name (triangle, diamond, P1 ...), an adjacency matrix (0110...), an edge list "
    "(0-1,1-2,2-0), or a pattern file: an argument is read as a file exactly when it contains "
    "a '/' (./triangle) or is - (standard input)";

void add_common_options(CLI::App& command, MatchOptions& options, bool with_pattern) {
  command
      .add_option("-g,--graph", options.graph,
                  "graph file (- for standard input; pipes and FIFOs work, read once), dataset "
                  "folder or generator spec")
      ->required();
  if (with_pattern) {
    command.add_option("-p,--pattern", options.pattern, kPatternHelp)->required();
    command.add_option("--induced", options.induced, "edge: distinct subgraphs; vertex: induced")
        ->check(CLI::IsMember({"edge", "vertex"}))
        ->capture_default_str();
  }
  add_number(command, "-t,--threads", options.threads, 1, 4096,
             "worker threads (default: all cores)");
}

// Everything a matching command holds while it runs: thread limit, a stop flag and the
// progress line. (Ctrl-C is cli/signals.h's: it ends the process.)
class Session {
 public:
  explicit Session(const MatchOptions& options)
      : threads_(options.threads > 0 ? options.threads : tbb::info::default_concurrency()),
        control_(tbb::global_control::max_allowed_parallelism, threads_),
        show_progress_(::isatty(STDERR_FILENO) != 0) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { stop_progress(); }

  int threads() const { return threads_; }

  RunOptions run_options(VertexId vertices, const std::string& what) {
    stop_progress();
    done_.store(0);
    if (show_progress_) {
      finished_ = false;
      reporter_ = std::thread([this, vertices, what] { report(vertices, what); });
    }
    return {&stop_, &done_};
  }

  // Asks the running kernel to stop (its output can no longer be written).
  void stop() { stop_.store(true); }

  // Ends the progress line.
  void finish() { stop_progress(); }

 private:
  void report(VertexId vertices, const std::string& what) {
    const auto start = Clock::now();
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return finished_; })) {
      const double share = vertices > 0 ? 100.0 * static_cast<double>(done_.load()) / vertices : 0;
      std::fprintf(stderr, "\r%s: %5.1f%% of the vertices, %.0f s", what.c_str(), share,
                   seconds_since(start));
      std::fflush(stderr);
      printed_ = true;
    }
  }

  void stop_progress() {
    if (!reporter_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    wake_.notify_all();
    reporter_.join();
    if (printed_) std::fprintf(stderr, "\r\033[K");
    printed_ = false;
  }

  int threads_;
  tbb::global_control control_;
  bool show_progress_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> done_{0};
  std::thread reporter_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  bool printed_ = false;
};

struct Loaded {
  Graph graph;
  double load_seconds;
};

Loaded load(const std::string& spec) {
  const auto start = Clock::now();
  Graph graph = relabel_by_degree(datasets::open_graph(spec), DegreeOrder::ascending);
  return {std::move(graph), seconds_since(start)};
}

struct Prepared {
  Pattern pattern;
  Schedule schedule;  // the best plan with its minigraphs
  GraphProfile profile;
  double plan_seconds;
};

// `pattern` is parsed before the graph is loaded, so that a bad pattern fails at once.
Prepared prepare(Pattern pattern, const Graph& graph, const MatchOptions& options, PlanUse use) {
  if (pattern.labelled() && !graph.has_labels()) {
    throw InvalidArgument("pattern " + quote(options.pattern) +
                          " has vertex labels but the graph has none");
  }
  const auto start = Clock::now();
  GraphProfile profile = profile_graph(graph);
  Schedule schedule = choose_schedule(pattern, parse_induced(options.induced), profile, use);
  plan_minigraphs(schedule.best, parse_prune_mode(options.prune), profile);
  return {std::move(pattern), std::move(schedule), std::move(profile), seconds_since(start)};
}

struct Compiled {
  Executable executable;
  double seconds;  // code generation and JIT (or the cache), 0 on the interpreter
};

Compiled compile(const Prepared& prepared, const MatchOptions& options, KernelKind kind) {
  const auto start = Clock::now();
  Executable executable(prepared.schedule.best, kind, parse_engine(options.engine),
                        jit_options(options));
  const double seconds = executable.engine() == Engine::jit ? seconds_since(start) : 0.0;
  return {std::move(executable), seconds};
}

void run_count(const MatchOptions& options) {
  Pattern pattern = parse_pattern(options.pattern);
  Session session(options);
  const Loaded loaded = load(options.graph);
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::count);
  const Compiled compiled = compile(prepared, options, KernelKind::count);
  const auto start = Clock::now();
  const RunResult result = compiled.executable.count(
      loaded.graph,
      session.run_options(loaded.graph.num_vertices(), "counting " + prepared.pattern.name()));
  const double run_seconds = seconds_since(start);
  session.finish();
  if (options.json) {
    const nlohmann::json out = {{"count", result.count},
                                {"pattern", prepared.pattern.name()},
                                {"pattern_edges", prepared.pattern.edge_list()},
                                {"induced", options.induced},
                                {"graph", options.graph},
                                {"vertices", loaded.graph.num_vertices()},
                                {"edges", loaded.graph.num_edges()},
                                {"threads", session.threads()},
                                {"engine", options.engine},
                                {"prune", options.prune},
                                // The interpreter reads whole neighbour lists: it builds none.
                                {"minigraphs", compiled.executable.engine() == Engine::jit
                                                   ? built_minigraphs(compiled.executable.plan())
                                                   : 0},
                                {"kernel_cached", compiled.executable.from_cache()},
                                {"seconds",
                                 {{"load", loaded.load_seconds},
                                  {"plan", prepared.plan_seconds},
                                  {"compile", compiled.seconds},
                                  {"run", run_seconds}}}};
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s\n", with_commas(result.count).c_str());
  std::fprintf(stderr,
               "%s, %s-induced: load %.3f s, plan %.3f s, compile %.3f s%s, run %.3f s "
               "(%s, prune %s, %d threads)\n",
               prepared.pattern.name().c_str(), options.induced.c_str(), loaded.load_seconds,
               prepared.plan_seconds, compiled.seconds,
               compiled.executable.from_cache() ? " (cached)" : "", run_seconds,
               options.engine.c_str(), options.prune.c_str(), session.threads());
}

// Writes matches as lines of original vertex ids (in pattern-vertex order) to stdout or a
// file, through per-thread buffers so that memory stays bounded however many there are. A
// write that fails (a full disk, a closed pipe) stops the enumeration at once and fails the
// command; the output file then never appears.
void run_list(const MatchOptions& options, std::uint64_t limit, const std::string& output) {
  Pattern pattern = parse_pattern(options.pattern);
  OutputFile file(output.empty() ? std::string(OutputFile::kStandardOutput) : output);
  Session session(options);
  const Loaded loaded = load(options.graph);
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::list);
  const Compiled compiled = compile(prepared, options, KernelKind::list);
  std::mutex mutex;
  std::uint64_t written = 0;
  std::exception_ptr write_error;
  std::atomic<std::uint64_t> found{0};
  const Graph& graph = loaded.graph;
  tbb::enumerable_thread_specific<std::string> buffers;
  constexpr std::size_t kFlushBytes = 1 << 16;
  const auto flush = [&](std::string& buffer, std::uint64_t lines) {
    std::lock_guard lock(mutex);
    if (write_error) return;
    try {
      file.write(buffer);
      file.flush();
      written += lines;
    } catch (const Error&) {
      write_error = std::current_exception();
      session.stop();
    }
    buffer.clear();
  };
  tbb::enumerable_thread_specific<std::uint64_t> pending_lines(0);
  const MatchCallback on_match = [&](std::span<const VertexId> match) {
    const std::uint64_t index = found.fetch_add(1, std::memory_order_relaxed);
    if (index >= limit) return false;
    std::string& buffer = buffers.local();
    for (std::size_t i = 0; i < match.size(); ++i) {
      if (i > 0) buffer += ' ';
      buffer += std::to_string(graph.original_id(match[i]));
    }
    buffer += '\n';
    std::uint64_t& lines = pending_lines.local();
    ++lines;
    if (buffer.size() >= kFlushBytes) {
      flush(buffer, lines);
      lines = 0;
    }
    return index + 1 < limit;
  };
  const RunResult result = compiled.executable.list(
      graph, on_match,
      session.run_options(graph.num_vertices(), "listing " + prepared.pattern.name()));
  session.finish();
  auto lines = pending_lines.begin();
  for (std::string& buffer : buffers) {
    flush(buffer, *lines);
    ++lines;
  }
  if (write_error) std::rethrow_exception(write_error);
  file.commit();
  std::fprintf(stderr, "%s matches of %s listed%s\n", with_commas(written).c_str(),
               prepared.pattern.name().c_str(), result.stopped ? " (stopped at --limit)" : "");
}

void run_motifs(const MatchOptions& options, int size) {
  Session session(options);
  const Loaded loaded = load(options.graph);
  const GraphProfile profile = profile_graph(loaded.graph);
  const auto start = Clock::now();
  const std::vector<MotifCount> counts = count_motifs(
      loaded.graph, size, profile,
      {parse_engine(options.engine), parse_prune_mode(options.prune), jit_options(options),
       session.run_options(loaded.graph.num_vertices(), "counting motifs")});
  const double run_seconds = seconds_since(start);
  session.finish();
  if (options.json) {
    nlohmann::json motifs = nlohmann::json::array();
    for (const MotifCount& motif : counts) {
      motifs.push_back({{"pattern", motif.pattern.edge_list()},
                        {"adjacency_matrix", motif.pattern.adjacency_matrix()},
                        {"count", motif.count}});
    }
    const nlohmann::json out = {{"size", size},
                                {"induced", "vertex"},
                                {"vertices", loaded.graph.num_vertices()},
                                {"edges", loaded.graph.num_edges()},
                                {"motifs", motifs},
                                {"engine", options.engine},
                                {"prune", options.prune},
                                {"seconds", {{"load", loaded.load_seconds}, {"run", run_seconds}}}};
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (const MotifCount& motif : counts) {
    std::printf("%-40s %20s\n", motif.pattern.edge_list().c_str(),
                with_commas(motif.count).c_str());
  }
}

void run_explain(const MatchOptions& options) {
  Pattern pattern = parse_pattern(options.pattern);
  const Loaded loaded = load(options.graph);
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::count);
  const auto group = automorphisms(prepared.pattern);
  std::printf("graph    %s: %s\n", options.graph.c_str(), prepared.profile.print().c_str());
  std::printf("pattern  %s: %d vertices, %d edges, %zu automorphisms\n",
              prepared.pattern.name().c_str(), prepared.pattern.size(),
              prepared.pattern.num_edges(), group.size());
  std::printf("\nchosen plan (estimated cost %.3g):\n%s", prepared.schedule.best.estimated_cost,
              prepared.schedule.best.print().c_str());
  std::printf(
      "\nminigraphs (--prune %s): %d of %zu candidates built; their costs and savings "
      "are estimated element comparisons over the whole run\n",
      options.prune.c_str(), built_minigraphs(prepared.schedule.best),
      prepared.schedule.best.minigraphs.size());
  std::printf("\nestimated candidates per level:");
  for (const PlanLevel& level : prepared.schedule.best.levels) {
    std::printf(" %.3g", level.estimated_candidates);
  }
  std::printf("\n\nalternatives:\n");
  for (const Plan& plan : prepared.schedule.alternatives) {
    std::string order;
    for (const int p : plan.order)
      order += std::to_string(p) + " ";
    std::printf("  cost %10.3g  order %s restrictions %s\n", plan.estimated_cost, order.c_str(),
                to_string(plan.restrictions).c_str());
  }
}

int run_verify(const MatchOptions& options) {
  Pattern pattern = parse_pattern(options.pattern);
  Session session(options);
  const Loaded loaded = load(options.graph);
  constexpr VertexId kLargestReferenceGraph = 5000;
  if (loaded.graph.num_vertices() > kLargestReferenceGraph) {
    throw InvalidArgument("verify runs exponential reference counters; " + quote(options.graph) +
                          " has " + std::to_string(loaded.graph.num_vertices()) +
                          " vertices, more than " + std::to_string(kLargestReferenceGraph));
  }
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::count);
  const Induced induced = parse_induced(options.induced);
  const RunResult engine =
      count_matches(loaded.graph, prepared.schedule.best, session.run_options(0, "engine"));
  session.finish();
  const std::uint64_t vf2 = vf2_count(loaded.graph, prepared.pattern, induced);
  const bool agree = engine.count == vf2;
  if (options.json) {
    const nlohmann::json out = {{"pattern", prepared.pattern.name()},
                                {"induced", options.induced},
                                {"engine", engine.count},
                                {"vf2", vf2},
                                {"agree", agree}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("engine %s, Boost.Graph VF2 %s: %s\n", with_commas(engine.count).c_str(),
                with_commas(vf2).c_str(), agree ? "agree" : "DISAGREE");
  }
  return agree ? 0 : 1;
}

void run_compile(const MatchOptions& options, bool listing, const std::string& output) {
  const Pattern pattern = parse_pattern(options.pattern);
  GraphProfile profile = typical_profile();
  if (!options.graph.empty()) profile = profile_graph(load(options.graph).graph);
  Plan plan = choose_schedule(pattern, parse_induced(options.induced), profile,
                              listing ? PlanUse::list : PlanUse::count)
                  .best;
  plan_minigraphs(plan, parse_prune_mode(options.prune), profile);
  const std::string code = generate_kernel(plan, listing ? KernelKind::list : KernelKind::count);
  OutputFile file(output.empty() ? std::string(OutputFile::kStandardOutput) : output);
  file.write(code);
  file.commit();
}

}  // namespace

void add_match_commands(CLI::App& app) {
  auto count_options = std::make_shared<MatchOptions>();
  auto* count = app.add_subcommand(
      "count", "Count the subgraphs of a graph that match a pattern (each subgraph once)");
  add_common_options(*count, *count_options, true);
  add_engine_options(*count, *count_options);
  count->add_flag("--json", count_options->json, "print one JSON object");
  count->callback([count_options] { run_count(*count_options); });

  auto list_options = std::make_shared<MatchOptions>();
  auto limit = std::make_shared<std::optional<std::uint64_t>>();
  auto output = std::make_shared<std::string>();
  auto* list = app.add_subcommand(
      "list",
      "List the matches of a pattern, one per line, as the input's vertex ids in "
      "pattern-vertex order");
  add_common_options(*list, *list_options, true);
  add_engine_options(*list, *list_options);
  add_number(*list, "--limit", *limit, std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max(),
             "stop after this many matches (default: list them all)");
  list->add_option("-o,--output", *output, kOutputHelp);
  list->callback([list_options, limit, output] {
    run_list(*list_options, limit->value_or(std::numeric_limits<std::uint64_t>::max()), *output);
  });

  auto motif_options = std::make_shared<MatchOptions>();
  auto size = std::make_shared<int>(4);
  auto* motifs = app.add_subcommand(
      "motifs", "Count every connected k-vertex pattern, vertex-induced, in one run");
  add_common_options(*motifs, *motif_options, false);
  add_engine_options(*motifs, *motif_options);
  add_number(*motifs, "-k,--size", *size, 3, 5, "pattern size");
  motifs->add_flag("--json", motif_options->json, "print one JSON object");
  motifs->callback([motif_options, size] { run_motifs(*motif_options, *size); });

  auto explain_options = std::make_shared<MatchOptions>();
  auto* explain = app.add_subcommand(
      "explain", "Show the plan for a pattern: restrictions, matching order, cost estimates");
  add_common_options(*explain, *explain_options, true);
  add_prune_option(*explain, *explain_options);
  explain->callback([explain_options] { run_explain(*explain_options); });

  auto compile_options = std::make_shared<MatchOptions>();
  auto compile_listing = std::make_shared<bool>(false);
  auto compile_output = std::make_shared<std::string>();
  auto* compile = app.add_subcommand(
      "compile",
      "Write the C++ kernel generated for a pattern (the code the JIT compiles); it includes "
      "only runtime/kernel_abi.h");
  compile->add_option("-p,--pattern", compile_options->pattern, kPatternHelp)->required();
  compile
      ->add_option("--induced", compile_options->induced,
                   "edge: distinct subgraphs; vertex: induced")
      ->check(CLI::IsMember({"edge", "vertex"}))
      ->capture_default_str();
  compile->add_option("-g,--graph", compile_options->graph,
                      "price the plan with this graph's statistics (default: a typical sparse "
                      "graph of 1M vertices, mean degree 20)");
  add_prune_option(*compile, *compile_options);
  compile->add_flag("--list", *compile_listing,
                    "generate the listing kernel instead of the counting one");
  compile->add_option("-o,--output", *compile_output, kOutputHelp);
  compile->callback([compile_options, compile_listing, compile_output] {
    run_compile(*compile_options, *compile_listing, *compile_output);
  });

  auto verify_options = std::make_shared<MatchOptions>();
  auto* verify = app.add_subcommand(
      "verify", "Check the engine's count against Boost.Graph's VF2 on a small graph");
  add_common_options(*verify, *verify_options, true);
  verify->add_flag("--json", verify_options->json, "print one JSON object");
  verify->callback([verify_options] {
    if (run_verify(*verify_options) != 0) throw Error("the counts disagree");
  });
}

}  // namespace graphmini::cli
