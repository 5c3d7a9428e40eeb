// Checks the schedule search's cost model against measured run times.
//
//   plan_ranking --graph SPEC [--patterns P1,...] [--induced edge,vertex] [--plans N]
//                [--threads N] [--limit SECONDS]
//
// For each pattern it prices every connected order (each with its cheapest restriction set),
// runs the N cheapest plans and N more spread evenly over the rest of the ranking, and
// prints estimated cost against measured run time, the rank correlation between them
// (Spearman) and how much slower the chosen plan is than the fastest one measured. A run that
// hits the limit counts as taking the limit. Defaults: wiki-Vote from ../shared/datasets,
// P1..P6 and P8, both semantics, 4 + 4 plans, all cores, 20 s per run.
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "compiler/interpreter.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/graph_builder.h"

namespace {

using graphmini::bench::Clock;
using graphmini::bench::since;

std::vector<double> ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> rank(values.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    rank[order[i]] = static_cast<double>(i);
  return rank;
}

// Spearman's rank correlation (ties broken by position).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  double squares = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    squares += (ra[i] - rb[i]) * (ra[i] - rb[i]);
  return n > 1 ? 1 - 6 * squares / (n * (n * n - 1)) : 1;
}

// The cheapest plan of every connected order, cheapest first.
std::vector<graphmini::Plan> ranked_plans(const graphmini::Pattern& pattern,
                                          graphmini::Induced induced,
                                          const graphmini::GraphProfile& profile) {
  const auto restriction_sets = graphmini::candidate_restriction_sets(pattern);
  std::vector<graphmini::Plan> plans;
  for (const auto& order : graphmini::connected_orders(pattern, 50000)) {
    std::optional<graphmini::Plan> best;
    for (const auto& restrictions : restriction_sets) {
      graphmini::Plan plan = graphmini::build_plan(pattern, induced, order, restrictions);
      graphmini::estimate_cost(plan, profile);
      if (!best || plan.estimated_cost < best->estimated_cost) best = std::move(plan);
    }
    plans.push_back(std::move(*best));
  }
  std::stable_sort(plans.begin(), plans.end(), [](const auto& a, const auto& b) {
    return a.estimated_cost < b.estimated_cost;
  });
  return plans;
}

}  // namespace

int main(int argc, char** argv) {
  std::string graph_spec;
  std::vector<std::string> patterns = {"P1", "P2", "P3", "P4", "P5", "P6", "P8"},
                           semantics = {"edge", "vertex"};
  std::size_t plans_per_end = 4;
  int threads = tbb::info::default_concurrency();
  double limit = 20;
  CLI::App app(
      "Runs the N cheapest plans of each pattern by the cost model and N more from the rest "
      "of the ranking, and prints estimated cost against measured time with their rank "
      "correlation.",
      "plan_ranking");
  app.add_option("--graph", graph_spec, "graph spec (default: wiki-Vote from ../shared/datasets)");
  app.add_option("--patterns", patterns, "patterns")->delimiter(',')->capture_default_str();
  app.add_option("--induced", semantics, "semantics")->delimiter(',')->capture_default_str();
  app.add_option("--plans", plans_per_end, "N")->capture_default_str();
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_option("--limit", limit, "seconds per run")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (graph_spec.empty()) {
    graph_spec = (std::filesystem::path(GRAPHMINI_SOURCE_DIR).parent_path() /
                  "shared/datasets/graphs/wiki-Vote.txt.gz")
                     .string();
  }
  tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  const graphmini::Graph graph = graphmini::relabel_by_degree(
      graphmini::datasets::open_graph(graph_spec), graphmini::DegreeOrder::ascending);
  const graphmini::GraphProfile profile = graphmini::profile_graph(graph);
  std::printf("%s: %s\n", graph_spec.c_str(), profile.print().c_str());
  for (const std::string& pattern_spec : patterns) {
    for (const std::string& induced_name : semantics) {
      const graphmini::Pattern pattern = graphmini::parse_pattern(pattern_spec);
      const graphmini::Induced induced = graphmini::parse_induced(induced_name);
      const std::vector<graphmini::Plan> plans = ranked_plans(pattern, induced, profile);
      std::vector<std::size_t> picked;
      for (std::size_t i = 0; i < std::min(plans_per_end, plans.size()); ++i)
        picked.push_back(i);
      const std::size_t top = picked.size(), rest = plans.size() - top;
      for (std::size_t j = 1; j <= plans_per_end; ++j) {
        const std::size_t i = top + rest * j / (plans_per_end + 1);
        if (i < plans.size() && i > picked.back()) picked.push_back(i);
      }
      std::printf("\n%s %s-induced: %zu orders\n  %6s %12s %10s  %s\n", pattern_spec.c_str(),
                  induced_name.c_str(), plans.size(), "rank", "estimate", "seconds", "order");
      std::vector<double> estimates, seconds;
      for (const std::size_t i : picked) {
        std::atomic<bool> stop{false};
        const auto start = Clock::now();
        graphmini::RunResult result;
        {
          const graphmini::bench::Deadline deadline(stop, limit);
          result = graphmini::count_matches(graph, plans[i], {.stop = &stop});
        }
        const double run = result.stopped ? limit : since(start);
        estimates.push_back(plans[i].estimated_cost);
        seconds.push_back(run);
        std::string order;
        for (const int p : plans[i].order)
          order += std::to_string(p) + " ";
        std::printf("  %6zu %12.3g %9.3f%s  %s\n", i, plans[i].estimated_cost, run,
                    result.stopped ? "+" : " ", order.c_str());
        std::fflush(stdout);
      }
      const double fastest = *std::min_element(seconds.begin(), seconds.end());
      std::printf("  spearman %.2f; the chosen plan takes %.2fx the fastest measured\n",
                  spearman(estimates, seconds), seconds.front() / fastest);
    }
  }
  return 0;
}
