// The level-0 task space of distributed runs (compiler/level0.h): chunks of work units that
// split a hub's level-1 candidates between ranks, and the engines running such parts. The
// ranks are threads of this process here, each with a cluster of its own that shares one
// counter, so this runs (under the sanitizers too) without MPI.
#include "compiler/level0.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "compiler/engine.h"
#include "compiler/interpreter.h"
#include "compiler/pattern.h"
#include "compiler/profile.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"
#include "runtime/cluster.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

class ThreadCounter final : public SharedCounter {
 public:
  explicit ThreadCounter(std::atomic<std::uint64_t>& value) : value_(value) {}
  std::uint64_t fetch_add(std::uint64_t amount) override { return value_.fetch_add(amount); }

 private:
  std::atomic<std::uint64_t>& value_;
};

// Rank `rank` of `size` ranks that are threads; only what the engines use.
class ThreadCluster final : public Cluster {
 public:
  ThreadCluster(int rank, int size, std::atomic<std::uint64_t>& counter)
      : rank_(rank), size_(size), counter_(counter) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int ranks_on_this_host() const override { return size_; }
  [[noreturn]] static void no_collectives() {
    throw std::logic_error("no collectives between threads");
  }
  int max(int) override { no_collectives(); }
  std::vector<std::uint64_t> gather(std::uint64_t) override { no_collectives(); }
  std::vector<double> gather(double) override { no_collectives(); }
  std::vector<std::string> gather(const std::string&) override { no_collectives(); }
  void gather_stream(const std::function<std::size_t(char*, std::size_t)>&,
                     const std::function<void(int, std::string_view)>&) override {
    no_collectives();
  }
  std::unique_ptr<SharedCounter> shared_counter() override {
    return std::make_unique<ThreadCounter>(counter_);
  }
  void sum(std::span<float>) override { no_collectives(); }
  void sum(std::span<double>) override { no_collectives(); }
  void all_to_all(std::span<const float>, std::span<const std::size_t>, std::span<float>,
                  std::span<const std::size_t>, std::size_t) override {
    no_collectives();
  }
  void broadcast(std::span<std::uint32_t>) override { no_collectives(); }
  Traffic traffic() const override { return {}; }
  void finish() override {}
  void abort_job(int) override { no_collectives(); }

 private:
  int rank_;
  int size_;
  std::atomic<std::uint64_t>& counter_;
};

// Runs run(options) on `ranks` threads at once, each a rank of one run; returns their results.
template <typename Run>
auto on_ranks(int ranks, const RunOptions& base, const Run& run) {
  std::atomic<std::uint64_t> counter{0};
  std::vector<ThreadCluster> clusters;
  for (int r = 0; r < ranks; ++r)
    clusters.emplace_back(r, ranks, counter);
  std::vector<RunResult> results(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      RunOptions options = base;
      options.cluster = &clusters[static_cast<std::size_t>(r)];
      results[static_cast<std::size_t>(r)] = run(options);
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  return results;
}

std::uint64_t total(const std::vector<RunResult>& results) {
  std::uint64_t sum = 0;
  for (const RunResult& result : results)
    sum += result.count;
  return sum;
}

// Hubs of several sizes (each joined to a run of the others), a random rest, isolated
// vertices; relabelled by ascending degree as the engines expect.
Graph graph_with_hubs(std::mt19937_64& random, VertexId n) {
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (VertexId hub = 0; hub < 4; ++hub) {
    for (VertexId v = 4; v < n - 5; ++v) {
      if (random() % (hub + 2) == 0) edges.emplace_back(hub, v);
    }
  }
  for (VertexId u = 4; u < n - 5; ++u) {
    for (VertexId v = u + 1; v < n - 5; ++v) {
      if (random() % 6 == 0) edges.emplace_back(u, v);
    }
  }
  return relabel_by_degree(testing::graph_from_edges(n, edges), DegreeOrder::ascending);
}

TEST(Level0Chunks, EveryCandidateOfEveryVertexIsInExactlyOneChunk) {
  std::mt19937_64 random(3);
  const Graph graph = graph_with_hubs(random, 60);
  for (const int ranks : {1, 2, 3, 16, 200}) {
    std::atomic<std::uint64_t> counter{0};
    std::vector<level0::Chunks> views;
    for (int r = 0; r < ranks; ++r)
      views.emplace_back(graph, ranks, std::make_unique<ThreadCounter>(counter));
    // taken[v][i]: how many chunks hold candidate i of v (slot 0 for a vertex of degree 0).
    std::vector<std::vector<int>> taken(graph.num_vertices());
    for (const VertexId v : graph.vertices())
      taken[v].assign(std::max<VertexId>(graph.degree(v), 1), 0);
    int parts = 0;
    // The ranks take chunks in a random interleaving until none has any left.
    std::vector<int> active(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r)
      active[static_cast<std::size_t>(r)] = r;
    level0::Chunk chunk;
    while (!active.empty()) {
      const std::size_t pick = random() % active.size();
      if (!views[static_cast<std::size_t>(active[pick])].next(chunk)) {
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(pick));
        continue;
      }
      ASSERT_LE(chunk.first, chunk.last);
      ASSERT_LE(chunk.parts.size(), 2u);
      for (VertexId v = chunk.first; v < chunk.last; ++v) {
        for (int& count : taken[v])
          ++count;
      }
      for (const level0::Part& part : chunk.parts) {
        ASSERT_LT(part.from, part.to);
        ASSERT_LE(part.to, graph.degree(part.vertex));
        EXPECT_TRUE(part.vertex < chunk.first || part.vertex >= chunk.last);
        for (std::uint32_t i = part.from; i < part.to; ++i)
          ++taken[part.vertex][i];
        ++parts;
      }
    }
    for (const VertexId v : graph.vertices()) {
      for (std::size_t i = 0; i < taken[v].size(); ++i)
        ASSERT_EQ(taken[v][i], 1) << "vertex " << v << " candidate " << i << ", " << ranks;
    }
    if (ranks > 1) {
      EXPECT_GT(parts, 0) << ranks << " ranks split no vertex";
    }
  }
}

