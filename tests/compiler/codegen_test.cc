// The code generator: golden kernels, and every kind of plan compiled with this build's C++
// compiler, loaded and run, against the interpreter and brute force on random graphs.
#include "compiler/codegen.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compiler/interpreter.h"
#include "compiler/kernel_runner.h"
#include "compiler/prune.h"
#include "compiler/reference_count.h"
#include "compiler/schedule.h"
#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

std::string identity_order_kernel(const char* spec, Induced induced, KernelKind kind,
                                  PruneMode prune = PruneMode::none) {
  const Pattern pattern = parse_pattern(spec);
  std::vector<int> order;
  for (int v = 0; v < pattern.size(); ++v)
    order.push_back(v);
  const PlanUse use = kind == KernelKind::count ? PlanUse::count : PlanUse::list;
  Plan plan = build_plan(pattern, induced, order, candidate_restriction_sets(pattern).front(), use);
  estimate_cost(plan, typical_profile());
  plan_minigraphs(plan, prune, typical_profile());
  return generate_kernel(plan, kind);
}

// The code after the plan printed in the leading comment.
std::string body(const std::string& code) {
  return code.substr(code.find("#include"));
}

TEST(CodegenGolden, TriangleCountsTheLastLevelFromABitmapWithoutALoop) {
  EXPECT_EQ(body(identity_order_kernel("triangle", Induced::edge, KernelKind::count)),
            R"(#include "runtime/kernel_abi.h"

using namespace graphmini::kernel;

extern "C" u64 graphmini_kernel(const Graph* graph, const Runtime* rt, Task* task,
                            u32 v0, u32 first, u32 last) {
  u32* const* buffers = task->buffers;
  u64 count = 0;
  const Span n0 = neighbours(graph, v0);
  // s0 = n0 > v0
  const u32 s0_low = v0 + 1;
  const u32 s0_high = max_u32(s0_low, 0xffffffffu);
  Span s0 = clip(n0, s0_low, s0_high);
  mark(task->bitmaps[0], s0);
  const Span c1 = s0;
  const usize c1_end = last < c1.size ? last : c1.size;
  for (usize i1 = first; i1 < c1_end; ++i1) {
    if (rt->stopping(task->host)) {
      task->halted = true;
      break;
    }
    const u32 v1 = c1.data[i1];
    const Span n1 = neighbours(graph, v1);
    // s1 = s0 & n1 > v0 > v1
    const u32 s1_low = max_u32(v0 + 1, v1 + 1);
    const u32 s1_high = max_u32(s1_low, 0xffffffffu);
    const usize s1_count = count_marked(task->bitmaps[0], clip(n1, s1_low, s1_high));
    // the last level, counted
    u64 found = s1_count;
    count += found;
  }
  unmark(task->bitmaps[0], s0);
  return count;
}
)");
}

