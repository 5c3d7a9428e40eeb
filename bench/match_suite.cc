// The pattern-matching suite: graph x pattern x semantics x pruning mode, each cell timed in
// phases (load, plan, compile, run) with a per-run time limit, written as JSON and CSV, with
// the summary the query compiler is judged by.
//
//   match_suite [--graphs SPEC,...] [--patterns P1,...] [--induced edge,vertex]
//               [--prune MODE,...] [--engine jit|interp] [--supergraphs never|always|cost]
//               [--threads N] [--limit SECONDS] [--repeat SECONDS] [--out DIR]
//
// Defaults: the five SNAP graphs of the GraphMini comparison from ../shared/datasets when
// present plus Kronecker graphs of scale 16 and 18, P1..P8, both semantics, the five pruning
// modes, the JIT when built, all cores, a 120 s limit per run, output in bench-results/. A
// run that hits the limit is recorded with "capped": true and no count. Every kernel is
// compiled cold (the kernel cache is bypassed), so compile times are first-run times. A run is
// repeated until its runs have taken --repeat seconds (1 s; at most 1,000 runs) and the
// fastest is kept. A mode whose plan generates the kernels of an earlier mode of its cell (or
// that counts with the same counter of its own) shares that mode's run ("same_kernel_as" in
// the JSON). Each cell's JSON also holds what the cost model sees of it, its plans' sampled
// cost and work (add_sampled), which bench/compare_orders.py sets against run times.
//
// Per cell it prints the run time of every mode, the speedup of `cost` over `none`, the
// fastest mode and whether `cost` is within 10% of it. The wiki-Vote rows also give the
// ratio to GraphMini's published times on this machine kind (issue 3's table): execution
// (GraphMini's fastest configuration against `cost`) and end to end, where GraphMini's is its
// execution plus 2.4 s, the least it spends compiling a query on this machine kind (it runs
// an external compiler: 2.4-5.2 s), and ours is load + plan + cold compile + run. Those
// reference numbers are data about another system, kept here and nowhere else.
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "compiler/counters.h"
#include "compiler/engine.h"
#include "compiler/level0.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"
#include "compiler/supergraphs.h"
#include "datasets/registry.h"
#include "runtime/graph_builder.h"

namespace {

using graphmini::bench::Clock;
using graphmini::bench::Deadline;
using graphmini::bench::since;
namespace fs = std::filesystem;

// GraphMini, 2 threads, wiki-Vote, execution time of its fastest configuration, seconds, as
// {edge-induced, vertex-induced}: issue 3's table, with the five cells that issue 19 measured
// again side by side with its optimised build (P1, P2, P7 and P8 edge, P5 vertex).
const std::map<std::string, std::pair<double, double>> kGraphMiniWikiVote = {
    {"P1", {0.041, 0.043}}, {"P2", {0.042, 1.74}}, {"P3", {0.35, 2.33}}, {"P4", {0.10, 0.10}},
    {"P5", {1.37, 20.8}},   {"P6", {1.55, 23.3}},  {"P7", {35.8, 76.4}}, {"P8", {0.67, 4.66}}};

// Geometric means of ratios, for the summary.
class GeometricMean {
 public:
  void add(double ratio) {
    log_sum_ += std::log(ratio);
    ++count_;
  }
  std::string text() const {
    if (count_ == 0) return "-";
    char out[48];
    std::snprintf(out, sizeof out, "%.2fx over %d cells", std::exp(log_sum_ / count_), count_);
    return out;
  }