TEST(Level0Chunks, AnEmptyGraphHasNoChunks) {
  const Graph graph = testing::graph_from_edges(0, {});
  std::atomic<std::uint64_t> counter{0};
  level0::Chunks chunks(graph, 4, std::make_unique<ThreadCounter>(counter));
  level0::Chunk chunk;
  EXPECT_FALSE(chunks.next(chunk));
}

// An edge and every pattern of 3 to 5 vertices, both semantics, so that the plans that count a
// vertex whole at level 0 (an edge, the last level counted, inclusion-exclusion) are among them.
TEST(Level0Ranks, TheInterpreterCountsExactlyWhenHubsAreSplitBetweenRanks) {
  std::mt19937_64 random(7);
  const Graph graph = graph_with_hubs(random, 40);
  std::vector<Pattern> patterns{Pattern(2, {{0, 1}})};
  for (int size = 3; size <= 5; ++size) {
    for (const Pattern& pattern : connected_patterns(size))
      patterns.push_back(pattern);
  }
  for (const Pattern& pattern : patterns) {
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      const Plan plan = choose_schedule(pattern, induced, profile_graph(graph)).best;
      const std::uint64_t expected = count_matches(graph, plan).count;
      for (const int ranks : {2, 5}) {
        RunOptions options;
        options.nested_threshold = 4;
        const auto results = on_ranks(
            ranks, options, [&](const RunOptions& o) { return count_matches(graph, plan, o); });
        EXPECT_EQ(total(results), expected)
            << pattern.edge_list() << " " << to_string(induced) << ", " << ranks << " ranks";
      }
    }
  }
}

TEST(Level0Ranks, CompiledKernelsCountAndListExactlyWhenHubsAreSplitBetweenRanks) {
  if (default_engine() != Engine::jit) GTEST_SKIP() << "this build has no LLVM JIT";
  std::mt19937_64 random(9);
  const Graph graph = graph_with_hubs(random, 70);
  for (const char* name : {"triangle", "4-cycle", "diamond", "house", "P1", "P4"}) {
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      const auto plan_for = [&](PlanUse use) {
        Plan plan = choose_schedule(parse_pattern(name), induced, profile_graph(graph), use).best;
        plan_minigraphs(plan, PruneMode::cost, profile_graph(graph));
        return plan;
      };
      const Plan plan = plan_for(PlanUse::count);
      const JitOptions jit{.use_cache = false, .cache_dir = {}};
      const Executable counter(plan, KernelKind::count, Engine::jit, jit);
      const std::uint64_t expected = count_matches(graph, plan).count;
      RunOptions options;
      options.nested_threshold = 4;
      const auto counted =
          on_ranks(3, options, [&](const RunOptions& o) { return counter.count(graph, o); });
      EXPECT_EQ(total(counted), expected) << name << " " << to_string(induced);

      // Listed: each match by exactly one rank.
      const Executable lister(plan_for(PlanUse::list), KernelKind::list, Engine::jit, jit);
      std::mutex mutex;
      std::multiset<std::vector<VertexId>> matches;
      const MatchCallback collect = [&](std::span<const VertexId> match) {
        std::lock_guard lock(mutex);
        matches.emplace(match.begin(), match.end());
        return true;
      };
      on_ranks(3, options, [&](const RunOptions& o) { return lister.list(graph, collect, o); });
      EXPECT_EQ(matches.size(), expected) << name << " " << to_string(induced);
      EXPECT_EQ(std::set<std::vector<VertexId>>(matches.begin(), matches.end()).size(),
                matches.size())
          << name << ": a match listed twice";
    }
  }
}

