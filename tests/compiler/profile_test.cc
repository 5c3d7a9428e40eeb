// Profiled runs (compiler/profile.h, `graphmini explain --analyze`): a profiling kernel counts
// exactly the iterations and set sizes the interpreter counts, level by level and set by set,
// for every pattern in both semantics and every pruning mode, with hubs split into ranges; its
// minigraphs are built once per iteration of their level and read once per iteration of each level
// that reads them; and the counts themselves are those of an unprofiled run.
#include "compiler/profile.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <string>
#include <vector>

#include "compiler/engine.h"
#include "compiler/prune.h"
#include "compiler/schedule.h"
#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

struct Profiled {
  std::uint64_t count;
  RunProfile profile;
};

Profiled profiled(const Executable& executable, const Graph& graph, std::size_t threshold) {
  Profiled run{0, RunProfile(executable.plan())};
  RunOptions options;
  options.profile = &run.profile;
  options.nested_threshold = threshold;
  run.count = executable.count(graph, options).count;
  return run;
}

// A pattern with random labels on `shape` (labels 0 .. 2), for a labelled graph.
Pattern labelled(const Pattern& shape, std::mt19937_64& random) {
  std::vector<Label> labels;
  for (int v = 0; v < shape.size(); ++v)
    labels.push_back(static_cast<Label>(random() % 3));
  return Pattern(shape.size(), shape.edges(), labels);
}

TEST(ProfiledRun, KernelsCountTheInterpretersIterationsAndSetSizes) {
  if (!jit_available()) GTEST_SKIP() << "this build has no LLVM JIT";
  std::mt19937_64 random(21);
  const Graph plain = testing::random_graph(random, 70, 0.2);
  const Graph coloured = testing::random_graph(random, 60, 0.3, 3);
  struct Case {
    const Graph* graph;
    Pattern pattern;
  };
  std::vector<Case> cases;
  for (const char* name : {"triangle", "wedge", "4-cycle", "diamond", "4-clique", "house", "P1",
                           "P2", "P3", "P4", "P5", "P6", "P7", "P8"})
    cases.push_back({&plain, parse_pattern(name)});
  for (const char* name : {"triangle", "4-path", "diamond"})
    cases.push_back({&coloured, labelled(parse_pattern(name), random)});
  // Every pattern runs in every pruning mode, two modes per semantics, which modes taking
  // turns from pattern to pattern (a JIT compilation per run is what this test spends its time
  // on).
  const PruneMode modes[] = {PruneMode::none, PruneMode::eager, PruneMode::online, PruneMode::cost};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const GraphProfile graph_profile = profile_graph(*c.graph);
    for (const std::size_t semantics : {0, 1})
      for (const std::size_t turn : {semantics, semantics + 2}) {
        const Induced induced = semantics == 0 ? Induced::edge : Induced::vertex;
        const PruneMode mode = modes[(turn + i) % 4];
        Plan plan = choose_schedule(c.pattern, induced, graph_profile).best;
        plan_minigraphs(plan, mode, graph_profile);
        const std::string what =
            c.pattern.edge_list() + " " + to_string(induced) + " prune " + to_string(mode);
        const Executable interpreter(plan, KernelKind::count, Engine::interp);
        const Executable kernel(plan, KernelKind::profile, Engine::jit);
        const std::uint64_t expected = interpreter.count(*c.graph).count;
        // Hubs (more than 6 level-1 candidates) split into ranges on both engines.
        const Profiled a = profiled(interpreter, *c.graph, 6);
        const Profiled b = profiled(kernel, *c.graph, 6);
        ASSERT_EQ(a.count, expected) << what;
        ASSERT_EQ(b.count, expected) << what;
        ASSERT_EQ(b.profile.iterations, a.profile.iterations) << what;
        ASSERT_EQ(b.profile.computations, a.profile.computations) << what;
        ASSERT_EQ(b.profile.members, a.profile.members) << what;
        // Level 0 runs once per vertex (of the label); the last level, when counted or
        // enumerated rather than counted by inclusion-exclusion, adds up to the matches.
        if (!plan.levels[0].label) {
          ASSERT_EQ(a.profile.iterations[0], c.graph->num_vertices());
        }
        if (!plan.inclusion_exclusion) {
          ASSERT_EQ(a.profile.iterations.back(), expected) << what;
        }
        // A minigraph is built once per iteration of its level, and read once per iteration
        // of every level whose sets read it.
        for (std::size_t m = 0; m < plan.minigraphs.size(); ++m) {
          const Minigraph& minigraph = plan.minigraphs[m];
          const bool built = minigraph.build != MinigraphBuild::skip;
          EXPECT_EQ(b.profile.builds[m], built ? a.profile.iterations[minigraph.level] : 0)
              << what << " G" << m;
          std::uint64_t reads = 0;
          for (int l = 0; l < plan.size(); ++l) {
            bool reads_here = false;
            for (const int id : plan.sets_at(l))
              for (const SetStep& step : plan.sets[id].steps)
                reads_here |= step.minigraph == static_cast<int>(m) && step.level == l;
            if (reads_here) reads += a.profile.iterations[l];
          }
          EXPECT_EQ(b.profile.list_reads[m], reads) << what << " G" << m;
          // Eager lists are pruned when built; an online list is pruned by its first reader
          // (or by a child minigraph's pruning, which reads it through the host).
          if (minigraph.build == MinigraphBuild::online) {
            EXPECT_LE(b.profile.list_misses[m], b.profile.lists_pruned[m]) << what << " G" << m;
          } else {
            EXPECT_EQ(b.profile.list_misses[m], 0u) << what << " G" << m;
          }
        }
      }
  }
}

