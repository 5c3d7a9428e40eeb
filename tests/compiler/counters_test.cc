// The counters of their own for the 4-cycle (by wedges, compiler/wedges.h) and for cliques (in
// bitset minigraphs, compiler/cliques.h) against the brute-force reference and the patterns'
// plans, in every vertex order, and the engine's choice of them.
#include "compiler/counters.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <atomic>
#include <random>

#include "compiler/cliques.h"
#include "compiler/engine.h"
#include "compiler/level0.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "compiler/wedges.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

const Pattern kFourCycle = parse_pattern("4-cycle");

std::uint64_t wedge_count(const Graph& graph) {
  return count_four_cycles(graph).count;
}

// Whether the ids are in ascending order of degree (the prefix scans' case).
bool ascending(const Graph& graph) {
  for (VertexId v = 1; v < graph.num_vertices(); ++v)
    if (graph.degree(v - 1) > graph.degree(v)) return false;
  return true;
}

TEST(Wedges, DrawnGraphs) {
  // K5: C(5,4) four-vertex sets, 3 four-cycles each.
  std::vector<std::pair<VertexId, VertexId>> k5;
  for (VertexId u = 0; u < 5; ++u)
    for (VertexId v = u + 1; v < 5; ++v)
      k5.emplace_back(u, v);
  EXPECT_EQ(wedge_count(testing::graph_from_edges(5, k5)), 15u);
  // K_{3,3}: a 4-cycle is a pair of vertices on each side, C(3,2)^2.
  std::vector<std::pair<VertexId, VertexId>> k33;
  for (VertexId u = 0; u < 3; ++u)
    for (VertexId v = 3; v < 6; ++v)
      k33.emplace_back(u, v);
  EXPECT_EQ(wedge_count(testing::graph_from_edges(6, k33)), 9u);
  EXPECT_EQ(wedge_count(testing::house()), 1u);
  EXPECT_EQ(wedge_count(testing::star(50)), 0u);
  EXPECT_EQ(wedge_count(testing::graph_from_edges(3, {})), 0u);
  EXPECT_EQ(wedge_count(testing::graph_from_edges(0, {})), 0u);
}

// Random graphs, as drawn (ids in no degree order: degrees compared wedge by wedge) and
// relabelled by ascending and descending degree, on one thread and on all: the reference's
// count every time.
TEST(Wedges, RandomGraphsInEveryOrderAgreeWithTheReference) {
  std::mt19937_64 random(19);
  for (const auto& [n, p] : std::vector<std::pair<VertexId, double>>{
           {12, 0.5}, {40, 0.2}, {60, 0.35}, {90, 0.08}, {30, 0.9}}) {
    const Graph drawn = testing::random_graph(random, n, p);
    const std::uint64_t expected = brute_force_count(drawn, kFourCycle, Induced::edge);
    const Graph up = relabel_by_degree(drawn, DegreeOrder::ascending);
    const Graph down = relabel_by_degree(drawn, DegreeOrder::descending);
    ASSERT_TRUE(ascending(up));
    ASSERT_FALSE(ascending(down));
    for (const Graph* graph : {&drawn, &up, &down}) {
      EXPECT_EQ(wedge_count(*graph), expected) << "n " << n << " p " << p;
      const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
      EXPECT_EQ(wedge_count(*graph), expected) << "n " << n << " p " << p << ", 1 thread";
    }
  }
}

// A hub beside many small cycles: its wedges pair across all its neighbours.
TEST(Wedges, HubsAgreeWithThePlan) {
  std::mt19937_64 random(7);
  std::vector<std::pair<VertexId, VertexId>> edges;
  const VertexId n = 400;
  for (VertexId v = 1; v < n; ++v)
    if (v % 3 != 0) edges.emplace_back(0, v);
  std::uniform_int_distribution<VertexId> any(1, n - 1);
  for (int i = 0; i < 1200; ++i) {
    const VertexId u = any(random), v = any(random);
    if (u != v) edges.emplace_back(u, v);
  }
  const Graph graph =
      relabel_by_degree(testing::graph_from_edges(n, edges), DegreeOrder::ascending);
  const Plan plan = choose_schedule(kFourCycle, Induced::edge, profile_graph(graph)).best;
  EXPECT_EQ(wedge_count(graph), count_matches(graph, plan).count);
}

