// `--engine`, `--prune` and `--no-cache` of count, list and motifs: every engine and pruning
// mode gives the interpreter's results, the kernel cache is used and bypassed as asked, and
// explain shows the minigraph decisions.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;

constexpr const char* kModes[] = {"none", "static", "eager", "online", "cost"};

class EngineCliTest : public CliTest {
 protected:
  // Dense enough that every pattern has matches and the plans have minigraph candidates.
  static constexpr const char* kGraph = "kron:scale=9,edge_factor=8,seed=3";

  // Runs with the kernel cache in this test's own folder.
  CliResult run_cached(const std::string& arguments) const {
    return run(arguments, "XDG_CACHE_HOME=" + cache().string());
  }
  std::filesystem::path cache() const { return files_ / "cache"; }

  nlohmann::json count(const std::string& arguments) const {
    const CliResult result = run_cached("count -g " + std::string(kGraph) + " --json " + arguments);
    EXPECT_EQ(result.exit_code, 0) << arguments << "\n" << result.err;
    return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json();
  }

  bool jit() const { return run_cached("--version").out.find("llvm-jit=on") != std::string::npos; }
};

// One test per pattern, so that ctest runs them side by side.
class EngineCliPatternTest : public EngineCliTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(EngineCliPatternTest, EveryEngineAndPruningModeCountsLikeTheInterpreter) {
  if (!jit()) GTEST_SKIP() << "this build has no LLVM JIT";
  const char* pattern = GetParam();
  for (const char* induced : {"edge", "vertex"}) {
    const std::string query = std::string("-p ") + pattern + " --induced " + induced;
    const nlohmann::json reference = count(query + " --engine interp");
    ASSERT_TRUE(reference.contains("count")) << query;
    EXPECT_EQ(reference["engine"], "interp");
    EXPECT_EQ(reference["seconds"]["compile"].get<double>(), 0.0);
    EXPECT_EQ(reference["minigraphs"].get<int>(), 0) << "the interpreter builds none";
    for (const char* mode : kModes) {
      const nlohmann::json compiled = count(query + " --engine jit --prune " + mode);
      EXPECT_EQ(compiled["count"], reference["count"]) << query << " --prune " << mode;
      EXPECT_EQ(compiled["engine"], "jit");
      EXPECT_EQ(compiled["prune"], mode);
      EXPECT_TRUE(compiled["seconds"]["compile"].is_number());
      if (std::string(mode) == "none") {
        EXPECT_EQ(compiled["minigraphs"].get<int>(), 0);
      } else if (std::string(mode) == "eager") {
        EXPECT_GT(compiled["minigraphs"].get<int>(), 0) << query;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BenchmarkQueries, EngineCliPatternTest,
                         ::testing::Values("P1", "P2", "P3", "P4", "P8"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

TEST_F(EngineCliTest, KernelsAreCachedUnlessNoCacheIsGiven) {
  if (!jit()) GTEST_SKIP() << "this build has no LLVM JIT";
  const std::string query = "-p P3 --induced vertex --engine jit --prune eager";
  const nlohmann::json bypassed = count(query + " --no-cache");
  EXPECT_FALSE(bypassed["kernel_cached"].get<bool>());
  EXPECT_FALSE(std::filesystem::exists(cache() / "graphmini")) << "--no-cache wrote to the cache";
  const nlohmann::json cold = count(query);
  EXPECT_FALSE(cold["kernel_cached"].get<bool>());
  const nlohmann::json warm = count(query);
  EXPECT_TRUE(warm["kernel_cached"].get<bool>());
  EXPECT_EQ(warm["count"], cold["count"]);
  EXPECT_EQ(warm["count"], bypassed["count"]);
  // Another pruning mode is another kernel.
  EXPECT_FALSE(count("-p P3 --induced vertex --engine jit --prune online")["kernel_cached"]);
}

std::vector<std::string> all_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

#ifdef GRAPHMINI_JIT_MODULE
// The JIT's module is opened on the first compile, from its place relative to the program, else
// from the program's library path; a program without it (or with a FIFO in its place, which is
// never opened) says so in one line, and still counts on the interpreter.
TEST_F(EngineCliTest, AProgramWithoutItsJitModuleSaysSoAndTheInterpreterStillCounts) {
  const std::filesystem::path module_path = std::filesystem::relative(
      GRAPHMINI_JIT_MODULE, std::filesystem::path(GRAPHMINI_CLI).parent_path());
  const CliResult result = script(
      "mkdir bin && cp \"$G\" bin/graphmini\n"
      "query='count -g kron:scale=8 -p P3 --no-cache'\n"
      "bin/graphmini $query --engine interp || exit 1\n"
      "bin/graphmini $query 2>&1; echo \"missing: $?\"\n"
      "mkdir -p \"bin/$(dirname '" +
      module_path.string() +
      "')\"\n"
      "mkfifo 'bin/" +
      module_path.string() +
      "'\n"
      "timeout 20 bin/graphmini $query 2>&1; echo \"fifo: $?\"\n"
      "rm 'bin/" +
      module_path.string() +
      "'\n"
      "echo 'not a module' >'bin/" +
      module_path.string() +
      "'\n"
      "bin/graphmini $query 2>&1; echo \"damaged: $?\"\n"
      "\"$G\" $query");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<std::string> out = all_lines(result.out);
  ASSERT_EQ(out.size(), 8u) << result.out;
  EXPECT_EQ(out[0], out[7]) << "the interpreter's count differs from the JIT's";
  const std::string not_found =
      "graphmini: error: cannot find the JIT's module libgraphmini_jit.so in " +
      (files_.path() / "bin" / module_path.parent_path()).lexically_normal().string() +
      " nor on the program's library path; --engine interp runs without it";
  EXPECT_EQ(out[1], not_found);
  EXPECT_EQ(out[2], "missing: 1");
  EXPECT_EQ(out[3], not_found) << "a FIFO is not a module";
  EXPECT_EQ(out[4], "fifo: 1");
  EXPECT_EQ(
      out[5].rfind("graphmini: error: cannot open the JIT's module: " +
                       (files_.path() / "bin" / module_path).lexically_normal().string() + ": ",
                   0),
      0u)
      << out[5];
  EXPECT_EQ(out[6], "damaged: 1");
}
#endif

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines = all_lines(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(EngineCliTest, ListAndMotifsGiveTheInterpretersResultsOnTheJit) {
  if (!jit()) GTEST_SKIP() << "this build has no LLVM JIT";
  const std::string list = "list -g " + std::string(kGraph) + " -p diamond --induced vertex";
  const CliResult interpreted = run_cached(list + " --engine interp");
  ASSERT_EQ(interpreted.exit_code, 0) << interpreted.err;
  ASSERT_GT(lines(interpreted.out), 100);
  for (const char* mode : kModes) {
    const CliResult compiled = run_cached(list + " --engine jit --prune " + mode);
    ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
    EXPECT_EQ(sorted_lines(compiled.out), sorted_lines(interpreted.out)) << mode;
  }
  const std::string motifs = "motifs -g " + std::string(kGraph) + " -k 4";
  const CliResult reference = run_cached(motifs + " --engine interp");
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  EXPECT_EQ(lines(reference.out), 6);
  const CliResult compiled = run_cached(motifs + " --engine jit --prune eager");
  EXPECT_EQ(compiled.out, reference.out);
}

TEST_F(EngineCliTest, ExplainShowsTheMinigraphDecisionsAndEstimates) {
  const CliResult eager = run_cached("explain -g " + std::string(kGraph) + " -p P1 --prune eager");
  ASSERT_EQ(eager.exit_code, 0) << eager.err;
  EXPECT_NE(eager.out.find("minigraph G0 over "), std::string::npos) << eager.out;
  EXPECT_NE(eager.out.find(": eager"), std::string::npos) << eager.out;
  EXPECT_NE(eager.out.find("saves "), std::string::npos) << eager.out;
  EXPECT_NE(eager.out.find(" in G"), std::string::npos) << "no step reads a minigraph";
  const CliResult none = run_cached("explain -g " + std::string(kGraph) + " -p P1 --prune none");
  EXPECT_EQ(none.out.find(" in G"), std::string::npos) << none.out;
  EXPECT_NE(none.out.find("0 of "), std::string::npos) << none.out;
  // Cost mode prices a plan's minigraphs with its counts on a sample of the graph; the other
  // modes, and plans that count with a counter of their own (P1's), keep the estimates.
  constexpr const char* kSampled = "estimated from the plan's counts on a sample of the graph";
  constexpr const char* kModelled = "estimated from the schedule's estimates";
  const CliResult cost =
      run_cached("explain -g " + std::string(kGraph) + " -p P3 --induced edge --prune cost");
  ASSERT_EQ(cost.exit_code, 0) << cost.err;
  EXPECT_NE(cost.out.find(kSampled), std::string::npos) << cost.out;
  // compile -g prices them the same way: its kernel's comment shows explain's decisions.
  const CliResult compiled =
      run_cached("compile -g " + std::string(kGraph) + " -p P3 --induced edge --prune cost");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
  std::istringstream plan(cost.out);
  int decisions = 0;
  for (std::string line; std::getline(plan, line);) {
    if (line.find("minigraph G") == std::string::npos) continue;
    ++decisions;
    EXPECT_NE(compiled.out.find(line.substr(line.find_first_not_of(' '))), std::string::npos)
        << line;
  }
  EXPECT_GT(decisions, 0) << cost.out;
  const CliResult counter = run_cached("explain -g " + std::string(kGraph) + " -p P1");
  EXPECT_NE(counter.out.find(kModelled), std::string::npos) << counter.out;
  EXPECT_NE(eager.out.find(kModelled), std::string::npos) << eager.out;
}

TEST_F(EngineCliTest, BadEngineAndPruneValuesFailWithOneLine) {
  for (const char* arguments : {"--engine llvm", "--prune sometimes"}) {
    const CliResult result =
        run_cached("count -g " + std::string(kGraph) + " -p triangle " + arguments);
    EXPECT_NE(result.exit_code, 0) << arguments;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(lines(result.err), 1) << result.err;
  }
  if (!jit()) {
    const CliResult result =
        run_cached("count -g " + std::string(kGraph) + " -p triangle --engine jit");
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("no LLVM JIT"), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace graphmini
