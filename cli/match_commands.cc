#include "cli/match_commands.h"

#include <fcntl.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/collective.h"
#include "cli/format.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "compiler/codegen.h"
#include "compiler/engine.h"
#include "compiler/interpreter.h"
#include "compiler/motifs.h"
#include "compiler/profile.h"
#include "compiler/prune.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/cluster.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/graph_builder.h"
#include "runtime/memory.h"

namespace graphmini::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct MatchOptions {
  std::string graph;
  std::string pattern;
  std::string induced = "edge";
  std::string engine = to_string(default_engine());
  std::string prune = "cost";
  std::string supergraphs = "cost";
  bool no_cache = false;
  int threads = 0;
  bool json = false;
};

// --prune, for the commands whose plans build minigraphs.
void add_prune_option(CLI::App& command, MatchOptions& options) {
  command
      .add_option("--prune", options.prune,
                  "auxiliary pruned graphs: none, static (outermost level only), eager, online "
                  "(lists pruned when first read) or cost (the cost model decides per level, "
                  "from what the plan did on a sample of the graph)")
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
                       user_cache_dir().string() + ")");
}

// --supergraphs, for the commands that count.
void add_supergraph_option(CLI::App& command, MatchOptions& options) {
  command
      .add_option("--supergraphs", options.supergraphs,
                  "vertex-induced counts: never (one plan that subtracts non-neighbours), "
                  "always (a signed sum of the edge-induced counts of the pattern with its "
                  "non-edges filled in every way, each counted by its own kernel; at most " +
                      std::to_string(kMaxSupergraphNonEdges) +
                      " non-edges), or cost (whichever is cheaper, priced by running both "
                      "on the interpreter over a sample of the graph; see explain)")
      ->check(CLI::IsMember({"never", "always", "cost"}))
      ->capture_default_str();
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
             "worker threads (default: all cores; under mpirun, each rank gets its share of its "
             "host's cores)");
}

// ", 3 s": the seconds a status line shows.
std::string elapsed(double seconds) {
  return ", " + std::to_string(std::lround(seconds)) + " s";
}

// The status line's text for a step before a run: "planning P7, 3 s".
std::function<std::string(double)> step_text(const std::string& what) {
  return [what](double seconds) { return what + elapsed(seconds); };
}

// What one rank did in a run, for --json's "per_rank" (one entry in a single process).
struct RankWork {
  RunWork kernels;         // chunks taken and CPU seconds in the kernels
  double run_seconds = 0;  // wall seconds of the run, waits for the other ranks included
};

// Everything a matching command holds while it runs: the cluster it runs on, thread limit, a
// stop flag and the status line (on the root, on a terminal). Ctrl-C is cli/signals.h's: it
// ends the process, on every rank (mpirun passes it on).
class Session {
 public:
  explicit Session(const MatchOptions& options)
      : cluster_(Cluster::get()),
        threads_(options.threads > 0 ? options.threads : default_threads(cluster_)),
        control_(tbb::global_control::max_allowed_parallelism, threads_) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Cluster& cluster() { return cluster_; }
  int threads() const { return threads_; }

  // The status line of a step before the run ("planning P7, 3 s"), until the next one.
  void step(const std::string& what) { status_.emplace(step_text(what)); }

  RunOptions run_options(VertexId vertices, const std::string& what) {
    status_.reset();
    done_.store(0);
    const char* unit = cluster_.distributed() ? "of the work handed out" : "of the vertices";
    status_.emplace([this, vertices, what, unit](double seconds) {
      const double share = vertices > 0 ? 100.0 * static_cast<double>(done_.load()) / vertices : 0;
      char line[64];
      std::snprintf(line, sizeof line, ": %5.1f%% ", share);
      return what + line + unit + elapsed(seconds);
    });
    RunOptions options;
    options.stop = &stop_;
    options.progress = &done_;
    options.cluster = &cluster_;
    return options;
  }

  // Asks the running kernel to stop (its output can no longer be written).
  void stop() { stop_.store(true); }

  // Ends the status line of a step, or of a run that was not measured().
  void finish() { status_.reset(); }

  // Runs the run in `body` (every rank at once), measuring this rank's part of it.
  template <typename Body>
  auto measured(Body&& body) {
    const auto wall = Clock::now();
    auto result = all_or_none(cluster_, std::forward<Body>(body));
    work_.run_seconds += seconds_since(wall);
    status_.reset();
    return result;
  }
  RankWork& work() { return work_; }

  // Every rank's work, on the root (collective): --json's "per_rank".
  nlohmann::json per_rank() {
    const std::vector<std::uint64_t> tasks = cluster_.gather(work_.kernels.chunks);
    const std::vector<double> busy = cluster_.gather(work_.kernels.busy_seconds);
    const std::vector<double> run = cluster_.gather(work_.run_seconds);
    const std::vector<std::uint64_t> peak = cluster_.gather(peak_rss_bytes());
    nlohmann::json ranks = nlohmann::json::array();
    for (std::size_t r = 0; r < tasks.size(); ++r) {
      ranks.push_back({{"rank", r},
                       {"tasks", tasks[r]},
                       {"busy_seconds", busy[r]},
                       {"run_seconds", run[r]},
                       {"peak_rss_bytes", peak[r]}});
    }
    return ranks;
  }

 private:
  Cluster& cluster_;
  int threads_;
  tbb::global_control control_;
  RankWork work_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> done_{0};
  std::optional<StatusLine> status_;  // last: it reads done_ until it is gone
};