TEST(Wedges, AStopBeforeTheRunStopsIt) {
  std::mt19937_64 random(3);
  const Graph graph = testing::random_graph(random, 200, 0.2);
  const std::atomic<bool> stop{true};
  const RunResult result = count_four_cycles(graph, {.stop = &stop});
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.count, 0u);
}

TEST(Wedges, OrientedGraphsAreRefused) {
  const Graph oriented = orient_by_degree(testing::house());
  EXPECT_THROW(count_four_cycles(oriented), InvalidArgument);
}

TEST(Wedges, PublishedCountOfWikiVote) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph =
      relabel_by_degree(datasets::open_graph((datasets / "graphs" / "wiki-Vote.txt.gz").string()),
                        DegreeOrder::ascending);
  EXPECT_EQ(wedge_count(graph), 57654491u);
}

// ---- cliques --------------------------------------------------------------------------------

std::uint64_t clique_count(const Graph& graph, int k) {
  return count_cliques(graph, k).value().count;
}

Pattern clique(int k) {
  std::vector<std::pair<int, int>> edges;
  for (int u = 0; u < k; ++u)
    for (int v = u + 1; v < k; ++v)
      edges.emplace_back(u, v);
  return Pattern(k, edges);
}

TEST(Cliques, DrawnGraphs) {
  // K9 holds C(9, k) k-cliques.
  std::vector<std::pair<VertexId, VertexId>> k9;
  for (VertexId u = 0; u < 9; ++u)
    for (VertexId v = u + 1; v < 9; ++v)
      k9.emplace_back(u, v);
  const Graph complete = testing::graph_from_edges(9, k9);
  const std::uint64_t binomial[] = {0, 0, 0, 84, 126, 126, 84, 36, 9, 1, 0};
  for (int k = 3; k <= 10; ++k)
    EXPECT_EQ(clique_count(complete, k), binomial[k]) << k;
  EXPECT_EQ(clique_count(testing::house(), 4), 0u);
  EXPECT_EQ(clique_count(testing::star(70), 4), 0u);
  EXPECT_EQ(clique_count(testing::graph_from_edges(0, {}), 4), 0u);
  EXPECT_THROW(count_cliques(complete, 2), InvalidArgument);
  EXPECT_THROW(count_cliques(complete, 11), InvalidArgument);
  EXPECT_THROW(count_cliques(orient_by_degree(complete), 4), InvalidArgument);
  // Rows past the limit count nothing: K9's largest local graph is 8 rows of one word.
  EXPECT_FALSE(count_cliques(complete, 4, {}, 63));
  EXPECT_EQ(count_cliques(complete, 4, {}, 64).value().count, 126u);
}

// In the order of degrees no vertex has more than sqrt(2|E|) neighbours above it, whatever
// the ids: a star's hub, vertex 0, has none, and its million leaves one each.
TEST(Cliques, AHubNumberedFirstHasASmallLocalGraph) {
  const Graph hub = testing::star(1 << 20);
  EXPECT_EQ(count_cliques(hub, 4, {}, 8).value().count, 0u);
}

// Random graphs dense enough for many cliques, some with neighbourhoods past 64 and 128
// members (rows of several words), in three vertex orders and on one thread and on all.
TEST(Cliques, RandomGraphsInEveryOrderAgreeWithTheReference) {
  std::mt19937_64 random(23);
  for (const auto& [n, p] :
       std::vector<std::pair<VertexId, double>>{{14, 0.7}, {36, 0.5}, {150, 0.9}, {240, 0.4}}) {
    const Graph drawn = testing::random_graph(random, n, p);
    const Graph up = relabel_by_degree(drawn, DegreeOrder::ascending);
    const Graph down = relabel_by_degree(drawn, DegreeOrder::descending);
    for (int k = 4; k <= (n <= 40 ? 6 : 5); ++k) {
      const Plan plan = choose_schedule(clique(k), Induced::edge, profile_graph(drawn)).best;
      const std::uint64_t expected = n <= 40 ? brute_force_count(drawn, clique(k), Induced::edge)
                                             : count_matches(drawn, plan).count;
      for (const Graph* graph : {&drawn, &up, &down}) {
        EXPECT_EQ(clique_count(*graph, k), expected) << "n " << n << " p " << p << " k " << k;
        const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        EXPECT_EQ(clique_count(*graph, k), expected) << "n " << n << " p " << p << " k " << k;
      }
    }
  }
}