TEST(CodegenGolden, MinigraphsArePrunedNestedAndReadInPlaceOfNeighbourLists) {
  EXPECT_EQ(
      body(identity_order_kernel("4-clique", Induced::edge, KernelKind::count, PruneMode::eager)),
      R"(#include "runtime/kernel_abi.h"

using namespace graphmini::kernel;

extern "C" u64 graphmini_kernel(const Graph* graph, const Runtime* rt, Task* task,
                            u32 v0, u32 first, u32 last) {
  u32* const* buffers = task->buffers;
  u64 count = 0;
  const Span n0 = neighbours(graph, v0);
  // s0 = n0 > v0
  const u32 s0_low = v0 + 1;
  const u32 s0_high = max_u32(s0_low, 0xffffffffu);
  Span s0 = clip(n0, s0_low, s0_high);
  // g0: N(u) & n0 > u for every u in n0, pruned now
  Minigraph g0 = {n0, n0, nullptr, nullptr, 0, true};
  rt->build_minigraph(graph, task, &g0, true);
  // g1: N(u) & s0 > u for every u in s0, pruned now
  Minigraph g1 = {s0, s0, nullptr, nullptr, 1, true};
  rt->build_minigraph(graph, task, &g1, true);
  const Span c1 = s0;
  const usize c1_end = last < c1.size ? last : c1.size;
  for (usize i1 = first; i1 < c1_end; ++i1) {
    if (rt->stopping(task->host)) {
      task->halted = true;
      break;
    }
    const u32 v1 = c1.data[i1];
    const Span n1 = neighbours(graph, v1);
    const Span q1_1 = minigraph_list(graph, rt, task, &g1, static_cast<usize>(c1.data - s0.data) + i1);
    // s1 = s0 & n1 (in g1) > v0 > v1
    const u32 s1_low = max_u32(v0 + 1, v1 + 1);
    const u32 s1_high = max_u32(s1_low, 0xffffffffu);
    Span s1 = clip(q1_1, s1_low, s1_high);
    // g2: N(u) & s1 > u for every u in s1, pruned now, from g1
    Minigraph g2 = {s1, s1, nullptr, &g1, 2, true};
    rt->build_minigraph(graph, task, &g2, true);
    const Span c2 = s1;
    for (usize i2 = 0; i2 < c2.size; ++i2) {
      const u32 v2 = c2.data[i2];
      const Span n2 = neighbours(graph, v2);
      const Span q2_2 = minigraph_list(graph, rt, task, &g2, static_cast<usize>(c2.data - s1.data) + i2);
      // s2 = s1 & n2 (in g2) > v0 > v1 > v2
      const u32 s2_low = max_u32(max_u32(v0 + 1, v1 + 1), v2 + 1);
      const u32 s2_high = max_u32(s2_low, 0xffffffffu);
      Span s2 = clip(q2_2, s2_low, s2_high);
      const usize s2_count = s2.size;
      // the last level, counted
      u64 found = s2_count;
      count += found;
    }
  }
  return count;
}
)");
}

TEST(CodegenGolden, ListingKernelEmitsEveryMatchInPatternVertexOrder) {
  const std::string code = identity_order_kernel("wedge", Induced::vertex, KernelKind::list);
  EXPECT_NE(code.find("u32 match[3];"), std::string::npos) << code;
  EXPECT_NE(code.find("if (!rt->emit(task->host, match)) {"), std::string::npos) << code;
  EXPECT_EQ(code.find("_count"), std::string::npos) << "a listing kernel counts nothing";
}

TEST(Codegen, ListingAnInclusionExclusionPlanIsRefused) {
  const Pattern p5 = parse_pattern("P5");
  const Plan plan =
      build_plan(p5, Induced::edge, {0, 1, 2, 3, 4, 5}, candidate_restriction_sets(p5).front());
  EXPECT_THROW(generate_kernel(plan, KernelKind::list), InvalidArgument);
}

// A kernel compiled into a shared object with the build's compiler and loaded.
class LoadedKernel {
 public:
  LoadedKernel(const std::string& code, const testing::ScratchDir& folder, int id) {
    const auto source = folder / ("kernel" + std::to_string(id) + ".cc");
    const auto library = folder / ("kernel" + std::to_string(id) + ".so");
    std::ofstream(source) << code;
    const std::string command = std::string(GRAPHMINI_HOST_CXX) +
                                " -std=c++20 -O1 -shared -fPIC -I" GRAPHMINI_SOURCE_DIR " " +
                                source.string() + " -o " + library.string();
    EXPECT_EQ(std::system(command.c_str()), 0) << command << "\n" << code;
    handle_ = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(handle_, nullptr) << ::dlerror();
    if (handle_ != nullptr) {
      function_ = reinterpret_cast<kernel::KernelFunction>(::dlsym(handle_, kernel::kKernelSymbol));
    }
  }
  LoadedKernel(const LoadedKernel&) = delete;
  LoadedKernel& operator=(const LoadedKernel&) = delete;
  ~LoadedKernel() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  kernel::KernelFunction function() const { return function_; }

 private:
  void* handle_ = nullptr;
  kernel::KernelFunction function_ = nullptr;
};