// The sample of level-1 candidates for sampled pricing: every candidate once, weighing 1, when
// it covers the units; otherwise draws that weigh what they stand for, hubs drawn whole.
TEST(Level0Sample, ACoveringSampleIsEveryCandidateOnce) {
  std::mt19937_64 random(41);
  const Graph graph = testing::random_graph(random, 40, 0.2);
  std::uint64_t units = 0, candidates = 0;
  for (const VertexId v : graph.vertices()) {
    units += std::uint64_t{graph.degree(v)} * graph.degree(v);
    candidates += graph.degree(v);
  }
  for (const std::uint64_t size : {units, units * 3}) {
    const std::vector<SampledCandidate> sample = level0::sample(graph, size);
    ASSERT_EQ(sample.size(), candidates);
    std::size_t i = 0;
    for (const VertexId v : graph.vertices())
      for (std::uint32_t index = 0; index < graph.degree(v); ++index, ++i) {
        EXPECT_EQ(sample[i].vertex, v);
        EXPECT_EQ(sample[i].index, index);
        EXPECT_DOUBLE_EQ(sample[i].weight, 1.0);
      }
  }
  EXPECT_TRUE(level0::sample(graph, 0).empty());
  EXPECT_TRUE(level0::sample(testing::graph_from_edges(0, {}), 100).empty());
}

TEST(Level0Sample, DrawsWeighWhatTheyStandForAndHubsAreDrawnWhole) {
  // A hub of 300 and its leaves: 64 draws over 90,300 units, 1,410.9 apart; each of the
  // hub's candidates (300 units) is drawn at most once and weighs 1,410.9 / 300 = 4.7, and
  // the hub's 90,000 units get 63 or 64 draws.
  const Graph graph = testing::star(300);
  const std::vector<SampledCandidate> sample = level0::sample(graph, 64);
  double hub = 0, weights = 0;
  std::set<std::pair<VertexId, std::uint32_t>> drawn;
  for (const SampledCandidate& candidate : sample) {
    ASSERT_LT(candidate.index, graph.degree(candidate.vertex));
    EXPECT_TRUE(drawn.insert({candidate.vertex, candidate.index}).second);
    weights += candidate.weight * graph.degree(candidate.vertex);
    if (graph.degree(candidate.vertex) == 300) hub += candidate.weight;
  }
  // Each draw weighs its spacing in units: the weighted units are the graph's, and the hub's
  // weighted candidates its degree, to within one draw.
  EXPECT_NEAR(weights, 300.0 * 300 + 300, 1e-6);
  EXPECT_NEAR(hub, 300, 90300.0 / 64 / 300);
  // A hub of 2,000 among 4,096 draws over 4,002,000 units (977 apart): each of its
  // candidates owns 2,000 units, so every one is drawn two or three times, and comes once,
  // weighing draws x 977 / 2,000.
  const Graph big = testing::star(2000);
  std::size_t hub_candidates = 0;
  for (const SampledCandidate& candidate : level0::sample(big, 4096)) {
    if (big.degree(candidate.vertex) != 2000) continue;
    ++hub_candidates;
    const double draws = candidate.weight * 2000 / (4002000.0 / 4096);
    EXPECT_NEAR(draws, std::round(draws), 1e-9);
    EXPECT_GE(std::round(draws), 2.0);
  }
  EXPECT_EQ(hub_candidates, 2000u);
}

