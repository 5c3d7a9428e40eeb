// Counting 4-cycles by wedges (compiler/wedges.h) against the brute-force reference and the
// 4-cycle's own plan, in both vertex orders, and the engine's choice of it.
#include "compiler/wedges.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <atomic>
#include <random>

#include "compiler/engine.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
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
  const Plan plan =
      choose_schedule(kFourCycle, Induced::edge, profile_graph(testing::house())).best;
  EXPECT_FALSE(counts_by_wedges(plan, oriented));
}

// Only counting the unlabelled 4-cycle edge-induced goes by wedges, on either engine; its
// listing, its vertex-induced count, other patterns and a profiled count run plans.
TEST(Wedges, TheEngineCountsOnlyTheEdgeInducedFourCycleByWedges) {
  const Graph graph = testing::house();
  const GraphProfile profile = profile_graph(graph);
  const auto plan = [&](const char* spec, Induced induced) {
    return choose_schedule(parse_pattern(spec), induced, profile).best;
  };
  EXPECT_TRUE(
      Executable(plan("4-cycle", Induced::edge), KernelKind::count, Engine::interp).by_wedges());
  EXPECT_TRUE(Executable(plan("0-1,1-2,2-3,3-0", Induced::edge), KernelKind::count, Engine::interp)
                  .by_wedges());
  EXPECT_FALSE(
      Executable(plan("4-cycle", Induced::edge), KernelKind::list, Engine::interp).by_wedges());
  EXPECT_FALSE(
      Executable(plan("4-cycle", Induced::vertex), KernelKind::count, Engine::interp).by_wedges());
  for (const char* other : {"4-path", "diamond", "5-cycle", "3-star"})
    EXPECT_FALSE(counts_by_wedges(plan(other, Induced::edge))) << other;
}

TEST(Wedges, LabelledFourCyclesRunTheirPlan) {
  const Pattern labelled(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {1, 2, 1, 2});
  const Graph graph = testing::graph_from_edges(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {1, 2, 1, 2});
  const Plan plan = choose_schedule(labelled, Induced::edge, profile_graph(graph)).best;
  EXPECT_FALSE(counts_by_wedges(plan));
  EXPECT_EQ(Executable(plan, KernelKind::count, Engine::interp).count(graph).count, 1u);
}

TEST(Wedges, PublishedCountOfWikiVote) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph =
      relabel_by_degree(datasets::open_graph((datasets / "graphs" / "wiki-Vote.txt.gz").string()),
                        DegreeOrder::ascending);
  EXPECT_EQ(wedge_count(graph), 57654491u);
}

}  // namespace
}  // namespace graphmini
