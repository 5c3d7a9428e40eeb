// The counting and listing engine (schedule search + plan interpreter) against the two
// reference counters on random graphs, against every plan of a pattern, and against the
// published counts of the shared real graphs.
#include "compiler/engine.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/interpreter.h"
#include "compiler/pattern.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "runtime/vertex_set.h"
#include "support/test_support.h"
#include "support/truth_files.h"

namespace graphmini {
namespace {

std::uint64_t engine_count(const Graph& graph, const Pattern& pattern, Induced induced) {
  const Schedule schedule = choose_schedule(pattern, induced, profile_graph(graph));
  return count_matches(graph, schedule.best).count;
}

using testing::random_graph;

Graph graph_from(VertexId n, const std::vector<std::pair<VertexId, VertexId>>& edges) {
  return testing::graph_from_edges(n, edges);
}

const std::vector<std::string> kNamedPatterns = {
    "triangle",        "wedge",   "3-star",   "4-path",  "4-cycle",
    "tailed-triangle", "diamond", "4-clique", "5-cycle", "house",
    "5-clique",        "P2",      "P3",       "P4"};

// ---- small drawn graphs ---------------------------------------------------------------------

// The house:   0
//             /  \.
//            1----2
//            |    |
//            3----4
TEST(Engine, HouseGraphHasOneHouseOneTriangleAndOneFourCycle) {
  const Graph house = graph_from(5, {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 4}, {3, 4}});
  EXPECT_EQ(engine_count(house, parse_pattern("house"), Induced::edge), 1u);
  EXPECT_EQ(engine_count(house, parse_pattern("triangle"), Induced::edge), 1u);
  EXPECT_EQ(engine_count(house, parse_pattern("4-cycle"), Induced::edge), 1u);
  EXPECT_EQ(engine_count(house, parse_pattern("4-cycle"), Induced::vertex), 1u);
  // 5 edges of the 5-cycle plus the chord: 6 edges, each an edge match.
  EXPECT_EQ(engine_count(house, Pattern(2, {{0, 1}}), Induced::edge), 6u);
}

// K5 holds C(5,4) = 5 four-vertex sets, each with 3 distinct 4-cycles, none induced.
TEST(Engine, CompleteGraphCountsFollowFromBinomials) {
  std::vector<std::pair<VertexId, VertexId>> pairs;
  for (int u = 0; u < 5; ++u) {
    for (int v = u + 1; v < 5; ++v)
      pairs.emplace_back(u, v);
  }
  const Graph k5 = graph_from(5, pairs);
  EXPECT_EQ(engine_count(k5, parse_pattern("4-cycle"), Induced::edge), 15u);
  EXPECT_EQ(engine_count(k5, parse_pattern("4-cycle"), Induced::vertex), 0u);
  EXPECT_EQ(engine_count(k5, parse_pattern("triangle"), Induced::edge), 10u);
  EXPECT_EQ(engine_count(k5, parse_pattern("4-clique"), Induced::vertex), 5u);
  EXPECT_EQ(engine_count(k5, parse_pattern("5-clique"), Induced::edge), 1u);
  // A wedge is a path of 2 edges: 5 centres x C(4,2) pairs.
  EXPECT_EQ(engine_count(k5, parse_pattern("wedge"), Induced::edge), 30u);
  EXPECT_EQ(engine_count(k5, parse_pattern("wedge"), Induced::vertex), 0u);
}

TEST(Engine, EmptyAndTinyGraphsHaveNoMatches) {
  const Graph empty = graph_from(0, {});
  EXPECT_EQ(engine_count(empty, parse_pattern("triangle"), Induced::edge), 0u);
  const Graph edge = graph_from(2, {{0, 1}});
  EXPECT_EQ(engine_count(edge, parse_pattern("triangle"), Induced::vertex), 0u);
  EXPECT_EQ(engine_count(edge, parse_pattern("6-clique"), Induced::edge), 0u);
}

TEST(Engine, LabelledPatternOnUnlabelledGraphIsAnError) {
  const Graph graph = graph_from(3, {{0, 1}, {1, 2}, {0, 2}});
  const Pattern labelled(3, {{0, 1}, {1, 2}, {0, 2}}, {1, 1, 2});
  const Schedule schedule = choose_schedule(labelled, Induced::edge, profile_graph(graph));
  EXPECT_THROW(count_matches(graph, schedule.best), InvalidArgument);
}

// ---- property tests against the references -----------------------------------------------------

TEST(EngineProperty, MatchesBruteForceAndVf2OnRandomGraphs) {
  std::mt19937_64 random(20261128);
  int checked = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 6 + static_cast<int>(random() % 10);
    const double p = 0.15 + 0.6 * static_cast<double>(random() % 100) / 100.0;
    const Graph graph = random_graph(random, VertexId(n), p);
    for (const std::string& name : kNamedPatterns) {
      const Pattern pattern = parse_pattern(name);
      for (const Induced induced : {Induced::edge, Induced::vertex}) {
        const std::uint64_t brute = brute_force_count(graph, pattern, induced);
        ASSERT_EQ(engine_count(graph, pattern, induced), brute)
            << name << " " << to_string(induced) << " n=" << n << " p=" << p;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 60 * 14 * 2);
}

TEST(EngineProperty, EveryConnectedPatternUpToSixVerticesMatchesVf2) {
  std::mt19937_64 random(7);
  for (int size = 3; size <= 6; ++size) {
    const std::vector<Pattern> patterns = connected_patterns(size);
    for (int trial = 0; trial < (size == 6 ? 3 : 8); ++trial) {
      const Graph graph = random_graph(random, 9 + trial % 4, 0.3 + 0.05 * trial);
      for (const Pattern& pattern : patterns) {
        for (const Induced induced : {Induced::edge, Induced::vertex}) {
          ASSERT_EQ(engine_count(graph, pattern, induced), vf2_count(graph, pattern, induced))
              << pattern.edge_list() << " " << to_string(induced);
        }
      }
    }
  }
}

TEST(EngineProperty, LabelledPatternsMatchBruteForce) {
  std::mt19937_64 random(99);
  for (int trial = 0; trial < 80; ++trial) {
    const Graph graph = random_graph(random, 8 + static_cast<int>(random() % 6), 0.45, 3);
    for (const char* name : {"triangle", "4-path", "4-cycle", "diamond", "house"}) {
      const Pattern shape = parse_pattern(name);
      std::vector<Label> labels;
      for (int v = 0; v < shape.size(); ++v)
        labels.push_back(static_cast<Label>(random() % 3));
      const Pattern pattern(shape.size(), shape.edges(), labels);
      for (const Induced induced : {Induced::edge, Induced::vertex}) {
        ASSERT_EQ(engine_count(graph, pattern, induced), brute_force_count(graph, pattern, induced))
            << name << " labels " << pattern.edge_list() << " " << to_string(induced);
      }
    }
  }
}

// Every order and every candidate restriction set is a correct plan, not just the cheapest.
TEST(EngineProperty, EveryOrderAndRestrictionSetGivesTheSameCount) {
  std::mt19937_64 random(3);
  const Graph graph = random_graph(random, 14, 0.5);
  for (const char* name : {"4-cycle", "diamond", "house", "P2", "5-clique"}) {
    const Pattern pattern = parse_pattern(name);
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      const std::uint64_t expected = brute_force_count(graph, pattern, induced);
      for (const auto& order : connected_orders(pattern, 40)) {
        for (const RestrictionSet& restrictions : candidate_restriction_sets(pattern, 6)) {
          const Plan plan = build_plan(pattern, induced, order, restrictions);
          ASSERT_EQ(count_matches(graph, plan).count, expected) << plan.print();
        }
      }
    }
  }
}

// Counting plans with an inclusion-exclusion suffix of every length (2 to 4 levels, with and
// without interchangeable levels) agree with enumerating plans and with brute force, for
// every order and restriction set.
TEST(EngineProperty, InclusionExclusionCountsLikeEnumeration) {
  std::mt19937_64 random(13);
  const Graph graph = random_graph(random, 16, 0.45);
  std::set<std::size_t> suffix_lengths;
  for (const char* name :
       {"0-1,0-2,0-3,0-4", "P2", "P5", "P6", "house", "0-1,1-2,2-3,3-4,4-0,0-5"}) {
    const Pattern pattern = parse_pattern(name);
    const std::uint64_t expected = brute_force_count(graph, pattern, Induced::edge);
    for (const auto& order : connected_orders(pattern, 60)) {
      for (const RestrictionSet& restrictions : candidate_restriction_sets(pattern, 8)) {
        const Plan counting = build_plan(pattern, Induced::edge, order, restrictions);
        const Plan listing = build_plan(pattern, Induced::edge, order, restrictions, PlanUse::list);
        if (counting.inclusion_exclusion) {
          suffix_lengths.insert(pattern.size() - counting.inclusion_exclusion->first_level);
        }
        ASSERT_EQ(count_matches(graph, counting).count, expected) << counting.print();
        ASSERT_EQ(count_matches(graph, listing).count, expected) << listing.print();
      }
    }
  }
  EXPECT_EQ(suffix_lengths, (std::set<std::size_t>{2, 3, 4}));
}

// A run's tasks hold set buffers sized by the largest degree; a run whose tasks cannot fit
// beside the graph is refused before it starts, on either engine's path.
TEST(Engine, ARunWhoseTasksCannotFitIsRefusedBeforeItStarts) {
  const Graph hub = testing::star(1 << 20);  // 16 MiB, and 4 MiB per list of a task
  const Pattern clique = parse_pattern("4-clique");
  const Plan plan = choose_schedule(clique, Induced::edge, profile_graph(hub)).best;
  // The plan's tasks (cliques count in bitset minigraphs otherwise, compiler/cliques.h).
  const Executable counting(plan, KernelKind::count, Engine::interp, {}, Counter::plan);
  std::string message;
  {
    // One thread, whatever this machine's cores: one task of 5 lists of 4 MiB.
    const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    message = testing::error_with_address_space(16 << 20, [&] { counting.count(hub); });
  }
  EXPECT_TRUE(
      message.starts_with("matching 4-clique with 1 thread (each with 5 lists of up to "
                          "1048576 vertices) beside its graph needs about 20 MiB, more "
                          "than the "))
      << message;
  EXPECT_TRUE(message.ends_with("of address space left to this process (ulimit -v)")) << message;
  EXPECT_EQ(counting.count(hub).count, 0u);
}

TEST(Engine, ListingRefusesAPlanThatCountsByInclusionExclusion) {
  const Graph graph = graph_from(3, {{0, 1}, {1, 2}});
  const Plan plan =
      choose_schedule(parse_pattern("wedge"), Induced::edge, profile_graph(graph)).best;
  ASSERT_TRUE(plan.inclusion_exclusion);
  EXPECT_EQ(count_matches(graph, plan).count, 1u);
  EXPECT_THROW(list_matches(graph, plan, [](std::span<const VertexId>) { return true; }),
               InvalidArgument);
}

// Hubs take the nested parallel path; a threshold of 0 sends every vertex down it.
TEST(EngineProperty, NestedParallelLoopsCountTheSame) {
  std::mt19937_64 random(5);
  const Graph graph = random_graph(random, 40, 0.4);
  for (const char* name : {"triangle", "4-cycle", "house", "P3"}) {
    const Pattern pattern = parse_pattern(name);
    const Plan plan = choose_schedule(pattern, Induced::vertex, profile_graph(graph)).best;
    const std::uint64_t flat = count_matches(graph, plan, {.nested_threshold = 1u << 30}).count;
    EXPECT_EQ(count_matches(graph, plan, {.nested_threshold = 0}).count, flat);
    EXPECT_EQ(flat, brute_force_count(graph, pattern, Induced::vertex));
  }
}

// ---- listing -------------------------------------------------------------------------------

TEST(Listing, ListsEachMatchOnceAsPatternVertexOrder) {
  std::mt19937_64 random(11);
  const Graph graph = random_graph(random, 12, 0.5);
  const Pattern pattern = parse_pattern("tailed-triangle");
  const Plan plan =
      choose_schedule(pattern, Induced::vertex, profile_graph(graph), PlanUse::list).best;
  std::mutex mutex;
  std::set<std::vector<VertexId>> seen;
  const RunResult result = list_matches(graph, plan, [&](std::span<const VertexId> match) {
    // Every listed map is an induced embedding.
    for (int u = 0; u < pattern.size(); ++u) {
      for (int v = u + 1; v < pattern.size(); ++v) {
        EXPECT_NE(match[u], match[v]);
        EXPECT_EQ(contains(graph.neighbours(match[u]), match[v]), pattern.adjacent(u, v));
      }
    }
    std::lock_guard lock(mutex);
    std::vector<VertexId> vertices(match.begin(), match.end());
    std::sort(vertices.begin(), vertices.end());
    EXPECT_TRUE(seen.insert(vertices).second) << "vertex set listed twice";
    return true;
  });
  EXPECT_FALSE(result.stopped);
  EXPECT_EQ(result.count, seen.size());
  EXPECT_EQ(seen.size(), brute_force_count(graph, pattern, Induced::vertex));
}

TEST(Listing, ReturningFalseStopsTheRun) {
  std::mt19937_64 random(12);
  const Graph graph = random_graph(random, 30, 0.6);
  const Plan plan =
      choose_schedule(parse_pattern("triangle"), Induced::edge, profile_graph(graph), PlanUse::list)
          .best;
  std::atomic<int> calls{0};
  const RunResult result = list_matches(
      graph, plan, [&](std::span<const VertexId>) { return calls.fetch_add(1) + 1 < 5; });
  EXPECT_TRUE(result.stopped);
  EXPECT_GE(calls.load(), 5);
  EXPECT_LT(result.count, brute_force_count(graph, parse_pattern("triangle"), Induced::edge));
}

TEST(Listing, StopFlagStopsTheRun) {
  std::mt19937_64 random(13);
  const Graph graph = random_graph(random, 30, 0.6);
  const Plan plan =
      choose_schedule(parse_pattern("4-clique"), Induced::edge, profile_graph(graph)).best;
  const std::atomic<bool> stop{true};
  const RunResult result = count_matches(graph, plan, {.stop = &stop});
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.count, 0u);
}