// Running a sample: a covering one counts what a profiled run of the whole graph counts; a
// partial one is the same on any number of threads; a budget below its work stops it.
TEST(Level0Sample, ACoveringSampleCountsWhatAProfiledRunCounts) {
  std::mt19937_64 random(43);
  const Graph graph = testing::random_graph(random, 60, 0.25);
  const GraphProfile profile = profile_graph(graph);
  std::uint64_t units = 0;
  VertexId isolated = 0;
  for (const VertexId v : graph.vertices()) {
    units += std::uint64_t{graph.degree(v)} * graph.degree(v);
    isolated += graph.degree(v) == 0 ? 1 : 0;
  }
  for (const char* name : {"triangle", "4-cycle", "diamond", "P2", "P5"})
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      const Plan plan = choose_schedule(parse_pattern(name), induced, profile).best;
      const std::string what = std::string(name) + " " + to_string(induced);
      RunProfile whole(plan);
      RunOptions options;
      options.profile = &whole;
      count_matches(graph, plan, options);
      const std::optional<SampledCounts> sampled =
          count_sample(graph, plan, level0::sample(graph, units));
      ASSERT_TRUE(sampled) << what;
      // Level 0 is counted with a vertex's first candidate: vertices without one are not.
      EXPECT_EQ(sampled->iterations[0], whole.iterations[0] - isolated) << what;
      for (int l = 1; l < plan.size(); ++l)
        EXPECT_EQ(sampled->iterations[l], whole.iterations[l]) << what << " level " << l;
      for (std::size_t id = 0; id < plan.sets.size(); ++id) {
        if (plan.sets[id].level == 0) continue;
        EXPECT_EQ(sampled->computations[id], whole.computations[id]) << what << " S" << id;
        EXPECT_EQ(sampled->members[id], whole.members[id]) << what << " S" << id;
      }
      // Its work: the iterations of the levels that compute sets.
      double work = 0;
      for (int l = 0; l < std::min(plan.enumerated_levels(), plan.size() - 1); ++l)
        work += sampled->iterations[l];
      EXPECT_EQ(static_cast<double>(sampled->work), work) << what;
      EXPECT_FALSE(count_sample(graph, plan, level0::sample(graph, units), sampled->work - 1))
          << what;
      EXPECT_TRUE(count_sample(graph, plan, level0::sample(graph, units), sampled->work)) << what;

      const std::vector<SampledCandidate> part = level0::sample(graph, units / 20);
      const std::optional<SampledCounts> many = count_sample(graph, plan, part);
      const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
      const std::optional<SampledCounts> alone = count_sample(graph, plan, part);
      EXPECT_EQ(many->iterations, alone->iterations) << what;
      EXPECT_EQ(many->members, alone->members) << what;
    }
}

