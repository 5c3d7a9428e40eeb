// The engines spread over the ranks of an MPI job, as ctest runs this program: under
// mpiexec -n K for K = 1, 2, 4 (and once over TCP alone). Every rank runs the same checks on
// the same graphs (drawn from the same seed); the root adds up the ranks' counts and compares
// them with the single-process engine and the brute-force reference. Only the root prints.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/engine.h"
#include "compiler/interpreter.h"
#include "compiler/motifs.h"
#include "compiler/pattern.h"
#include "compiler/prune.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "datasets/registry.h"
#include "runtime/cluster.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

Cluster& cluster() {
  return Cluster::get();
}

// The ranks' counts added up, on the root (0 elsewhere).
std::uint64_t total(std::uint64_t count) {
  std::uint64_t sum = 0;
  for (const std::uint64_t part : cluster().gather(count))
    sum += part;
  return sum;
}

RunOptions distributed() {
  RunOptions options;
  options.cluster = &cluster();
  return options;
}

Graph random_ordered_graph(std::mt19937_64& random, VertexId n, double p, Label labels = 0) {
  return relabel_by_degree(testing::random_graph(random, n, p, labels), DegreeOrder::ascending);
}

TEST(DistributedCount, EveryConnectedPatternUpToFiveVerticesCountsLikeOneProcess) {
  std::mt19937_64 random(5);
  for (int trial = 0; trial < 3; ++trial) {
    const Graph graph = random_ordered_graph(random, 24 + 8 * trial, 0.35);
    for (int size = 3; size <= 5; ++size) {
      for (const Pattern& pattern : connected_patterns(size)) {
        for (const Induced induced : {Induced::edge, Induced::vertex}) {
          const Plan plan = choose_schedule(pattern, induced, profile_graph(graph)).best;
          const std::uint64_t sum = total(count_matches(graph, plan, distributed()).count);
          if (!cluster().is_root()) continue;
          const std::uint64_t expected = brute_force_count(graph, pattern, induced);
          EXPECT_EQ(sum, expected) << pattern.edge_list() << " " << to_string(induced);
          EXPECT_EQ(count_matches(graph, plan).count, expected) << pattern.edge_list();
        }
      }
    }
  }
}

TEST(DistributedCount, LabelledPatternsCountLikeBruteForce) {
  std::mt19937_64 random(8);
  for (int trial = 0; trial < 4; ++trial) {
    const Graph graph = random_ordered_graph(random, 20, 0.4, 3);
    for (int size = 3; size <= 5; ++size) {
      for (const Pattern& shape : connected_patterns(size)) {
        std::vector<Label> labels;
        for (int v = 0; v < shape.size(); ++v)
          labels.push_back(static_cast<Label>(random() % 3));
        const Pattern pattern(shape.size(), shape.edges(), labels);
        for (const Induced induced : {Induced::edge, Induced::vertex}) {
          const Plan plan = choose_schedule(pattern, induced, profile_graph(graph)).best;
          const std::uint64_t sum = total(count_matches(graph, plan, distributed()).count);
          if (cluster().is_root()) {
            EXPECT_EQ(sum, brute_force_count(graph, pattern, induced))
                << pattern.edge_list() << " " << to_string(induced);
          }
        }
      }
    }
  }
}

// Compiled kernels with their minigraphs, split hubs (nested loops) included.
TEST(DistributedCount, CompiledKernelsCountLikeTheInterpreter) {
  if (default_engine() != Engine::jit) GTEST_SKIP() << "this build has no LLVM JIT";
  std::mt19937_64 random(11);
  const Graph graph = random_ordered_graph(random, 120, 0.15);
  for (const char* name : {"triangle", "4-cycle", "diamond", "house", "P1", "P4"}) {
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      Plan plan = choose_schedule(parse_pattern(name), induced, profile_graph(graph)).best;
      plan_minigraphs(plan, PruneMode::cost, profile_graph(graph));
      const Executable executable(plan, KernelKind::count, Engine::jit,
                                  {.use_cache = false, .cache_dir = {}});
      RunOptions options = distributed();
      options.nested_threshold = 8;
      const std::uint64_t sum = total(executable.count(graph, options).count);
      if (cluster().is_root()) {
        EXPECT_EQ(sum, count_matches(graph, plan).count) << name << " " << to_string(induced);
      }
    }
  }
}

// A listing callback that appends each match to `into` as a line of vertex ids.
MatchCallback append_lines(std::string& into, std::mutex& mutex) {
  return [&into, &mutex](std::span<const VertexId> match) {
    std::string line;
    for (const VertexId v : match)
      line += std::to_string(v) + " ";
    std::lock_guard lock(mutex);
    into += line + "\n";
    return true;
  };
}

void add_lines(const std::string& text, std::multiset<std::string>& lines) {
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.insert(text.substr(start, end - start));
}