// ---- published counts ------------------------------------------------------------------------

struct Published {
  const char* pattern;
  Induced induced;
  std::uint64_t count;
};

TEST(PublishedCounts, WikiVote) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph = datasets::open_graph((datasets / "graphs" / "wiki-Vote.txt.gz").string());
  const GraphProfile profile = profile_graph(graph);
  for (const Published& expected : std::vector<Published>{
           {"triangle", Induced::edge, 608389},
           {"4-cycle", Induced::edge, 57654491},
           {"diamond", Induced::edge, 40544543},
           {"4-clique", Induced::edge, 2077903},
           {"house", Induced::edge, 9488779111},
           {"P1", Induced::edge, 2077903},
           {"P1", Induced::vertex, 2077903},
           {"P2", Induced::edge, 1153145067},
           {"P3", Induced::edge, 810216972},
           {"P4", Induced::edge, 4514137},
           {"P4", Induced::vertex, 4514137},
           {"P5", Induced::edge, 27296347468},
           {"P6", Induced::edge, 87365439071},
       }) {
    const Plan plan =
        choose_schedule(parse_pattern(expected.pattern), expected.induced, profile).best;
    EXPECT_EQ(count_matches(graph, plan).count, expected.count)
        << expected.pattern << " " << to_string(expected.induced);
  }
}

TEST(PublishedCounts, CiteseerTruthFilesForFourAndFiveVertices) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const auto folder = datasets / "graphs" / "citeseer-labeled";
  const Graph labelled = datasets::open_graph((folder / "citeseer.lg").string());
  const GraphProfile profile = profile_graph(labelled);
  int checked = 0;
  for (const auto& [file, induced] :
       std::vector<std::pair<std::string, Induced>>{{"4m.txt", Induced::vertex},
                                                    {"4m-edge.txt", Induced::edge},
                                                    {"5m.txt", Induced::vertex},
                                                    {"5m-edge.txt", Induced::edge}}) {
    for (const testing::TruthEntry& entry : testing::read_truth_file(folder / "truth" / file)) {
      const Plan plan = choose_schedule(parse_pattern(entry.edge_list), induced, profile).best;
      EXPECT_EQ(count_matches(labelled, plan).count, entry.count) << file << " " << entry.edge_list;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * 6 + 2 * 21);
}

}  // namespace
}  // namespace graphmini