TEST(Cliques, AStopBeforeTheRunStopsIt) {
  std::mt19937_64 random(3);
  const Graph graph = testing::random_graph(random, 200, 0.3);
  const std::atomic<bool> stop{true};
  const RunResult result = count_cliques(graph, 4, {.stop = &stop}).value();
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.count, 0u);
}

TEST(Cliques, PublishedCountsOfWikiVote) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph =
      relabel_by_degree(datasets::open_graph((datasets / "graphs" / "wiki-Vote.txt.gz").string()),
                        DegreeOrder::ascending);
  EXPECT_EQ(clique_count(graph, 3), 608389u);
  EXPECT_EQ(clique_count(graph, 4), 2077903u);  // P1
  EXPECT_EQ(clique_count(graph, 5), 4514137u);  // P4
}

// ---- the engine's choice --------------------------------------------------------------------

// Pricing the counters (sampled_counter_cost): on a sample of every level-1 candidate, each
// weighted 1, the estimate is the whole run's cost as the counters' headers define it.
std::vector<SampledCandidate> every_candidate(const Graph& graph) {
  std::uint64_t units = 0;
  for (const VertexId v : graph.vertices())
    units += std::uint64_t{graph.degree(v)} * graph.degree(v);
  const std::vector<SampledCandidate> sample = level0::sample(graph, units);
  for (const SampledCandidate& candidate : sample)
    EXPECT_EQ(candidate.weight, 1.0);
  return sample;
}

// Wedges: an iteration and kWedgeCost per wedge a-x-c for each x and c below a, summed here
// straight from that definition, on a graph in no degree order and relabelled ascending
// (where the counter reads list prefixes).
TEST(Counters, SampledWedgeCostIsTheRunsWedgesOnAFullSample) {
  std::mt19937_64 random(31);
  const Graph drawn = testing::random_graph(random, 70, 0.15);
  const Graph up = relabel_by_degree(drawn, DegreeOrder::ascending);
  for (const Graph* each : {&drawn, &up}) {
    const Graph& graph = *each;
    double expected = 0;
    for (const VertexId a : graph.vertices()) {
      for (const VertexId x : graph.neighbours(a)) {
        if (!degree_precedes(graph, x, a)) continue;
        expected += kIterationCost;
        for (const VertexId c : graph.neighbours(x))
          expected += degree_precedes(graph, c, a) ? kWedgeCost : 0;
      }
    }
    const std::vector<SampledCandidate> sample = every_candidate(graph);
    EXPECT_DOUBLE_EQ(sampled_wedge_cost(graph, sample), expected);
    const Plan plan = choose_schedule(kFourCycle, Induced::edge, profile_graph(graph)).best;
    EXPECT_EQ(sampled_counter_cost(Counter::wedges, plan, graph, sample),
              sampled_wedge_cost(graph, sample));
  }
}