// The ranks' counts added up on the root. Each rank's count fits 64 bits (its kernels count in
// 64 bits); their sum is checked, since K ranks' counts can pass 2^64 - 1 together.
std::uint64_t total_count(Cluster& cluster, std::uint64_t count) {
  std::uint64_t total = 0;
  for (const std::uint64_t part : cluster.gather(count)) {
    if (__builtin_add_overflow(total, part, &total))
      throw Error("the count exceeds 2^64 - 1, the largest that graphmini reports");
  }
  return total;
}

struct Loaded {
  Graph graph;
  double load_seconds;
};

Loaded load(const std::string& spec) {
  const auto start = Clock::now();
  Graph graph = relabel_by_degree(datasets::open_graph(spec), DegreeOrder::ascending);
  return {std::move(graph), seconds_since(start)};
}

// Parses the pattern on every rank (collective), and checks that every rank has the same one.
Pattern pattern_everywhere(Cluster& cluster, const std::string& spec) {
  Pattern pattern = all_or_none(cluster, [&] {
    refuse_standard_input(cluster, spec, "pattern");
    return parse_pattern(spec);
  });
  std::string labels;
  for (const Label label : pattern.labels())
    labels += std::to_string(label) + " ";
  check_same_everywhere(cluster, pattern.edge_list() + " | " + labels, "pattern", spec);
  return pattern;
}

// Loads the graph on every rank (collective), and checks that every rank has the same one: a
// rank that read another graph would split another task space, and the sum would be wrong.
Loaded load_everywhere(Cluster& cluster, const std::string& spec) {
  Loaded loaded = all_or_none(cluster, [&] {
    refuse_standard_input(cluster, spec, "graph");
    return load(spec);
  });
  if (!cluster.distributed()) return loaded;
  const Graph& graph = loaded.graph;
  std::uint64_t hash = graph.num_vertices();
  for (VertexId v = 0; v < graph.num_vertices(); ++v)
    hash = hash * 0x100000001b3ULL ^ graph.degree(v);
  check_same_everywhere(cluster,
                        std::to_string(graph.num_vertices()) + " " +
                            std::to_string(graph.num_edges()) + " " + std::to_string(hash),
                        "graph", spec);
  return loaded;
}

struct Prepared {
  Pattern pattern;
  CountPlan plan;  // its terms' plans with their minigraphs; listing: the best plan alone
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
  const Induced induced = parse_induced(options.induced);
  CountPlan plan = use == PlanUse::count
                       ? plan_count(pattern, induced, profile,
                                    parse_supergraph_mode(options.supergraphs), &graph)
                       : CountPlan{choose_schedule(pattern, induced, profile, use), {}, {}, {}};
  if (use == PlanUse::list) plan.terms.push_back({1, plan.direct.best});
  plan_minigraphs(plan, parse_prune_mode(options.prune), profile, &graph);
  return {std::move(pattern), std::move(plan), std::move(profile), seconds_since(start)};
}

struct Compiled {
  CountExecutable executable;  // listing: one term
  double seconds;              // code generation and JIT (or the cache), 0 on the interpreter
};

Compiled compile(const Prepared& prepared, const MatchOptions& options, KernelKind kind) {
  const auto start = Clock::now();
  CountExecutable executable(prepared.plan.terms, kind, parse_engine(options.engine),
                             jit_options(options));
  const double seconds = executable.engine() == Engine::jit ? seconds_since(start) : 0.0;
  return {std::move(executable), seconds};
}

// "2 threads", or "4 ranks x 2 threads".
std::string parallelism(Session& session) {
  const std::string threads =
      std::to_string(session.threads()) + (session.threads() == 1 ? " thread" : " threads");
  if (!session.cluster().distributed()) return threads;
  return std::to_string(session.cluster().size()) + " ranks x " + threads;
}

// "1 edge-induced count", "4 edge-induced counts".
std::string edge_induced_counts(std::size_t terms) {
  return std::to_string(terms) + (terms == 1 ? " edge-induced count" : " edge-induced counts");
}

// What counts term i of a count on this graph (compiler/counters.h).
Counter term_counter(const CountExecutable& executable, std::size_t i, const Graph& graph) {
  return counter_on(executable.terms()[i].executable.counter(), graph);
}

// --json's "supergraphs": the terms of a count from supergraphs, each with what counts it on
// this graph; null for a direct count.
nlohmann::json supergraphs_json(const CountPlan& plan, const CountExecutable& executable,
                                const Graph& graph) {
  if (!plan.by_supergraphs()) return nullptr;
  nlohmann::json terms = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.terms.size(); ++i)
    terms.push_back({{"coefficient", plan.terms[i].coefficient},
                     {"pattern_edges", plan.terms[i].plan.pattern.edge_list()},
                     {"estimated_cost", plan.terms[i].plan.estimated_cost},
                     {"counter", to_string(term_counter(executable, i, graph))}});
  return terms;
}

// What the summary line says of the counters other than plans that a count runs.
std::string counters_text(const CountExecutable& executable, const Graph& graph) {
  std::string text;
  for (const Counter c : {Counter::wedges, Counter::bitsets}) {
    for (std::size_t i = 0; i < executable.terms().size(); ++i) {
      if (term_counter(executable, i, graph) == c) {
        text += c == Counter::wedges ? ", 4-cycles by wedges" : ", cliques in bitset minigraphs";
        break;
      }
    }
  }
  return text;
}

// The fields every matching command's --json has about how it ran.
nlohmann::json run_fields(Session& session) {
  return {{"ranks", session.cluster().size()},
          {"threads_per_rank", session.threads()},
          {"per_rank", session.per_rank()},
          // This process's peak resident memory: the graph (a mapped .gmg's pages included)
          // and the run's working memory.
          {"peak_rss_bytes", peak_rss_bytes()}};
}