// Every match is listed by exactly one rank.
TEST(DistributedList, TheRanksTogetherListEveryMatchOnce) {
  std::mt19937_64 random(13);
  const Graph graph = random_ordered_graph(random, 60, 0.2);
  const Plan plan =
      choose_schedule(parse_pattern("house"), Induced::edge, profile_graph(graph), PlanUse::list)
          .best;
  std::mutex mutex;
  std::string mine;
  list_matches(graph, plan, append_lines(mine, mutex), distributed());
  const std::vector<std::string> all = cluster().gather(mine);
  if (!cluster().is_root()) return;
  std::multiset<std::string> together;
  for (const std::string& text : all)
    add_lines(text, together);
  std::string alone;
  list_matches(graph, plan, append_lines(alone, mutex));
  std::multiset<std::string> expected;
  add_lines(alone, expected);
  EXPECT_EQ(together.size(), expected.size());
  EXPECT_TRUE(together == expected);
}

TEST(DistributedMotifs, AgreeWithOneProcess) {
  std::mt19937_64 random(17);
  const Graph graph = random_ordered_graph(random, 50, 0.25);
  const GraphProfile profile = profile_graph(graph);
  // cost: every rank samples the graph and must choose as the others do.
  for (const SupergraphMode mode :
       {SupergraphMode::never, SupergraphMode::always, SupergraphMode::cost}) {
    const MotifCounter counter(4, profile, {Engine::interp, PruneMode::none, {}, mode}, &graph);
    const std::vector<MotifCount> spread = counter.count(graph, distributed());
    const std::vector<MotifCount> alone = counter.count(graph);
    for (std::size_t i = 0; i < spread.size(); ++i) {
      const std::uint64_t sum = total(spread[i].count);
      if (cluster().is_root()) {
        EXPECT_EQ(sum, alone[i].count) << alone[i].pattern.edge_list() << " " << to_string(mode);
      }
    }
  }
}

// A signed sum of supergraphs' counts, spread: a rank's share of it is no count, so the root
// gathers the terms and holds the whole sum (the other ranks 0).
TEST(DistributedCount, SupergraphSumsCountLikeOneProcess) {
  std::mt19937_64 random(19);
  const Graph graph = random_ordered_graph(random, 40, 0.3);
  const GraphProfile profile = profile_graph(graph);
  for (const char* name : {"4-path", "house", "P2"}) {
    const Pattern pattern = parse_pattern(name);
    const CountPlan plan = plan_count(pattern, Induced::vertex, profile, SupergraphMode::always);
    const CountExecutable executable(plan.terms, KernelKind::count, Engine::interp);
    const std::uint64_t mine = executable.count(graph, distributed()).count;
    if (!cluster().is_root()) {
      EXPECT_EQ(mine, 0u) << name;
    }
    const std::uint64_t sum = total(mine);
    if (cluster().is_root()) {
      EXPECT_EQ(sum, brute_force_count(graph, pattern, Induced::vertex)) << name;
    }
  }
}

// A step that fails on one rank fails on every rank: the root with the failing rank's error,
// the others quietly; none is left waiting.
TEST(Agreement, AFailureOnOneRankIsAFailureOnAll) {
  const int failing = cluster().size() - 1;
  try {
    all_or_none(cluster(), [&] {
      if (cluster().rank() == failing) throw FormatError("g.gmg", "truncated");
      return 7;
    });
    FAIL() << "the step succeeded";
  } catch (const FailedElsewhere& error) {
    EXPECT_FALSE(cluster().is_root());
    EXPECT_FALSE(error.usage());
  } catch (const Error& error) {
    EXPECT_TRUE(cluster().is_root());
    const std::string expected = cluster().distributed()
                                     ? "rank " + std::to_string(failing) + ": g.gmg: truncated"
                                     : "g.gmg: truncated";
    EXPECT_EQ(std::string(error.what()), expected);
  }
  // Usage errors keep their kind; a step that succeeds everywhere gives its value.
  try {
    all_or_none(cluster(), [&] {
      if (cluster().rank() == failing) throw InvalidArgument("bad pattern");
    });
    FAIL() << "the step succeeded";
  } catch (const FailedElsewhere& error) {
    EXPECT_TRUE(error.usage());
  } catch (const InvalidArgument&) {
    EXPECT_TRUE(cluster().is_root());
  }
  EXPECT_EQ(all_or_none(cluster(), [] { return 7; }), 7);
}

// The published counts of GraphMini's benchmark queries on wiki-Vote.
TEST(DistributedPublishedCounts, WikiVoteP1ToP8EdgeInduced) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph =
      relabel_by_degree(datasets::open_graph((datasets / "graphs" / "wiki-Vote.txt.gz").string()),
                        DegreeOrder::ascending);
  const GraphProfile profile = profile_graph(graph);
  const std::vector<std::pair<const char*, std::uint64_t>> published = {
      {"P1", 2077903},     {"P2", 1153145067},  {"P3", 810216972},   {"P4", 4514137},
      {"P5", 27296347468}, {"P6", 87365439071}, {"P7", 92205170253}, {"P8", 260052841}};
  for (const auto& [name, count] : published) {
    Plan plan = choose_schedule(parse_pattern(name), Induced::edge, profile).best;
    plan_minigraphs(plan, PruneMode::cost, profile);
    const Executable executable(std::move(plan), KernelKind::count, default_engine());
    const std::uint64_t sum = total(executable.count(graph, distributed()).count);
    if (cluster().is_root()) {
      EXPECT_EQ(sum, count) << name;
    }
  }
}

}  // namespace
}  // namespace graphmini
