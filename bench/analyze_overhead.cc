// The cost of `graphmini explain --analyze`: each cell's plan run as the counting kernel and as
// the profiling kernel (compiler/profile.h: its counters, and the SIGPROF sampling of where the
// time goes), alternately, `rounds` times each, in this process; the fastest of each kept (the
// machine's noise only ever adds time), and the overhead is profiled / counting - 1.
//
//   analyze_overhead [--graphs SPEC,...] [--patterns P1,...] [--induced edge,vertex]
//                    [--threads N] [--rounds N] [--limit SECONDS] [--out DIR]
//
// Defaults: wiki-Vote from ../shared/datasets (else kron:scale=16), P1..P8, both semantics, all
// cores, 5 rounds, and cells whose counting run takes longer than 10 s run one round. Prints a
// line per cell and the summary (geometric mean and largest overhead, cells under 5%), and
// writes DIR/analyze_overhead.json.
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "compiler/engine.h"
#include "compiler/profile.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/graph_builder.h"

namespace {

using graphmini::bench::Clock;
using graphmini::bench::since;
namespace fs = std::filesystem;

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> graphs, patterns = {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"},
                                   semantics = {"edge", "vertex"};
  int threads = tbb::info::default_concurrency();
  int rounds = 5;
  double limit = 10;
  std::string out_folder = "bench-results";
  CLI::App app(
      "Times each cell's counting kernel against its profiling kernel (explain --analyze), "
      "alternately, and reports the profiling overhead; writes DIR/analyze_overhead.json.",
      "analyze_overhead");
  app.add_option("--graphs", graphs,
                 "graph specs (default: wiki-Vote from ../shared/datasets, else kron:scale=16)")
      ->delimiter(',');
  app.add_option("--patterns", patterns, "patterns")->delimiter(',')->capture_default_str();
  app.add_option("--induced", semantics, "semantics")->delimiter(',')->capture_default_str();
  app.add_option("--threads", threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--rounds", rounds, "runs of each kernel per cell")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--limit", limit, "cells whose counting run takes longer run one round")
      ->capture_default_str();
  app.add_option("--out", out_folder, "output folder (DIR)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!graphmini::jit_available()) {
    std::fprintf(stderr, "analyze_overhead: this build has no LLVM JIT\n");
    return 1;
  }
  if (graphs.empty()) {
    const fs::path wiki =
        fs::path(GRAPHMINI_SOURCE_DIR).parent_path() / "shared/datasets/graphs/wiki-Vote.txt.gz";
    graphs.push_back(fs::exists(wiki) ? wiki.string() : "kron:scale=16");
  }
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  nlohmann::json cells = nlohmann::json::array();
  double log_sum = 0;
  double largest = 0;
  int under = 0;
  bool agree = true;
  std::printf("%-20s %-3s %-6s %12s %12s %9s %16s\n", "graph", "pat", "induce", "count s",
              "profiled s", "overhead", "count");
  for (const std::string& spec : graphs) {
    const graphmini::Graph graph = graphmini::relabel_by_degree(
        graphmini::datasets::open_graph(spec), graphmini::DegreeOrder::ascending);
    const graphmini::GraphProfile profile = graphmini::profile_graph(graph);
    const std::string name = fs::path(spec).filename().string();
    for (const std::string& pattern_spec : patterns) {
      for (const std::string& induced_name : semantics) {
        graphmini::Plan plan =
            graphmini::choose_schedule(graphmini::parse_pattern(pattern_spec),
                                       graphmini::parse_induced(induced_name), profile)
                .best;
        graphmini::plan_minigraphs(plan, graphmini::PruneMode::cost, profile);
        // The plan's own kernel, also for the patterns that count with counters of their
        // own (compiler/engine.h), since that is what the profiled kernel runs.
        const graphmini::Executable counting(plan, graphmini::KernelKind::count,
                                             graphmini::Engine::jit, {}, graphmini::Counter::plan);
        const graphmini::Executable profiling(plan, graphmini::KernelKind::profile,
                                              graphmini::Engine::jit);
        double plain = 0, profiled = 0;
        std::uint64_t count = 0, profiled_count = 0;
        for (int round = 0; round < rounds; ++round) {
          auto start = Clock::now();
          count = counting.count(graph).count;
          const double once = since(start);
          graphmini::RunProfile run(profiling.plan());
          start = Clock::now();
          profiled_count = profiling.count(graph, {.profile = &run}).count;
          const double profiled_once = since(start);
          plain = round == 0 ? once : std::min(plain, once);
          profiled = round == 0 ? profiled_once : std::min(profiled, profiled_once);
          if (once > limit) break;
        }
        if (count != profiled_count) agree = false;
        const double overhead = profiled / plain - 1;
        log_sum += std::log(profiled / plain);
        largest = std::max(largest, overhead);
        under += overhead < 0.05;
        std::printf("%-20s %-3s %-6s %12.4f %12.4f %8.1f%% %16llu%s\n", name.c_str(),
                    pattern_spec.c_str(), induced_name.c_str(), plain, profiled, 100 * overhead,
                    static_cast<unsigned long long>(count),
                    count == profiled_count ? "" : "  COUNTS DISAGREE");
        std::fflush(stdout);
        cells.push_back({{"graph", name},
                         {"pattern", pattern_spec},
                         {"induced", induced_name},
                         {"threads", threads},
                         {"count_s", plain},
                         {"profiled_s", profiled},
                         {"overhead", overhead},
                         {"count", count},
                         {"profiled_count", profiled_count}});
      }
    }
  }
  const int n = static_cast<int>(cells.size());
  const double mean = n > 0 ? std::exp(log_sum / n) - 1 : 0;
  std::printf(
      "\nprofiling overhead: geometric mean %.1f%%, largest %.1f%%; under 5%% on %d of %d "
      "cells%s\n",
      100 * mean, 100 * largest, under, n, agree ? "" : "; COUNTS DISAGREE");
  fs::create_directories(out_folder);
  std::ofstream(fs::path(out_folder) / "analyze_overhead.json")
      << nlohmann::json({{"cells", cells},
                         {"geometric_mean_overhead", mean},
                         {"largest_overhead", largest},
                         {"cells_under_5_percent", under}})
             .dump(2)
      << "\n";
  return agree ? 0 : 1;
}