// What a covering sample measures for the minigraph cost model, against a count of level 1
// done here: the degrees of the vertices bound there, the sizes of its sets, and for each
// step of them its runs, its operand's and its list's sizes and their merge_cost.
TEST(Level0Sample, ACoveringSampleMeasuresTheDegreesAndTheMergesOfLevelOne) {
  std::mt19937_64 random(47);
  const Graph graph = testing::random_graph(random, 50, 0.3);
  const GraphProfile profile = profile_graph(graph);
  std::uint64_t units = 0;
  for (const VertexId v : graph.vertices())
    units += std::uint64_t{graph.degree(v)} * graph.degree(v);
  const auto clip_to = [](std::vector<VertexId> list, VertexId low, VertexId high) {
    std::erase_if(list, [&](VertexId v) { return v < low || v >= high; });
    return list;
  };
  const auto neighbours = [&](VertexId v) {
    const VertexSpan list = graph.neighbours(v);
    return std::vector<VertexId>(list.begin(), list.end());
  };
  for (const char* name : {"triangle", "4-cycle", "diamond", "P2", "P5"})
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      const Plan plan = choose_schedule(parse_pattern(name), induced, profile).best;
      const std::string what = std::string(name) + " " + to_string(induced);
      if (plan.size() < 3 || plan.enumerated_levels() < 2) continue;
      double degrees = 0, degree_squares = 0;
      std::vector<double> members(plan.sets.size()), member_squares(plan.sets.size());
      std::vector<std::vector<SampledCounts::Step>> steps(plan.sets.size());
      for (std::size_t id = 0; id < plan.sets.size(); ++id)
        steps[id].resize(plan.sets[id].steps.size());
      for (const VertexId v0 : graph.vertices()) {
        std::vector<std::vector<VertexId>> values(plan.sets.size());
        VertexId bound[2] = {v0, 0};
        const auto window = [&](const std::vector<int>& upper, const std::vector<int>& lower) {
          VertexId low = 0, high = std::numeric_limits<VertexId>::max();
          for (const int l : lower)
            low = std::max(low, bound[l] + 1);
          for (const int l : upper)
            high = std::min(high, bound[l]);
          return std::pair{low, std::max(low, high)};
        };
        const auto source = [&](SetSource from) {
          return from.set >= 0 ? values[from.set] : neighbours(bound[from.neighbours_of]);
        };
        for (const int id : plan.sets_at(0)) {
          const auto [low, high] = window(plan.sets[id].upper, plan.sets[id].lower);
          ASSERT_TRUE(plan.sets[id].steps.empty()) << what;
          values[id] = clip_to(source(plan.sets[id].base), low, high);
        }
        const PlanLevel& level = plan.levels[1];
        std::vector<VertexId> candidates = source(level.candidates);
        if (level.candidates.set < 0) {
          const auto [low, high] = window(level.upper, level.lower);
          candidates = clip_to(candidates, low, high);
        }
        for (const VertexId v1 : candidates) {
          bound[1] = v1;
          degrees += graph.degree(v1);
          degree_squares += static_cast<double>(graph.degree(v1)) * graph.degree(v1);
          for (const int id : plan.sets_at(1)) {
            const SetComputation& set = plan.sets[id];
            const auto [low, high] = window(set.upper, set.lower);
            std::vector<VertexId> current = clip_to(source(set.base), low, high);
            for (std::size_t j = 0; j < set.steps.size(); ++j) {
              const std::vector<VertexId> list =
                  clip_to(neighbours(bound[set.steps[j].level]), low, high);
              const double a = current.size(), b = list.size();
              SampledCounts::Step& step = steps[id][j];
              step.runs += 1;
              step.operands += a;
              step.lists += b;
              step.merges += merge_cost(a, b);
              std::vector<VertexId> result;
              if (set.steps[j].operation == SetOperation::intersect) {
                std::set_intersection(current.begin(), current.end(), list.begin(), list.end(),
                                      std::back_inserter(result));
              } else {
                std::set_difference(current.begin(), current.end(), list.begin(), list.end(),
                                    std::back_inserter(result));
              }
              current = std::move(result);
            }
            members[id] += current.size();
            member_squares[id] += static_cast<double>(current.size()) * current.size();
            values[id] = std::move(current);
          }
        }
      }
      const std::optional<SampledCounts> sampled =
          count_sample(graph, plan, level0::sample(graph, units));
      ASSERT_TRUE(sampled) << what;
      const auto near = [](double expected) { return 1e-9 * expected + 1e-9; };
      EXPECT_GT(degrees, 0) << what;
      EXPECT_NEAR(sampled->degrees[1], degrees, near(degrees)) << what;
      EXPECT_NEAR(sampled->degree_squares[1], degree_squares, near(degree_squares)) << what;
      for (const int id : plan.sets_at(1)) {
        const std::string set = what + " S" + std::to_string(id);
        EXPECT_NEAR(sampled->members[id], members[id], near(members[id])) << set;
        EXPECT_NEAR(sampled->member_squares[id], member_squares[id], near(member_squares[id]))
            << set;
        for (std::size_t j = 0; j < steps[id].size(); ++j) {
          const SampledCounts::Step& expected = steps[id][j];
          const SampledCounts::Step& step = sampled->steps[id][j];
          EXPECT_GT(expected.runs, 0) << set;
          EXPECT_NEAR(step.runs, expected.runs, near(expected.runs)) << set;
          EXPECT_NEAR(step.operands, expected.operands, near(expected.operands)) << set;
          EXPECT_NEAR(step.lists, expected.lists, near(expected.lists)) << set;
          EXPECT_NEAR(step.merges, expected.merges, near(expected.merges)) << set;
        }
      }
    }
}

// The budget holds within a candidate too: on a complete graph of 200 vertices, the 8-clique's
// first level-1 candidate alone sets out on C(198, 5) = 2.5e9 iterations of its level 6.
TEST(Level0Sample, ABudgetStopsASampleWithinACandidate) {
  std::mt19937_64 random(47);
  const Graph graph = testing::random_graph(random, 200, 1.0);
  std::string clique;
  for (int u = 0; u < 8; ++u) {
    for (int v = u + 1; v < 8; ++v)
      clique += (clique.empty() ? "" : ",") + std::to_string(u) + "-" + std::to_string(v);
  }
  const Plan plan =
      choose_schedule(parse_pattern(clique), Induced::edge, profile_graph(graph)).best;
  const std::vector<SampledCandidate> first{{0, 0, 1.0}};
  EXPECT_FALSE(count_sample(graph, plan, first, 100000));
  // And a budget that holds is the work done: on K10, C(8, 5) = 56 iterations at level 6.
  const Graph small = testing::random_graph(random, 10, 1.0);
  const std::optional<SampledCounts> counted = count_sample(small, plan, first);
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->iterations[6], 56.0);
  EXPECT_TRUE(count_sample(small, plan, first, counted->work));
  EXPECT_FALSE(count_sample(small, plan, first, counted->work - 1));
}

}  // namespace
}  // namespace graphmini