// Cliques in K_n, where the local graph of the vertex at position p of the order has
// d = n-1-p members and member i a row of the d-1-i after it (one word): x = member i costs
// its d-1-i look-ups, and its steps are its draw and its row's clearing, then for k = 4 a
// draw and a word per member j after it, for k = 5 that and the same again for every member
// after j.
TEST(Counters, SampledCliqueCostFollowsTheLocalGraphsOfACompleteGraph) {
  const VertexId n = 9;
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (VertexId u = 0; u < n; ++u)
    for (VertexId v = u + 1; v < n; ++v)
      edges.emplace_back(u, v);
  const Graph complete = testing::graph_from_edges(n, edges);
  const std::vector<SampledCandidate> sample = every_candidate(complete);
  for (const int k : {4, 5}) {
    double expected = 0;
    for (int d = 0; d < static_cast<int>(n); ++d) {
      for (int i = 0; i < d; ++i) {
        double steps = 0;
        if (d + 1 >= k) {
          steps = 1;
          for (int j = i + 1; j < d; ++j)
            steps += 2 + (k == 5 ? 2.0 * (d - 1 - j) : 0.0);
        }
        expected += kLookupCost * (d - 1 - i) + kStepCost * (1 + steps);
      }
    }
    EXPECT_DOUBLE_EQ(sampled_clique_cost(complete, k, sample), expected) << k;
  }
  // On an oriented graph the plan counts, and prices itself.
  const Plan plan = choose_schedule(clique(4), Induced::edge, profile_graph(complete)).best;
  EXPECT_FALSE(sampled_counter_cost(Counter::bitsets, plan, orient_by_degree(complete), sample));
  EXPECT_FALSE(sampled_counter_cost(Counter::plan, plan, complete, sample));
}

// Counting goes by wedges for the unlabelled edge-induced 4-cycle, in bitset minigraphs for
// unlabelled cliques of 4 or more vertices (either semantics), on either engine; listing,
// other patterns and labelled ones run plans, and so does an oriented graph.
TEST(Counters, TheEngineChoosesThemForTheirPatternsAlone) {
  const Graph graph = testing::house();
  const GraphProfile profile = profile_graph(graph);
  const auto counter = [&](const char* spec, Induced induced, KernelKind kind) {
    return Executable(choose_schedule(parse_pattern(spec), induced, profile).best, kind,
                      Engine::interp)
        .counter();
  };
  EXPECT_EQ(counter("4-cycle", Induced::edge, KernelKind::count), Counter::wedges);
  EXPECT_EQ(counter("0-1,1-2,2-3,3-0", Induced::edge, KernelKind::count), Counter::wedges);
  EXPECT_EQ(counter("4-cycle", Induced::edge, KernelKind::list), Counter::plan);
  EXPECT_EQ(counter("4-cycle", Induced::vertex, KernelKind::count), Counter::plan);
  for (const char* spec : {"4-clique", "5-clique", "6-clique", "P1", "P4"}) {
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      EXPECT_EQ(counter(spec, induced, KernelKind::count), Counter::bitsets) << spec;
      EXPECT_EQ(counter(spec, induced, KernelKind::list), Counter::plan) << spec;
    }
  }
  for (const char* other : {"triangle", "4-path", "diamond", "5-cycle", "3-star", "P2", "P8"})
    EXPECT_EQ(counter(other, Induced::edge, KernelKind::count), Counter::plan) << other;
  // Asked to, it counts with the plan (bench/analyze_overhead times the plan's kernel).
  EXPECT_EQ(Executable(choose_schedule(parse_pattern("4-clique"), Induced::edge, profile).best,
                       KernelKind::count, Engine::interp, {}, Counter::plan)
                .counter(),
            Counter::plan);

  const Graph oriented = orient_by_degree(testing::house());
  for (const char* spec : {"4-cycle", "4-clique"}) {
    const Plan plan = choose_schedule(parse_pattern(spec), Induced::edge, profile).best;
    EXPECT_EQ(Executable(plan, KernelKind::count, Engine::interp).count(oriented).count,
              count_matches(oriented, plan).count)
        << spec;
  }
}

TEST(Counters, LabelledPatternsRunTheirPlans) {
  const Pattern cycle(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {1, 2, 1, 2});
  const Pattern k4(4, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}, {1, 1, 1, 1});
  const Graph graph =
      testing::graph_from_edges(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}, {1, 3}}, {1, 2, 1, 2});
  for (const Pattern& pattern : {cycle, k4}) {
    const Plan plan = choose_schedule(pattern, Induced::edge, profile_graph(graph)).best;
    EXPECT_EQ(choose_counter(plan), Counter::plan);
    EXPECT_EQ(Executable(plan, KernelKind::count, Engine::interp).count(graph).count,
              brute_force_count(graph, pattern, Induced::edge));
  }
}

}  // namespace
}  // namespace graphmini