// Counting kernels of every shape (bounds, anti-edges, distinct-from corrections, labels,
// inclusion-exclusion suffixes of 2 to 4 levels, read by size alone too) and listing kernels agree
// with the interpreter and brute force; hubs are split into level-1 ranges with a threshold of 0.
TEST(CodegenCompiled, KernelsCountAndListLikeTheInterpreter) {
  std::mt19937_64 random(21);
  const Graph graph = testing::random_graph(random, 18, 0.4);
  const Graph labelled = testing::random_graph(random, 18, 0.5, 2);
  const testing::ScratchDir folder;
  int id = 0;
  struct Case {
    const char* pattern;
    Induced induced;
    bool labels;
  };
  for (const Case& c : std::vector<Case>{{"triangle", Induced::edge, false},
                                         {"wedge", Induced::edge, false},
                                         {"4-cycle", Induced::vertex, false},
                                         {"tailed-triangle", Induced::vertex, false},
                                         {"house", Induced::edge, false},
                                         {"P3", Induced::edge, false},
                                         {"P5", Induced::edge, false},
                                         {"P6", Induced::edge, false},
                                         {"0-1,0-2,0-3,0-4", Induced::edge, false},
                                         {"P2", Induced::edge, false},
                                         {"P2", Induced::vertex, false},
                                         {"diamond", Induced::edge, true}}) {
    Pattern pattern = parse_pattern(c.pattern);
    if (c.labels) {
      std::vector<Label> labels;
      for (int v = 0; v < pattern.size(); ++v)
        labels.push_back(static_cast<Label>(v % 2));
      pattern = Pattern(pattern.size(), pattern.edges(), labels);
    }
    const Graph& target = c.labels ? labelled : graph;
    const std::uint64_t expected = brute_force_count(target, pattern, c.induced);
    const GraphProfile profile = profile_graph(target);

    const Plan counting = choose_schedule(pattern, c.induced, profile).best;
    const LoadedKernel counter(generate_kernel(counting, KernelKind::count), folder, id++);
    ASSERT_NE(counter.function(), nullptr);
    EXPECT_EQ(count_matches(target, counting).count, expected) << c.pattern;
    EXPECT_EQ(run_kernel(target, counting, counter.function(), nullptr).count, expected)
        << c.pattern;
    EXPECT_EQ(
        run_kernel(target, counting, counter.function(), nullptr, {.nested_threshold = 0}).count,
        expected)
        << c.pattern << " split";

    const Plan listing = choose_schedule(pattern, c.induced, profile, PlanUse::list).best;
    const LoadedKernel lister(generate_kernel(listing, KernelKind::list), folder, id++);
    ASSERT_NE(lister.function(), nullptr);
    std::mutex mutex;
    std::set<std::vector<VertexId>> listed;
    const MatchCallback collect = [&](std::span<const VertexId> match) {
      std::vector<VertexId> vertices(match.begin(), match.end());
      std::sort(vertices.begin(), vertices.end());
      std::lock_guard lock(mutex);
      listed.insert(vertices);
      return true;
    };
    const RunResult result = run_kernel(target, listing, lister.function(), &collect);
    EXPECT_EQ(result.count, expected) << c.pattern;
    if (c.induced == Induced::vertex) {
      // Vertex-induced matches are vertex sets: each is listed once.
      EXPECT_EQ(listed.size(), expected) << c.pattern;
    }
  }
}

// The cost model seldom finds a bitmap worth it on a graph this small: the first set that
// inclusion-exclusion reads by its size, X & L with X a set of an earlier level and L not
// X's own pruned list, gets X in a bitmap by hand.
void give_a_sized_set_a_bitmap(Plan& plan) {
  int bitmaps = 0;
  for (const SetComputation& set : plan.sets)
    bitmaps = std::max(bitmaps, set.bitmap + 1);
  for (const SetComputation& set : plan.sets) {
    if (set.count_only && set.steps.size() == 1 &&
        !takes_pruned_list(plan, set, set.steps[0].minigraph) && set.base.set >= 0 &&
        plan.sets[set.base.set].level < set.level && plan.sets[set.base.set].bitmap < 0) {
      plan.sets[set.base.set].bitmap = bitmaps;
      return;
    }
  }
}