void run_count(const MatchOptions& options) {
  Session session(options);
  Cluster& cluster = session.cluster();
  Pattern pattern = pattern_everywhere(cluster, options.pattern);
  session.step("loading " + options.graph);
  const Loaded loaded = load_everywhere(cluster, options.graph);
  session.step("planning " + pattern.name());
  const Prepared prepared = all_or_none(
      cluster, [&] { return prepare(std::move(pattern), loaded.graph, options, PlanUse::count); });
  session.step("compiling " + prepared.pattern.name());
  const Compiled compiled =
      all_or_none(cluster, [&] { return compile(prepared, options, KernelKind::count); });
  const CountExecutable& executable = compiled.executable;
  const RunResult result = session.measured([&] {
    return executable.count(
        loaded.graph, session.run_options(loaded.graph.num_vertices() * executable.terms().size(),
                                          "counting " + prepared.pattern.name()));
  });
  session.work().kernels = result.work;
  const std::uint64_t count = total_count(cluster, result.count);
  nlohmann::json fields = run_fields(session);
  if (!cluster.is_root()) return;
  const double run_seconds = session.work().run_seconds;
  if (options.json) {
    nlohmann::json out = {
        {"count", count},
        {"pattern", prepared.pattern.name()},
        {"pattern_edges", prepared.pattern.edge_list()},
        {"induced", options.induced},
        {"graph", options.graph},
        {"vertices", loaded.graph.num_vertices()},
        {"edges", loaded.graph.num_edges()},
        {"threads", session.threads()},
        {"engine", options.engine},
        {"prune", options.prune},
        {"supergraphs", supergraphs_json(prepared.plan, executable, loaded.graph)},
        // A count from supergraphs names each term's counter.
        {"counter", prepared.plan.by_supergraphs()
                        ? nlohmann::json(nullptr)
                        : nlohmann::json(to_string(term_counter(executable, 0, loaded.graph)))},
        // The interpreter reads whole neighbour lists: it builds none.
        {"minigraphs", executable.engine() == Engine::jit ? built_minigraphs(prepared.plan) : 0},
        {"kernel_cached", executable.from_cache()},
        {"seconds",
         {{"load", loaded.load_seconds},
          {"plan", prepared.plan_seconds},
          {"compile", compiled.seconds},
          {"run", run_seconds}}}};
    out.update(fields);
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s\n", with_commas(count).c_str());
  const std::string from =
      prepared.plan.by_supergraphs()
          ? ", from " + edge_induced_counts(executable.terms().size()) + " of supergraphs"
          : "";
  const std::string counters = counters_text(executable, loaded.graph);
  std::fprintf(stderr,
               "%s, %s-induced%s%s: load %.3f s, plan %.3f s, compile %.3f s%s, run %.3f s "
               "(%s, prune %s, %s)\n",
               prepared.pattern.name().c_str(), options.induced.c_str(), from.c_str(),
               counters.c_str(), loaded.load_seconds, prepared.plan_seconds, compiled.seconds,
               executable.from_cache() ? " (cached)" : "", run_seconds, options.engine.c_str(),
               options.prune.c_str(), parallelism(session).c_str());
}

// A rank's matches while a distributed listing runs: an unnamed temporary file (O_TMPFILE in
// $TMPDIR, else /tmp), which no crash or kill can leave behind, read back at the end.
class Spool {
 public:
  Spool() {
    const char* folder = std::getenv("TMPDIR");
    path_ = folder != nullptr && *folder != '\0' ? folder : "/tmp";
    fd_ = ::open(path_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {  // a file system without O_TMPFILE: a named file, removed at once
      std::string name = path_ + "/graphmini-spool-XXXXXX";
      fd_ = ::mkstemp(name.data());
      if (fd_ >= 0) ::unlink(name.c_str());
    }
    if (fd_ < 0) throw IoError("cannot create a temporary file of matches in", path_, errno);
  }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  ~Spool() { ::close(fd_); }

  void write(std::string_view text) {
    while (!text.empty()) {
      const ssize_t done = ::write(fd_, text.data(), text.size());
      if (done < 0 && errno == EINTR) continue;
      if (done < 0) throw IoError("cannot write the temporary file of matches in", path_, errno);
      text.remove_prefix(static_cast<std::size_t>(done));
    }
  }
  // Reads back from the start: the next piece, 0 at the end.
  std::size_t read(char* buffer, std::size_t size) {
    if (!rewound_) {
      ::lseek(fd_, 0, SEEK_SET);
      rewound_ = true;
    }
    while (true) {
      const ssize_t got = ::read(fd_, buffer, size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read the temporary file of matches in", path_, errno);
      return static_cast<std::size_t>(got);
    }
  }

 private:
  std::string path_;  // the folder
  int fd_ = -1;
  bool rewound_ = false;
};

// Writes matches as lines of original vertex ids (in pattern-vertex order) to stdout or a
// file, through per-thread buffers so that memory stays bounded however many there are. A
// write that fails (a full disk, a closed pipe) stops the enumeration at once and fails the
// command; the output file then never appears.
//
// Over several ranks, each rank writes its matches to a Spool while the run goes on, and at
// the end the root gathers every rank's in rank order (over MPI: no shared file system is
// needed) into the output, written atomically as always: a run that fails or is killed on any
// rank leaves no file at -o. --limit holds for all ranks together: a counter on the root adds
// up the matches the ranks found, and each rank stops taking chunks once it is reached.
void run_list(const MatchOptions& options, std::uint64_t limit, const std::string& output) {
  Session session(options);
  Cluster& cluster = session.cluster();
  const bool distributed = cluster.distributed();
  Pattern pattern = pattern_everywhere(cluster, options.pattern);
  std::optional<OutputFile> file;
  all_or_none(cluster, [&] {
    if (cluster.is_root())
      file.emplace(output.empty() ? std::string(OutputFile::kStandardOutput) : output);
  });
  session.step("loading " + options.graph);
  const Loaded loaded = load_everywhere(cluster, options.graph);
  session.step("planning " + pattern.name());
  const Prepared prepared = all_or_none(
      cluster, [&] { return prepare(std::move(pattern), loaded.graph, options, PlanUse::list); });
  session.step("compiling " + prepared.pattern.name());
  const Compiled compiled =
      all_or_none(cluster, [&] { return compile(prepared, options, KernelKind::list); });
  std::optional<Spool> spool;
  std::unique_ptr<SharedCounter> global_found;
  all_or_none(cluster, [&] {
    if (distributed) spool.emplace();
  });
  if (distributed) global_found = cluster.shared_counter();

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
      if (spool) {
        spool->write(buffer);
      } else {
        file->write(buffer);
        file->flush();
      }
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
  const RunResult result = session.measured([&] {
    RunOptions run =
        session.run_options(graph.num_vertices(), "listing " + prepared.pattern.name());
    std::uint64_t reported = 0;  // of `found`, added to the global count so far
    run.between_chunks = [&] {
      const std::uint64_t now = std::min(found.load(), limit);
      const std::uint64_t added = now - reported;
      reported = now;
      return global_found->fetch_add(added) + added < limit;
    };
    RunResult run_result =
        compiled.executable.terms().front().executable.list(graph, on_match, run);
    auto lines = pending_lines.begin();
    for (std::string& buffer : buffers) {
      flush(buffer, *lines);
      ++lines;
    }
    if (write_error) std::rethrow_exception(write_error);
    return run_result;
  });
  session.work().kernels = result.work;
  global_found.reset();  // collective

  std::uint64_t listed = written;
  bool stopped = result.stopped;
  if (distributed) {
    // The root writes the ranks' matches in rank order, up to the limit.
    listed = 0;
    all_or_none(cluster, [&] {
      cluster.gather_stream(
          [&](char* buffer, std::size_t size) { return spool->read(buffer, size); },
          [&](int, std::string_view piece) {
            // Pieces may end inside a line; a line counts at its newline.
            while (!piece.empty() && listed < limit) {
              const auto newline = piece.find('\n');
              if (newline == std::string_view::npos) {
                file->write(piece);
                break;
              }
              file->write(piece.substr(0, newline + 1));
              piece.remove_prefix(newline + 1);
              ++listed;
            }
          });
    });
    stopped = cluster.max(result.stopped ? 1 : 0) != 0;
  }
  nlohmann::json fields = run_fields(session);
  if (!cluster.is_root()) return;
  file->commit();
  std::fprintf(stderr, "%s matches of %s listed%s\n", with_commas(listed).c_str(),
               prepared.pattern.name().c_str(), stopped ? " (stopped at --limit)" : "");
}

void run_motifs(const MatchOptions& options, int size) {
  Session session(options);
  Cluster& cluster = session.cluster();
  session.step("loading " + options.graph);
  const Loaded loaded = load_everywhere(cluster, options.graph);
  session.step("planning and compiling the motifs");
  const GraphProfile profile = profile_graph(loaded.graph);
  const MotifCounter counter(size, profile,
                             {parse_engine(options.engine), parse_prune_mode(options.prune),
                              jit_options(options), parse_supergraph_mode(options.supergraphs)},
                             &loaded.graph);
  const std::vector<MotifCount> counts = session.measured([&] {
    return counter.count(
        loaded.graph,
        session.run_options(loaded.graph.num_vertices() * counter.runs(), "counting motifs"));
  });
  std::vector<std::uint64_t> totals;
  for (const MotifCount& motif : counts) {
    totals.push_back(total_count(cluster, motif.count));
    session.work().kernels.chunks += motif.work.chunks;
    session.work().kernels.busy_seconds += motif.work.busy_seconds;
  }
  nlohmann::json fields = run_fields(session);
  if (!cluster.is_root()) return;
  if (options.json) {
    nlohmann::json motifs = nlohmann::json::array();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      motifs.push_back({{"pattern", counts[i].pattern.edge_list()},
                        {"adjacency_matrix", counts[i].pattern.adjacency_matrix()},
                        {"count", totals[i]}});
    }
    nlohmann::json out = {
        {"size", size},
        {"induced", "vertex"},
        {"vertices", loaded.graph.num_vertices()},
        {"edges", loaded.graph.num_edges()},
        {"motifs", motifs},
        {"engine", options.engine},
        {"prune", options.prune},
        {"supergraphs", options.supergraphs},
        {"seconds", {{"load", loaded.load_seconds}, {"run", session.work().run_seconds}}}};
    out.update(fields);
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    std::printf("%-40s %20s\n", counts[i].pattern.edge_list().c_str(),
                with_commas(totals[i]).c_str());
  }
}

// One plan as `explain` prints it: the plan, its minigraphs and its estimates.
void print_one_plan(const MatchOptions& options, const Plan& plan) {
  std::printf("%s", plan.print().c_str());
  std::printf(
      "\nminigraphs (--prune %s): %d of %zu candidates built; their costs and savings "
      "are element comparisons over the whole run, estimated from %s\n",
      options.prune.c_str(), built_minigraphs(plan), plan.minigraphs.size(),
      plan.minigraphs_measured ? "the plan's counts on a sample of the graph"
                               : "the schedule's estimates");
  std::printf("\nestimated candidates per level:");
  for (const PlanLevel& level : plan.levels) {
    std::printf(" %.3g", level.estimated_candidates);
  }
  std::printf("\n");
}

// What decided between a pattern's own plan and its supergraphs, when a sample did.
void print_sampled_costs(const CountPlan& plan) {
  if (!plan.sampled) return;
  const CountPlan::SampledCosts& sampled = *plan.sampled;
  if (std::isinf(sampled.direct)) {
    std::printf(
        "its own plan took over %llu iterations on a sample of %zu level-1 candidates, too long "
        "to measure both sides: the estimated costs decide\n",
        static_cast<unsigned long long>(kPricingWork), sampled.candidates);
    return;
  }
  char supergraphs[200];
  if (std::isinf(sampled.supergraphs)) {
    std::snprintf(supergraphs, sizeof supergraphs,
                  "not priced for its supergraphs (their sample took over %llu times the work "
                  "of its own plan's)",
                  static_cast<unsigned long long>(kSampleBudget));
  } else {
    std::snprintf(supergraphs, sizeof supergraphs, "%s%.3g for its supergraphs (%zu of %zu terms)",
                  sampled.priced < sampled.terms ? "over " : "", sampled.supergraphs,
                  sampled.priced, sampled.terms);
  }
  std::printf(
      "measured on a sample of %zu level-1 candidates, which decides: cost %s against %.3g for "
      "its own plan\n",
      sampled.candidates, supergraphs, sampled.direct);
}

// What counts `plan`'s matches instead of it, if anything does.
void print_counter(const Plan& plan) {
  switch (choose_counter(plan)) {
    case Counter::plan:
      return;
    case Counter::wedges:
      std::printf(
          "counted by wedges instead (undirected graphs): for every vertex a, the wedges a-x-c "
          "with x and c below a in degree order, and the pairs of them with the same c");
      break;
    case Counter::bitsets:
      std::printf(
          "counted in bitset minigraphs instead (undirected graphs): for every vertex a, "
          "N(a) > a as a local graph of bitset rows, whose cliques are counted by AND-ing rows");
      break;
  }
  std::printf("; this plan lists the matches, and --analyze profiles it\n");
}

// The plan as `explain` prints it: the graph's profile, the chosen plan (or the supergraphs'
// plans), its minigraphs, the estimates and the alternatives.
void print_plan(const MatchOptions& options, const Prepared& prepared) {
  const auto group = automorphisms(prepared.pattern);
  std::printf("graph    %s: %s\n", options.graph.c_str(), prepared.profile.print().c_str());
  std::printf("pattern  %s: %d vertices, %d edges, %zu automorphisms\n",
              prepared.pattern.name().c_str(), prepared.pattern.size(),
              prepared.pattern.num_edges(), group.size());
  const CountPlan& plan = prepared.plan;
  if (plan.by_supergraphs()) {
    std::printf(
        "\ncounted from its supergraphs (--supergraphs %s): the signed sum of %s, estimated "
        "cost %.3g against %.3g for its own vertex-induced plan\n",
        options.supergraphs.c_str(), edge_induced_counts(plan.terms.size()).c_str(),
        *plan.supergraph_cost, plan.direct.best.estimated_cost);
    print_sampled_costs(plan);
    for (std::size_t i = 0; i < plan.terms.size(); ++i) {
      const CountTerm& term = plan.terms[i];
      std::printf("\nterm %zu: %+lld x edge-induced %s (estimated cost %.3g):\n", i + 1,
                  static_cast<long long>(term.coefficient), term.plan.pattern.name().c_str(),
                  term.plan.estimated_cost);
      print_one_plan(options, term.plan);
      print_counter(term.plan);
    }
    return;
  }
  const Plan& chosen = plan.terms.front().plan;
  if (chosen.minigraphs_measured) {
    std::printf(
        "\nchosen plan (estimated cost %.3g with its minigraphs, from its counts on a sample of "
        "the graph; modelled as the alternatives below: %.3g):\n",
        chosen.estimated_cost, plan.direct.best.estimated_cost);
  } else {
    std::printf("\nchosen plan (estimated cost %.3g):\n", chosen.estimated_cost);
  }
  print_one_plan(options, chosen);
  print_counter(chosen);
  if (plan.supergraph_cost) {
    std::printf(
        "\nnot chosen: counting from its supergraphs, estimated cost %.3g (--supergraphs "
        "always runs it)\n",
        *plan.supergraph_cost);
    print_sampled_costs(plan);
  }
  std::printf("\nalternatives:\n");
  for (const Plan& alternative : plan.direct.alternatives) {
    std::string order;
    for (const int p : alternative.order)
      order += std::to_string(p) + " ";
    std::printf("  cost %10.3g  order %s restrictions %s\n", alternative.estimated_cost,
                order.c_str(), to_string(alternative.restrictions).c_str());
  }
}

// How a level's vertices are found: enumerated in a loop, counted at the level above without
// a loop, or counted by inclusion-exclusion (no iteration counts).
const char* level_kind(const Plan& plan, int level, bool counts_last) {
  if (plan.inclusion_exclusion && level >= plan.inclusion_exclusion->first_level)
    return "inclusion-exclusion";
  return counts_last && level == plan.size() - 1 ? "counted" : "loop";
}

// `part` of `whole` as a share (0 when the whole is 0).
double share(double part, double whole) {
  return whole > 0 ? part / whole : 0;
}

// What a profiled run did beside the plan's estimates (explain --analyze).
struct Analysis {
  std::uint64_t count;
  double run_seconds;
  RunProfile profile;
};

nlohmann::json analysis_json(const Plan& plan, const Analysis& analysis, bool jit) {
  const RunProfile& p = analysis.profile;
  const bool counts_last = !plan.inclusion_exclusion && !plan.levels.back().label;
  std::uint64_t total_samples = p.outside_samples;
  for (const std::uint64_t n : p.samples)
    total_samples += n;
  nlohmann::json levels = nlohmann::json::array();
  for (int l = 0; l < plan.size(); ++l) {
    const PlanLevel& level = plan.levels[l];
    const char* kind = level_kind(plan, l, counts_last);
    const bool counted_by_formula = std::string(kind) == "inclusion-exclusion";
    levels.push_back({{"level", l},
                      {"pattern_vertex", level.pattern_vertex},
                      {"found_by", kind},
                      {"estimated_iterations", level.estimated_iterations},
                      {"iterations", counted_by_formula ? nlohmann::json(nullptr)
                                                        : nlohmann::json(p.iterations[l])},
                      {"samples", p.samples[l + 1]},
                      {"time_share", share(static_cast<double>(p.samples[l + 1]), total_samples)}});
  }
  nlohmann::json sets = nlohmann::json::array();
  for (std::size_t id = 0; id < plan.sets.size(); ++id) {
    const SetComputation& set = plan.sets[id];
    nlohmann::json entry = {
        {"set", id},
        {"level", set.level},
        {"estimated_size", set.estimated_size},
        {"computations", p.computations[id]},
        {"mean_size", share(static_cast<double>(p.members[id]), p.computations[id])}};
    if (set.bitmap >= 0 && counts_last) entry["bitmap_probes"] = p.probes[id];
    sets.push_back(entry);
  }
  nlohmann::json minigraphs = nlohmann::json::array();
  for (std::size_t m = 0; m < plan.minigraphs.size(); ++m) {
    const Minigraph& minigraph = plan.minigraphs[m];
    if (minigraph.build == MinigraphBuild::skip) continue;
    const std::uint64_t reads = p.list_reads[m];
    const std::uint64_t misses = p.list_misses[m];
    minigraphs.push_back({{"minigraph", m},
                          {"level", minigraph.level},
                          {"build", to_string(minigraph.build)},
                          {"built", p.builds[m]},
                          {"lists_pruned", p.lists_pruned[m]},
                          {"lists_read", reads},
                          {"hit_rate", share(static_cast<double>(reads - misses), reads)}});
  }
  return {{"count", analysis.count},
          {"run_seconds", analysis.run_seconds},
          {"levels", levels},
          {"sets", sets},
          {"minigraphs", jit ? minigraphs : nlohmann::json::array()},
          {"samples",
           {{"interval_seconds", p.sample_seconds},
            {"total", total_samples},
            {"between_levels", p.samples[0]},
            {"outside_tasks", p.outside_samples}}}};
}

void print_analysis(const nlohmann::json& a, const std::string& how) {
  std::printf(
      "\nanalyze: %s matches in %.3f s (%s; a profiled kernel, its counters and timer "
      "included)\n",
      with_commas(a["count"].get<std::uint64_t>()).c_str(), a["run_seconds"].get<double>(),
      how.c_str());
  std::printf(
      "\nlevel  vertex  found by              est. iterations       iterations  "
      "actual/est.    time\n");
  for (const auto& level : a["levels"]) {
    const double estimated = level["estimated_iterations"].get<double>();
    std::string actual = "-", ratio = "-";
    if (!level["iterations"].is_null()) {
      const auto n = level["iterations"].get<std::uint64_t>();
      actual = with_commas(n);
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", share(static_cast<double>(n), estimated));
      ratio = text;
    }
    std::printf("%5d  u%-5d  %-19s  %15.3g  %15s  %11s  %5.1f%%\n", level["level"].get<int>(),
                level["pattern_vertex"].get<int>(), level["found_by"].get<std::string>().c_str(),
                estimated, actual.c_str(), ratio.c_str(), 100 * level["time_share"].get<double>());
  }
  std::printf("\nset  level  est. size  mean size     computed  bitmap: ids tested\n");
  for (const auto& set : a["sets"]) {
    std::printf("S%-3d %5d  %9.3g  %9.3g  %11s  %s\n", set["set"].get<int>(),
                set["level"].get<int>(), set["estimated_size"].get<double>(),
                set["mean_size"].get<double>(),
                with_commas(set["computations"].get<std::uint64_t>()).c_str(),
                set.contains("bitmap_probes")
                    ? with_commas(set["bitmap_probes"].get<std::uint64_t>()).c_str()
                    : "-");
  }
  if (!a["minigraphs"].empty()) {
    std::printf(
        "\nminigraph  level  build          built   lists pruned     lists read  hit rate\n");
    for (const auto& m : a["minigraphs"]) {
      std::printf("G%-8d  %5d  %-6s  %12s  %13s  %13s  %7.1f%%\n", m["minigraph"].get<int>(),
                  m["level"].get<int>(), m["build"].get<std::string>().c_str(),
                  with_commas(m["built"].get<std::uint64_t>()).c_str(),
                  with_commas(m["lists_pruned"].get<std::uint64_t>()).c_str(),
                  with_commas(m["lists_read"].get<std::uint64_t>()).c_str(),
                  100 * m["hit_rate"].get<double>());
    }
  }
  const auto& samples = a["samples"];
  const double total = samples["total"].get<double>();
  std::printf(
      "\ntime: %s samples, one per %.0f ms of CPU time of the process; %.1f%% in tasks between "
      "levels, %.1f%% on threads outside the run's tasks (scheduling, waiting for work)\n",
      with_commas(samples["total"].get<std::uint64_t>()).c_str(),
      1000 * samples["interval_seconds"].get<double>(),
      100 * share(samples["between_levels"].get<double>(), total),
      100 * share(samples["outside_tasks"].get<double>(), total));
}

void run_explain(const MatchOptions& options, bool analyze) {
  // A profiled run takes the threads and the Ctrl-C handling of count; the plan alone neither.
  std::optional<Session> session;
  if (analyze) session.emplace(options);
  Pattern pattern = parse_pattern(options.pattern);
  std::optional<StatusLine> status(std::in_place, step_text("loading " + options.graph));
  const Loaded loaded = load(options.graph);
  status.emplace(step_text("planning " + pattern.name()));
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::count);
  status.reset();
  if (!analyze) {
    print_plan(options, prepared);
    return;
  }
  status.emplace(step_text("compiling " + prepared.pattern.name()));
  const Compiled compiled = compile(prepared, options, KernelKind::profile);
  status.reset();
  const bool jit = compiled.executable.engine() == Engine::jit;
  // Each term runs on its own, profiled: a count from supergraphs shows every kernel's levels.
  nlohmann::json terms = nlohmann::json::array();
  std::vector<std::int64_t> coefficients;
  std::vector<WideCount> totals;
  double run_seconds = 0;
  for (const CountExecutable::Term& term : compiled.executable.terms()) {
    const Plan& plan = term.executable.plan();
    Analysis analysis{0, 0, RunProfile(plan)};
    RunOptions run =
        session->run_options(loaded.graph.num_vertices(), "profiling " + plan.pattern.name());
    run.cluster = nullptr;  // explain runs on rank 0 alone
    run.profile = &analysis.profile;
    const auto start = Clock::now();
    const RunResult result = term.executable.count(loaded.graph, run);
    analysis.run_seconds = seconds_since(start);
    session->finish();
    if (result.stopped) throw Error("the profiled run was stopped before it finished");
    analysis.count = result.count;
    run_seconds += analysis.run_seconds;
    coefficients.push_back(term.coefficient);
    totals.push_back(result.count);
    nlohmann::json entry = analysis_json(plan, analysis, jit);
    entry.update({{"coefficient", term.coefficient},
                  {"pattern_edges", plan.pattern.edge_list()},
                  {"induced", to_string(plan.induced)},
                  {"plan", plan.print()},
                  {"estimated_cost", plan.estimated_cost}});
    terms.push_back(std::move(entry));
  }
  const bool by_supergraphs = prepared.plan.by_supergraphs();
  // A direct count keeps the one term's fields at the top.
  nlohmann::json out = by_supergraphs
                           ? nlohmann::json{{"count", signed_sum(coefficients, totals)},
                                            {"run_seconds", run_seconds},
                                            {"estimated_cost", *prepared.plan.supergraph_cost},
                                            {"terms", terms}}
                           : terms[0];
  if (options.json) {
    out.update({{"pattern", prepared.pattern.name()},
                {"pattern_edges", prepared.pattern.edge_list()},
                {"induced", options.induced},
                {"supergraphs", by_supergraphs},
                {"graph", options.graph},
                {"vertices", loaded.graph.num_vertices()},
                {"edges", loaded.graph.num_edges()},
                {"threads", session->threads()},
                {"engine", options.engine},
                {"prune", options.prune},
                {"peak_rss_bytes", peak_rss_bytes()},
                {"seconds",
                 {{"load", loaded.load_seconds},
                  {"plan", prepared.plan_seconds},
                  {"compile", compiled.seconds},
                  {"run", run_seconds}}}});
    if (const auto& sampled = prepared.plan.sampled) {
      // A cost is null when its sample ran out of budget.
      const auto cost = [](double value) {
        return std::isinf(value) ? nlohmann::json() : nlohmann::json(value);
      };
      out["sampled_costs"] = {{"candidates", sampled->candidates},
                              {"direct", cost(sampled->direct)},
                              {"supergraphs", cost(sampled->supergraphs)},
                              {"terms_priced", sampled->priced},
                              {"terms", sampled->terms}};
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  print_plan(options, prepared);
  const std::string how =
      options.engine + ", prune " + options.prune + ", " + parallelism(*session);
  if (!by_supergraphs) {
    print_analysis(out, how);
    return;
  }
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::printf("\n--- term %zu: %+lld x edge-induced %s ---\n", i + 1,
                static_cast<long long>(coefficients[i]),
                terms[i]["pattern_edges"].get<std::string>().c_str());
    print_analysis(terms[i], how);
  }
  std::printf("\nanalyze: %s matches of %s, vertex-induced: the terms' signed sum, in %.3f s\n",
              with_commas(out["count"].get<std::uint64_t>()).c_str(),
              prepared.pattern.name().c_str(), run_seconds);
}

int run_verify(const MatchOptions& options) {
  Pattern pattern = parse_pattern(options.pattern);
  Session session(options);
  session.step("loading " + options.graph);
  const Loaded loaded = load(options.graph);
  session.finish();
  constexpr VertexId kLargestReferenceGraph = 5000;
  if (loaded.graph.num_vertices() > kLargestReferenceGraph) {
    throw InvalidArgument("verify runs exponential reference counters; " + quote(options.graph) +
                          " has " + std::to_string(loaded.graph.num_vertices()) +
                          " vertices, more than " + std::to_string(kLargestReferenceGraph));
  }
  const Prepared prepared = prepare(std::move(pattern), loaded.graph, options, PlanUse::count);
  const Induced induced = parse_induced(options.induced);
  RunOptions run = session.run_options(0, "engine");
  run.cluster = nullptr;  // verify runs on rank 0 alone
  const RunResult engine = CountExecutable(prepared.plan.terms, KernelKind::count, Engine::interp)
                               .count(loaded.graph, run);
  session.step("counting " + prepared.pattern.name() + " with Boost.Graph VF2");
  const std::uint64_t vf2 = vf2_count(loaded.graph, prepared.pattern, induced);
  session.finish();
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
  std::optional<Graph> graph;
  GraphProfile profile = typical_profile();
  if (!options.graph.empty()) {
    graph = load(options.graph).graph;
    profile = profile_graph(*graph);
  }
  const Plan best = choose_schedule(pattern, parse_induced(options.induced), profile,
                                    listing ? PlanUse::list : PlanUse::count)
                        .best;
  // The kernel that count or list runs on that graph (as one term).
  CountPlan plan{{best, {}}, {{1, best}}, {}, {}};
  plan_minigraphs(plan, parse_prune_mode(options.prune), profile, graph ? &*graph : nullptr);
  const std::string code =
      generate_kernel(plan.terms.front().plan, listing ? KernelKind::list : KernelKind::count);
  OutputFile file(output.empty() ? std::string(OutputFile::kStandardOutput) : output);
  file.write(code);
  file.commit();
}

// What count and motifs say of the patterns that count with algorithms of their own.
constexpr const char* kCountersHelp =
    "The 4-cycle (edge-induced) counts by wedges, and cliques of 4 or more vertices in bitset "
    "minigraphs, whatever --engine and --prune say: explain shows it under the plan, and "
    "--json's \"counter\" names it.\n\n";

// What count, list and motifs say of running under mpirun.
std::string mpi_footer(bool listing) {
  std::string text =
      "Under mpirun (mpirun -n 4 graphmini ...) the ranks share the work and only rank 0 "
      "prints. Every rank loads the whole graph, so it must fit in each host's memory: a .gmg "
      "is memory-mapped (the ranks of a host share its pages), while a text graph or generator "
      "spec is parsed by every rank (convert it once with 'graphmini data convert'). Graph and "
      "pattern files must be the same on every host, and cannot be standard input, which "
      "reaches rank 0 alone.";
  if (listing) {
    text +=
        " The ranks list exactly the matches of one process, in another order; rank 0 "
        "writes them all to the output, which appears only when every rank has finished.";
  }
  return text;
}

}  // namespace

void add_match_commands(CLI::App& app) {
  auto count_options = std::make_shared<MatchOptions>();
  auto* count = app.add_subcommand(
      "count", "Count the subgraphs of a graph that match a pattern (each subgraph once)");
  add_common_options(*count, *count_options, true);
  add_engine_options(*count, *count_options);
  add_supergraph_option(*count, *count_options);
  count->add_flag("--json", count_options->json, "print one JSON object");
  count->footer(kCountersHelp + mpi_footer(false));
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
  list->footer(mpi_footer(true));
  list->callback([list_options, limit, output] {
    run_list(*list_options, limit->value_or(std::numeric_limits<std::uint64_t>::max()), *output);
  });

  auto motif_options = std::make_shared<MatchOptions>();
  auto size = std::make_shared<int>(4);
  auto* motifs = app.add_subcommand(
      "motifs", "Count every connected k-vertex pattern, vertex-induced, in one run");
  add_common_options(*motifs, *motif_options, false);
  add_engine_options(*motifs, *motif_options);
  add_supergraph_option(*motifs, *motif_options);
  add_number(*motifs, "-k,--size", *size, 3, 5, "pattern size");
  motifs->add_flag("--json", motif_options->json, "print one JSON object");
  motifs->footer(kCountersHelp + mpi_footer(false));
  motifs->callback([motif_options, size] { run_motifs(*motif_options, *size); });

  auto explain_options = std::make_shared<MatchOptions>();
  auto analyze = std::make_shared<bool>(false);
  auto* explain = app.add_subcommand(
      "explain",
      "Show the plan for a pattern: restrictions, matching order, cost estimates; with "
      "--analyze, run it and show what each level actually did");
  add_common_options(*explain, *explain_options, true);
  add_engine_options(*explain, *explain_options);
  add_supergraph_option(*explain, *explain_options);
  auto* analyze_flag = explain->add_flag(
      "--analyze", *analyze,
      "run the query with a profiling kernel and print, per loop level, the estimated and the "
      "actual iterations and its share of the run time (sampled every millisecond of CPU "
      "time), per set its estimated and mean size and bitmap use, and per minigraph how often "
      "it was built, its lists pruned and read and their hit rate");
  explain->add_flag("--json", explain_options->json, "with --analyze: print one JSON object")
      ->needs(analyze_flag);
  explain->callback(on_root_only(
      "explain", [explain_options, analyze] { run_explain(*explain_options, *analyze); }));

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
  compile->callback(on_root_only("compile", [compile_options, compile_listing, compile_output] {
    run_compile(*compile_options, *compile_listing, *compile_output);
  }));

  auto verify_options = std::make_shared<MatchOptions>();
  auto* verify = app.add_subcommand(
      "verify", "Check the engine's count against Boost.Graph's VF2 on a small graph");
  add_common_options(*verify, *verify_options, true);
  add_supergraph_option(*verify, *verify_options);
  verify->add_flag("--json", verify_options->json, "print one JSON object");
  verify->callback(on_root_only("verify", [verify_options] {
    if (run_verify(*verify_options) != 0) throw Error("the counts disagree");
  }));
}

}  // namespace graphmini::cli