 private:
  double log_sum_ = 0;
  int count_ = 0;
};

// A kernel's code without its comment lines: they print the plan with the cost model's
// estimates, which differ between modes whose kernels are the same code.
std::string code_of(const std::string& source) {
  std::string code;
  std::size_t line = 0;
  while (line < source.size()) {
    std::size_t end = source.find('\n', line);
    end = end == std::string::npos ? source.size() : end + 1;
    if (source.compare(line, 2, "//") != 0) code.append(source, line, end - line);
    line = end;
  }
  return code;
}

std::string ratio_text(double ratio, bool bound) {
  char text[32];
  // A capped run took at least the time limit: the ratio is an upper bound.
  std::snprintf(text, sizeof text, "%s%.2fx", bound ? "<" : "", ratio);
  return text;
}

// What the cost model sees of a cell, for comparing it with the run times: its plans run on
// the interpreter over the sample that prices them (plan_count's), as their estimated cost in
// element comparisons ("sampled_cost") and as what running the sample took ("sample_work",
// iterations); null when a plan's sample passes kPricingWork.
void add_sampled(nlohmann::json& cell, const graphmini::CountPlan& plan,
                 const graphmini::Graph& graph, const graphmini::GraphProfile& profile,
                 std::span<const graphmini::SampledCandidate> sample) {
  double cost = 0;
  std::uint64_t work = 0;
  for (const graphmini::CountTerm& term : plan.terms) {
    const auto sampled =
        graphmini::sampled_cost(term.plan, graph, profile, sample, graphmini::kPricingWork);
    if (!sampled) {
      cell["sampled_cost"] = nullptr;
      cell["sample_work"] = nullptr;
      return;
    }
    cost += sampled->cost;
    work += sampled->work;
  }
  cell["sampled_cost"] = cost;
  cell["sample_work"] = work;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> graphs, patterns = {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"},
                                   semantics = {"edge", "vertex"},
                                   modes = {"none", "static", "eager", "online", "cost"};
  std::string engine_name = graphmini::to_string(graphmini::default_engine());
  int threads = tbb::info::default_concurrency();
  double limit = 120;
  double repeat_seconds = 1;
  std::string out_folder = "bench-results";
  std::string supergraphs = "cost";
  std::string order = "degree";
  CLI::App app(
      "Runs every graph x pattern x semantics x pruning-mode cell, prints a table and a "
      "summary, and writes DIR/match_suite.json and .csv (plot them with "
      "bench/plot_match_suite.py).",
      "match_suite");
  app.add_option("--graphs", graphs,
                 "graph specs (default: the SNAP graphs of the GraphMini comparison from "
                 "../shared/datasets when present, kron:scale=16 and kron:scale=18)")
      ->delimiter(',');
  app.add_option("--patterns", patterns, "patterns")->delimiter(',')->capture_default_str();
  app.add_option("--induced", semantics, "semantics")->delimiter(',')->capture_default_str();
  app.add_option("--prune", modes, "pruning modes (the interpreter runs none only)")
      ->delimiter(',')
      ->check(CLI::IsMember({"none", "static", "eager", "online", "cost"}))
      ->capture_default_str();
  app.add_option("--engine", engine_name, "jit or interp")
      ->check(CLI::IsMember({"jit", "interp"}))
      ->capture_default_str();
  app.add_option("--supergraphs", supergraphs,
                 "vertex-induced cells: never, always or cost (as graphmini count)")
      ->check(CLI::IsMember({"never", "always", "cost"}))
      ->capture_default_str();
  app.add_option("--order", order,
                 "vertex ids: degree (renumbered by ascending degree, as graphmini count runs) "
                 "or file (as the graph gives them; for measuring what the renumbering does)")
      ->check(CLI::IsMember({"degree", "file"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_option("--limit", limit, "seconds per run")->capture_default_str();
  app.add_option("--repeat", repeat_seconds,
                 "repeat each run until its runs have taken this many seconds (at most 1,000 "
                 "runs) and keep the fastest")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--out", out_folder, "output folder (DIR)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const graphmini::Engine engine = graphmini::parse_engine(engine_name);
  if (engine == graphmini::Engine::interp) modes = {"none"};
  const fs::path out = out_folder;
  if (graphs.empty()) {
    const fs::path shared = fs::path(GRAPHMINI_SOURCE_DIR).parent_path() / "shared/datasets/graphs";
    for (const char* name : {"wiki-Vote.txt.gz", "email-Enron.txt.gz", "ca-AstroPh.txt.gz",
                             "soc-Epinions1.txt.gz", "soc-Slashdot0902.txt.gz"}) {
      if (fs::exists(shared / name)) graphs.push_back((shared / name).string());
    }
    graphs.push_back("kron:scale=16");
    graphs.push_back("kron:scale=18");
  }
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  fs::create_directories(out);
  nlohmann::json cells = nlohmann::json::array();
  std::printf("%-20s %-3s %-6s", "graph", "pat", "induce");
  for (const std::string& mode : modes)
    std::printf(" %9s", (mode + " s").c_str());
  std::printf(" %20s %8s %7s %4s %8s %8s\n", "count", "cost/no", "best", "10%", "GM exec",
              "GM e2e");
  GeometricMean cost_over_none, versus_exec, versus_end_to_end;
  int faster_than_graphmini = 0, compared = 0, cost_within = 0, judged = 0;
  for (const std::string& spec : graphs) {
    const auto load_start = Clock::now();
    graphmini::Graph graph = graphmini::datasets::open_graph(spec);
    if (order == "degree")
      graph = graphmini::relabel_by_degree(std::move(graph), graphmini::DegreeOrder::ascending);
    const double load = since(load_start);
    const std::string name = fs::path(spec).filename().string();
    const std::vector<graphmini::SampledCandidate> sample =
        graphmini::level0::sample(graph, graphmini::kPricingSample);
    for (const std::string& pattern_spec : patterns) {
      for (const std::string& induced_name : semantics) {
        const auto plan_start = Clock::now();
        const graphmini::Pattern pattern = graphmini::parse_pattern(pattern_spec);
        const graphmini::Induced induced = graphmini::parse_induced(induced_name);
        const graphmini::GraphProfile profile = graphmini::profile_graph(graph);
        const graphmini::CountPlan best = graphmini::plan_count(
            pattern, induced, profile, graphmini::parse_supergraph_mode(supergraphs), &graph);
        const double plan = since(plan_start);
        nlohmann::json cell = {{"graph", name},
                               {"pattern", pattern_spec},
                               {"induced", induced_name},
                               {"threads", threads},
                               {"engine", engine_name},
                               {"order", order},
                               {"load_s", load},
                               {"plan_s", plan},
                               // The plans run: 1, or the supergraphs counted for the cell.
                               {"terms", best.terms.size()},
                               {"modes", nlohmann::json::object()}};
        add_sampled(cell, best, graph, profile, sample);
        std::printf("%-20s %-3s %-6s", name.c_str(), pattern_spec.c_str(), induced_name.c_str());
        std::optional<std::uint64_t> count;
        bool agree = true;
        // Modes whose plans generate the same kernels (the cost model built no minigraph, say,
        // as `none`), or that count with a counter of its own (which builds no minigraphs), run
        // the same code: the first such mode's run stands for the others, so that the modes of
        // a cell differ by their choices and not by the machine's noise.
        std::map<std::string, std::string> measured_by;  // kernel sources -> mode
        for (const std::string& mode : modes) {
          graphmini::CountPlan variant = best;
          const auto prune_start = Clock::now();
          graphmini::plan_minigraphs(variant, graphmini::parse_prune_mode(mode), profile, &graph);
          const double prune = since(prune_start);
          std::string kernels;
          for (const graphmini::CountTerm& term : variant.terms) {
            const graphmini::Counter counter =
                graphmini::counter_on(graphmini::choose_counter(term.plan), graph);
            kernels +=
                std::to_string(term.coefficient) + " " + graphmini::to_string(counter) + "\n";
            if (counter == graphmini::Counter::plan)
              kernels +=
                  code_of(graphmini::generate_kernel(term.plan, graphmini::KernelKind::count));
          }
          if (const auto same = measured_by.find(kernels); same != measured_by.end()) {
            nlohmann::json run = cell["modes"][same->second];
            run["plan_s"] = plan + prune;
            run["same_kernel_as"] = same->second;
            cell["modes"][mode] = run;
            std::printf(" %8.3f=", run["run_s"].get<double>());
            continue;
          }
          measured_by.emplace(std::move(kernels), mode);
          const auto compile_start = Clock::now();
          const graphmini::CountExecutable executable(variant.terms, graphmini::KernelKind::count,
                                                      engine, {.use_cache = false});
          const double compile = since(compile_start);
          std::atomic<bool> stop{false};
          // The fastest of the repeats is kept: a single run of a few milliseconds says more
          // about the machine's noise than about the kernel, and the modes of a cell are told
          // apart by 10%.
          graphmini::RunResult result;
          double run = 0, spent = 0;
          for (int repeat = 0;
               repeat < 1000 && (repeat == 0 || spent < repeat_seconds) && !result.stopped;
               ++repeat) {
            const auto run_start = Clock::now();
            {
              const Deadline deadline(stop, limit);
              result = executable.count(graph, {.stop = &stop});
            }
            const double once = since(run_start);
            run = repeat == 0 ? once : std::min(run, once);
            spent += once;
          }
          cell["modes"][mode] = {{"plan_s", plan + prune},
                                 {"compile_s", compile},
                                 {"run_s", run},
                                 {"capped", result.stopped},
                                 {"minigraphs", graphmini::built_minigraphs(variant)}};
          if (!result.stopped) {
            if (count && *count != result.count) agree = false;
            count = result.count;
          }
          std::printf(" %8.3f%s", run, result.stopped ? "+" : " ");
          std::fflush(stdout);
        }
        cell["count"] = count ? nlohmann::json(*count) : nlohmann::json(nullptr);
        cell["modes_agree"] = agree;
        const auto& runs = cell["modes"];
        std::string best_mode = modes.front();
        for (const std::string& mode : modes) {
          if (runs[mode]["run_s"].get<double>() < runs[best_mode]["run_s"].get<double>())
            best_mode = mode;
        }
        cell["best_mode"] = best_mode;
        std::string speedup = "-", within = "-", exec_ratio = "-", e2e_ratio = "-";
        if (runs.contains("cost") && runs.contains("none")) {
          const bool cost_capped = runs["cost"]["capped"].get<bool>();
          const bool none_capped = runs["none"]["capped"].get<bool>();
          const double ratio =
              runs["none"]["run_s"].get<double>() / runs["cost"]["run_s"].get<double>();
          // A capped run took at least the limit: the ratio bounds the speedup from one side,
          // or from none when both were capped; only complete pairs enter the mean.
          speedup = cost_capped && none_capped ? "-"
                    : none_capped              ? ">" + ratio_text(ratio, false)
                                               : ratio_text(ratio, cost_capped);
          if (!cost_capped && !none_capped) cost_over_none.add(ratio);
        }
        const std::string ours = runs.contains("cost") ? "cost" : modes.front();
        // Two capped runs cannot be told apart: such a cell is not judged.
        const bool undecided = runs.contains("cost") && runs["cost"]["capped"].get<bool>() &&
                               runs[best_mode]["capped"].get<bool>();
        if (runs.contains("cost") && modes.size() > 1 && !undecided) {
          const bool ok =
              runs["cost"]["run_s"].get<double>() <= 1.10 * runs[best_mode]["run_s"].get<double>();
          cell["cost_within_10_percent"] = ok;
          within = ok ? "yes" : "no";
          cost_within += ok ? 1 : 0;
          ++judged;
        }
        const auto reference = kGraphMiniWikiVote.find(pattern_spec);
        if (name.starts_with("wiki-Vote") && reference != kGraphMiniWikiVote.end()) {
          const double theirs = induced == graphmini::Induced::edge ? reference->second.first
                                                                    : reference->second.second;
          constexpr double kGraphMiniLeastCompile = 2.4;
          const auto& mine = runs[ours];
          const bool capped = mine["capped"].get<bool>();
          const double run = mine["run_s"].get<double>();
          const double end_to_end =
              load + mine["plan_s"].get<double>() + mine["compile_s"].get<double>() + run;
          cell["graphmini_paper_seconds"] = theirs;
          cell["end_to_end_s"] = end_to_end;
          exec_ratio = ratio_text(theirs / run, capped);
          e2e_ratio = ratio_text((theirs + kGraphMiniLeastCompile) / end_to_end, capped);
          versus_exec.add(theirs / run);
          versus_end_to_end.add((theirs + kGraphMiniLeastCompile) / end_to_end);
          faster_than_graphmini += !capped && run < theirs ? 1 : 0;
          ++compared;
        }
        std::printf(" %20s %8s %7s %4s %8s %8s%s\n",
                    count ? std::to_string(*count).c_str() : "(capped)", speedup.c_str(),
                    best_mode.c_str(), within.c_str(), exec_ratio.c_str(), e2e_ratio.c_str(),
                    agree ? "" : "  COUNTS DISAGREE");
        std::fflush(stdout);
        cells.push_back(cell);
      }
    }
  }
  std::printf(
      "\nsummary (%s engine, %d threads; + marks a capped run, = a mode whose kernels are an "
      "earlier mode's, whose run it shares)\n",
      engine_name.c_str(), threads);
  std::printf("  cost over none, run time:        %s\n", cost_over_none.text().c_str());
  std::printf(
      "  cost within 10%% of the fastest:  %d of %d cells (not judged: cells whose cost and "
      "fastest runs were both capped)\n",
      cost_within, judged);
  std::printf("  vs GraphMini, execution:         %s; faster on %d of %d\n",
              versus_exec.text().c_str(), faster_than_graphmini, compared);
  std::printf("  vs GraphMini, end to end:        %s\n", versus_end_to_end.text().c_str());
  std::ofstream(out / "match_suite.json") << cells.dump(2) << "\n";
  std::ofstream csv(out / "match_suite.csv");
  csv << "graph,pattern,induced,threads,engine,prune,load_s,plan_s,compile_s,run_s,capped,"
         "minigraphs,count\n";
  for (const auto& cell : cells) {
    for (const auto& [mode, run] : cell["modes"].items()) {
      csv << cell["graph"].get<std::string>() << ',' << cell["pattern"].get<std::string>() << ','
          << cell["induced"].get<std::string>() << ',' << cell["threads"] << ','
          << cell["engine"].get<std::string>() << ',' << mode << ',' << cell["load_s"] << ','
          << run["plan_s"] << ',' << run["compile_s"] << ',' << run["run_s"] << ',' << run["capped"]
          << ',' << run["minigraphs"] << ','
          << (run["capped"].get<bool>() || cell["count"].is_null()
                  ? ""
                  : std::to_string(cell["count"].get<std::uint64_t>()))
          << '\n';
    }
  }
  std::printf("wrote %s and %s\n", (out / "match_suite.json").c_str(),
              (out / "match_suite.csv").c_str());
  return 0;
}
