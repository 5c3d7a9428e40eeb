// End-to-end pattern-matching suite: graph x pattern x semantics, each cell timed in phases
// (load, plan, run) with a per-cell time limit, written as JSON and CSV.
//
//   match_suite [--graphs SPEC,...] [--patterns P1,...] [--induced edge,vertex]
//               [--threads N] [--limit SECONDS] [--out DIR]
//
// Defaults: the four SNAP graphs of the GraphMini comparison from ../shared/datasets when
// present plus Kronecker graphs of scale 16 and 18, P1..P8, both semantics, all cores, a
// 120 s limit per cell, output in bench-results/. A cell that hits the limit is recorded with
// "capped": true and no count. The wiki-Vote rows also print the ratio to GraphMini's
// published times on this machine kind (issue 3's table) so that progress is visible at a
// glance; those reference numbers are data about another system, kept here and nowhere else.
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "compiler/interpreter.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/graph_builder.h"

namespace {

using graphmini::bench::Clock;
using graphmini::bench::Deadline;
using graphmini::bench::since;
namespace fs = std::filesystem;

// GraphMini, 2 threads, wiki-Vote, execution time, fastest configuration (issue 3).
const std::map<std::string, std::pair<double, double>> kGraphMiniWikiVote = {
    {"P1", {0.043, 0.043}}, {"P2", {0.075, 1.74}}, {"P3", {0.35, 2.33}}, {"P4", {0.10, 0.10}},
    {"P5", {1.37, 22.8}},   {"P6", {1.55, 23.3}},  {"P7", {53.9, 76.4}}, {"P8", {1.19, 4.66}}};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> graphs, patterns = {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"},
                                   semantics = {"edge", "vertex"};
  int threads = tbb::info::default_concurrency();
  double limit = 120;
  std::string out_folder = "bench-results";
  CLI::App app(
      "Runs every graph x pattern x semantics cell, prints a table and writes "
      "DIR/match_suite.json and .csv.",
      "match_suite");
  app.add_option("--graphs", graphs,
                 "graph specs (default: the SNAP graphs of the GraphMini comparison from "
                 "../shared/datasets when present, kron:scale=16 and kron:scale=18)")
      ->delimiter(',');
  app.add_option("--patterns", patterns, "patterns")->delimiter(',')->capture_default_str();
  app.add_option("--induced", semantics, "semantics")->delimiter(',')->capture_default_str();
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_option("--limit", limit, "seconds per cell")->capture_default_str();
  app.add_option("--out", out_folder, "output folder (DIR)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const fs::path out = out_folder;
  if (graphs.empty()) {
    const fs::path shared = fs::path(GRAPHMINI_SOURCE_DIR).parent_path() / "shared/datasets/graphs";
    for (const char* name :
         {"wiki-Vote.txt.gz", "email-Enron.txt.gz", "ca-AstroPh.txt.gz", "soc-Epinions1.txt.gz"}) {
      if (fs::exists(shared / name)) graphs.push_back((shared / name).string());
    }
    graphs.push_back("kron:scale=16");
    graphs.push_back("kron:scale=18");
  }
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  fs::create_directories(out);
  nlohmann::json cells = nlohmann::json::array();
  std::printf("%-22s %-4s %-6s %10s %8s %8s %20s %9s\n", "graph", "pat", "induce", "load s",
              "plan s", "run s", "count", "vs GM");
  for (const std::string& spec : graphs) {
    const auto load_start = Clock::now();
    const graphmini::Graph graph = graphmini::relabel_by_degree(
        graphmini::datasets::open_graph(spec), graphmini::DegreeOrder::ascending);
    const double load = since(load_start);
    const std::string name = fs::path(spec).filename().string();
    for (const std::string& pattern_spec : patterns) {
      for (const std::string& induced_name : semantics) {
        const auto plan_start = Clock::now();
        const graphmini::Pattern pattern = graphmini::parse_pattern(pattern_spec);
        const graphmini::Induced induced = graphmini::parse_induced(induced_name);
        const graphmini::Schedule schedule =
            graphmini::choose_schedule(pattern, induced, graphmini::profile_graph(graph));
        const double plan = since(plan_start);
        std::atomic<bool> stop{false};
        const auto run_start = Clock::now();
        graphmini::RunResult result;
        {
          const Deadline deadline(stop, limit);
          result = graphmini::count_matches(graph, schedule.best, {.stop = &stop});
        }
        const double run = since(run_start);
        nlohmann::json cell = {{"graph", name},
                               {"pattern", pattern_spec},
                               {"induced", induced_name},
                               {"threads", threads},
                               {"engine", "interp"},
                               {"capped", result.stopped},
                               {"seconds", {{"load", load}, {"plan", plan}, {"run", run}}}};
        cell["count"] = result.stopped ? nlohmann::json(nullptr) : nlohmann::json(result.count);
        std::string ratio = "";
        const auto reference = kGraphMiniWikiVote.find(pattern_spec);
        if (name.starts_with("wiki-Vote") && reference != kGraphMiniWikiVote.end()) {
          const double theirs = induced == graphmini::Induced::edge ? reference->second.first
                                                                    : reference->second.second;
          cell["graphmini_paper_seconds"] = theirs;
          char text[32];
          // A capped cell ran at least `run` seconds: the ratio is an upper bound.
          std::snprintf(text, sizeof text, "%s%.2fx", result.stopped ? "<" : "", theirs / run);
          ratio = text;
        }
        std::printf("%-22s %-4s %-6s %10.3f %8.3f %8.3f %20s %9s\n", name.c_str(),
                    pattern_spec.c_str(), induced_name.c_str(), load, plan, run,
                    result.stopped ? "(capped)" : std::to_string(result.count).c_str(),
                    ratio.c_str());
        std::fflush(stdout);
        cells.push_back(cell);
      }
    }
  }
  std::ofstream(out / "match_suite.json") << cells.dump(2) << "\n";
  std::ofstream csv(out / "match_suite.csv");
  csv << "graph,pattern,induced,threads,load_s,plan_s,run_s,capped,count\n";
  for (const auto& cell : cells) {
    csv << cell["graph"].get<std::string>() << ',' << cell["pattern"].get<std::string>() << ','
        << cell["induced"].get<std::string>() << ',' << cell["threads"] << ','
        << cell["seconds"]["load"] << ',' << cell["seconds"]["plan"] << ','
        << cell["seconds"]["run"] << ',' << cell["capped"] << ','
        << (cell["count"].is_null() ? "" : std::to_string(cell["count"].get<std::uint64_t>()))
        << '\n';
  }
  std::printf("wrote %s and %s\n", (out / "match_suite.json").c_str(),
              (out / "match_suite.csv").c_str());
  return 0;
}