// Minigraphs in every pruning mode, nested and online, with rows other than their domain,
// over plans with bounds, anti-edges, counted last levels and sets that inclusion-exclusion
// reads by size (both read from bitmaps, too) and inclusion-exclusion suffixes, count like
// brute force.
TEST(CodegenCompiled, MinigraphKernelsCountLikeBruteForce) {
  std::mt19937_64 random(23);
  const Graph graph = testing::random_graph(random, 36, 0.45);
  const GraphProfile profile = profile_graph(graph);
  const testing::ScratchDir folder;
  int id = 0;
  bool other_rows = false;
  bool intersect_in_bitmap = false;
  bool subtract_in_bitmap = false;
  bool sized_in_bitmap = false;  // a set that inclusion-exclusion reads by its size
  for (const auto& [spec, induced] :
       std::vector<std::pair<const char*, Induced>>{{"4-clique", Induced::edge},
                                                    {"5-clique", Induced::edge},
                                                    {"P2", Induced::vertex},
                                                    {"P3", Induced::vertex},
                                                    {"P7", Induced::vertex},
                                                    {"house", Induced::edge},
                                                    {"P4", Induced::edge},
                                                    {"P8", Induced::edge}}) {
    const Pattern pattern = parse_pattern(spec);
    const std::uint64_t expected = brute_force_count(graph, pattern, induced);
    for (const PruneMode mode : {PruneMode::static_, PruneMode::eager, PruneMode::online}) {
      Plan plan = choose_schedule(pattern, induced, profile).best;
      plan_minigraphs(plan, mode, profile);
      if (plan.inclusion_exclusion) give_a_sized_set_a_bitmap(plan);
      ASSERT_TRUE(std::any_of(plan.minigraphs.begin(), plan.minigraphs.end(),
                              [](const Minigraph& m) { return m.build != MinigraphBuild::skip; }))
          << spec << " " << to_string(mode) << "\n"
          << plan.print();
      for (const Minigraph& m : plan.minigraphs)
        other_rows = other_rows || (m.build != MinigraphBuild::skip && m.rows != m.domain);
      const std::string code = generate_kernel(plan, KernelKind::count);
      intersect_in_bitmap = intersect_in_bitmap || code.find("_count = count_marked(") != code.npos;
      subtract_in_bitmap = subtract_in_bitmap || code.find(".size - count_marked(") != code.npos;
      sized_in_bitmap = sized_in_bitmap || (plan.inclusion_exclusion &&
                                            code.find("_count = count_marked(") != code.npos);
      const LoadedKernel counter(code, folder, id++);
      ASSERT_NE(counter.function(), nullptr);
      EXPECT_EQ(run_kernel(graph, plan, counter.function(), nullptr).count, expected)
          << spec << " " << to_string(mode);
      EXPECT_EQ(run_kernel(graph, plan, counter.function(), nullptr, {.nested_threshold = 0}).count,
                expected)
          << spec << " " << to_string(mode) << " split";
    }
  }
  EXPECT_TRUE(other_rows);
  EXPECT_TRUE(intersect_in_bitmap);
  EXPECT_TRUE(subtract_in_bitmap);
  EXPECT_TRUE(sized_in_bitmap);
}

TEST(CodegenCompiled, ACallbackReturningFalseStopsTheKernel) {
  std::mt19937_64 random(22);
  const Graph graph = testing::random_graph(random, 30, 0.6);
  const Pattern triangle = parse_pattern("triangle");
  const Plan plan =
      choose_schedule(triangle, Induced::edge, profile_graph(graph), PlanUse::list).best;
  const testing::ScratchDir folder;
  const LoadedKernel lister(generate_kernel(plan, KernelKind::list), folder, 0);
  ASSERT_NE(lister.function(), nullptr);
  std::atomic<int> calls{0};
  const MatchCallback stop_at_five = [&](std::span<const VertexId>) {
    return calls.fetch_add(1) + 1 < 5;
  };
  const RunResult result = run_kernel(graph, plan, lister.function(), &stop_at_five);
  EXPECT_TRUE(result.stopped);
  EXPECT_LT(result.count, brute_force_count(graph, triangle, Induced::edge));
}

}  // namespace
}  // namespace graphmini