// The interpreter profiles without a profiling kernel; the JIT refuses a counting kernel for a
// profiled run and a profiling kernel for an unprofiled one, which would have nowhere to count.
TEST(ProfiledRun, KernelsAndProfilesMustMatch) {
  std::mt19937_64 random(5);
  const Graph graph = testing::random_graph(random, 30, 0.3);
  const Plan plan =
      choose_schedule(parse_pattern("triangle"), Induced::edge, profile_graph(graph)).best;
  const Executable interpreter(plan, KernelKind::count, Engine::interp);
  EXPECT_EQ(profiled(interpreter, graph, 256).count, interpreter.count(graph).count);
  if (!jit_available()) GTEST_SKIP() << "this build has no LLVM JIT";
  const Executable counting(plan, KernelKind::count, Engine::jit);
  const Executable profiling(plan, KernelKind::profile, Engine::jit);
  EXPECT_THROW(profiled(counting, graph, 256), InvalidArgument);
  EXPECT_THROW(profiling.count(graph), InvalidArgument);
  EXPECT_EQ(profiled(profiling, graph, 256).count, counting.count(graph).count);
}

// The sampler takes SIGPROF only while it lives, one at a time, and gives back the handler
// that was there.
TEST(ProfiledRun, TheSamplerIsExclusiveAndRestoresTheSignalHandler) {
  struct sigaction mine = {};
  mine.sa_handler = [](int) {};
  sigemptyset(&mine.sa_mask);
  struct sigaction before = {};
  sigaction(SIGPROF, &mine, &before);
  const Plan plan =
      choose_schedule(parse_pattern("triangle"), Induced::edge, typical_profile()).best;
  RunProfile a(plan), b(plan);
  {
    const LevelSampler sampler(a);
    EXPECT_THROW(LevelSampler{b}, InvalidArgument);
  }
  EXPECT_EQ(a.sample_seconds, 0.001);
  struct sigaction now = {};
  sigaction(SIGPROF, nullptr, &now);
  EXPECT_EQ(now.sa_handler, mine.sa_handler);
  sigaction(SIGPROF, &before, nullptr);
  const LevelSampler again(b);  // the first one let go
}

}  // namespace
}  // namespace graphmini
