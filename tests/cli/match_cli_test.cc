// `graphmini count|list|motifs|explain|verify` as a user meets them.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "runtime/binary_graph.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;

// Two triangles sharing the edge 20-30, and a tail, in ids far from 0..n-1:
//
//        10
//       /  \.
//     20 -- 30 -- 50
//       \  /
//        40
constexpr const char* kTwoTriangles = "10 20\n10 30\n20 30\n20 40\n30 40\n30 50\n";

class MatchCliTest : public CliTest {
 protected:
  std::string graph() const { return files_.write("g.txt", kTwoTriangles).string(); }
};

TEST_F(MatchCliTest, CountPrintsTheCountAndJsonHasTheDocumentedFields) {
  const CliResult plain = run("count --graph " + graph() + " --pattern triangle");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "2\n");

  const CliResult result = run("count -g " + graph() + " -p 4-cycle --induced edge --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["count"].get<int>(), 1);
  EXPECT_EQ(json["pattern"], "4-cycle");
  EXPECT_EQ(json["induced"], "edge");
  EXPECT_EQ(json["counter"], "wedges");
  EXPECT_EQ(json["vertices"].get<int>(), 5);
  EXPECT_EQ(json["edges"].get<int>(), 6);
  for (const char* phase : {"load", "plan", "run"}) {
    EXPECT_TRUE(json["seconds"][phase].is_number()) << phase;
  }
  // The process's peak resident memory holds at least the graph.
  EXPECT_GE(json["peak_rss_bytes"].get<std::uint64_t>(), 6 * 2 * 4 + 6 * 8);
  EXPECT_EQ(json["per_rank"][0]["peak_rss_bytes"].get<std::uint64_t>() > 0, true);
  // The 4-cycle 10-20-40-30 has the chord 20-30: not vertex-induced.
  const CliResult induced = run("count -g " + graph() + " -p 4-cycle --induced vertex --json");
  const auto induced_json = nlohmann::json::parse(induced.out);
  EXPECT_EQ(induced_json["count"].get<int>(), 0);
  // From its supergraphs (the 4-cycle, the diamond and K4), each term names its counter.
  if (induced_json["supergraphs"].is_array()) {
    EXPECT_TRUE(induced_json["counter"].is_null());
    std::vector<std::string> counters;
    for (const auto& term : induced_json["supergraphs"])
      counters.push_back(term["counter"]);
    EXPECT_EQ(counters, (std::vector<std::string>{"wedges", "plan", "bitsets"}));
  } else {
    EXPECT_EQ(induced_json["counter"], "plan");
  }
  const CliResult triangle = run("count -g " + graph() + " -p triangle --json");
  EXPECT_EQ(nlohmann::json::parse(triangle.out)["counter"], "plan");
  const CliResult clique = run("count -g " + graph() + " -p 4-clique --json");
  EXPECT_EQ(nlohmann::json::parse(clique.out)["counter"], "bitsets");
  // The 4-cycle's explain says its count goes by wedges, and the stderr summary too.
  EXPECT_NE(run("explain -g " + graph() + " -p 4-cycle").out.find("counted by wedges instead"),
            std::string::npos);
  EXPECT_NE(run("count -g " + graph() + " -p 4-cycle").err.find("4-cycles by wedges"),
            std::string::npos);
}

TEST_F(MatchCliTest, AnOrientedGraphSaysItsCountsRunThePlans) {
  // K5 written oriented: the counters need undirected graphs, so every term runs its plan,
  // and --json says so both at the top and per term of a count from supergraphs.
  EdgeList k5;
  k5.num_vertices = 5;
  for (VertexId u = 0; u < 5; ++u)
    for (VertexId v = u + 1; v < 5; ++v)
      k5.edges.push_back({u, v});
  const auto path = files_.path() / "k5-oriented.gmg";
  write_binary_graph(orient_by_degree(build_graph(std::move(k5))), path);
  for (const char* pattern : {"4-cycle", "4-clique"}) {
    const CliResult direct = run("count -g " + path.string() + " -p " + pattern + " --json");
    ASSERT_EQ(direct.exit_code, 0) << direct.err;
    EXPECT_EQ(nlohmann::json::parse(direct.out)["counter"], "plan") << pattern;
    EXPECT_EQ(direct.err.find("by wedges"), std::string::npos) << direct.err;
    EXPECT_EQ(direct.err.find("bitset minigraphs"), std::string::npos) << direct.err;
  }
  const CliResult induced =
      run("count -g " + path.string() + " -p 4-cycle --induced vertex --prune cost --json");
  ASSERT_EQ(induced.exit_code, 0) << induced.err;
  const auto json = nlohmann::json::parse(induced.out);
  if (json["supergraphs"].is_array()) {
    for (const auto& term : json["supergraphs"])
      EXPECT_EQ(term["counter"], "plan") << term.dump();
  }
}

TEST_F(MatchCliTest, PatternsByMatrixEdgeListAndFileCountTheSame) {
  const std::string file = files_.write("wedge.pattern", "# a wedge\n0 1\n1 2\n").string();
  for (const std::string& spec :
       {std::string("wedge"), std::string("010101010"), std::string("0-1,1-2"), file}) {
    const CliResult result = run("count -g " + graph() + " -p " + spec + " --threads 1");
    ASSERT_EQ(result.exit_code, 0) << spec << ": " << result.err;
    // Wedges: sum over vertices of C(degree, 2) = 1 + 3 + 6 + 1 + 0 = 11.
    EXPECT_EQ(result.out, "11\n") << spec;
  }
}

TEST_F(MatchCliTest, ListWritesEachMatchInTheInputsIds) {
  const auto out = files_ / "triangles.txt";
  const CliResult result = run("list -g " + graph() + " -p triangle -o " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream listed(testing::read_file(out));
  std::set<std::set<int>> triangles;
  for (std::string line; std::getline(listed, line);) {
    std::istringstream ids(line);
    std::set<int> triangle;
    for (int id; ids >> id;)
      triangle.insert(id);
    triangles.insert(triangle);
  }
  EXPECT_EQ(triangles, (std::set<std::set<int>>{{10, 20, 30}, {20, 30, 40}}));

  const CliResult limited = run("list -g " + graph() + " -p wedge --limit 3");
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(lines(limited.out), 3);
}

// Runs graphmini on a pseudo-terminal, as a user at a terminal does, sends it SIGINT (Ctrl-C)
// as soon as `shown` appears in what it writes, and returns its exit code (-1 when `shown` never
// appeared) and everything it wrote.
CliResult interrupt_at(const std::string& shown, const std::vector<std::string>& arguments) {
  std::vector<char*> argv{const_cast<char*>(GRAPHMINI_CLI)};
  for (const std::string& argument : arguments)
    argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  int terminal = -1;
  const pid_t child = forkpty(&terminal, nullptr, nullptr, nullptr);
  if (child == 0) {
    ::execv(GRAPHMINI_CLI, argv.data());
    ::_exit(127);
  }
  EXPECT_GT(child, 0) << "forkpty failed";
  std::string output;
  bool interrupted = false;
  char buffer[4096];
  for (ssize_t n; (n = ::read(terminal, buffer, sizeof buffer)) > 0;) {
    output.append(buffer, static_cast<std::size_t>(n));
    if (!interrupted && output.find(shown) != std::string::npos) {
      ::kill(child, SIGINT);
      interrupted = true;
    }
  }
  ::close(terminal);
  int status = 0;
  ::waitpid(child, &status, 0);
  return {interrupted ? testing::exit_code(status) : -1, output, ""};
}

// A run of minutes (P7 on a Kronecker graph) shows progress on a terminal and stops at Ctrl-C
// with exit code 130, the progress line cleared and no output file left.
TEST_F(MatchCliTest, CtrlCStopsALongRunCleanlyAfterShowingProgress) {
  const CliResult counted =
      interrupt_at("% of the vertices", {"count", "-g", "kron:scale=16", "-p", "P7", "-t", "2"});
  EXPECT_EQ(counted.exit_code, 130) << counted.out;
  EXPECT_NE(counted.out.find("counting P7:"), std::string::npos) << counted.out;
  EXPECT_NE(counted.out.find("\r\033[K"), std::string::npos) << "progress line not cleared";
  EXPECT_NE(counted.out.find("interrupted"), std::string::npos) << counted.out;

  const auto listed = files_ / "matches.txt";
  const CliResult list = interrupt_at(
      "% of the vertices",
      {"list", "-g", "kron:scale=16", "-p", "P7", "--induced", "vertex", "-o", listed.string()});
  EXPECT_EQ(list.exit_code, 130) << list.out;
  EXPECT_FALSE(std::filesystem::exists(listed));
  EXPECT_TRUE(std::filesystem::is_empty(files_.path())) << "a temporary file was left behind";
}

// The steps before a run say what they do on a terminal once they take over half a second, and
// Ctrl-C stops them there: planning that takes seconds (pricing P7's supergraphs on a sample of
// a Kronecker graph's hubs), and loading a graph that is generated.
TEST_F(MatchCliTest, LongStepsBeforeTheRunShowAStatusLineAndCtrlCStopsThem) {
  const CliResult planned = interrupt_at(
      "planning P7, ", {"explain", "-g", "kron:scale=16", "-p", "P7", "--induced", "vertex"});
  EXPECT_EQ(planned.exit_code, 130) << planned.out;
  EXPECT_TRUE(std::regex_search(planned.out, std::regex("\rplanning P7, [0-9]+ s"))) << planned.out;
  EXPECT_NE(planned.out.find("\r\033[Kgraphmini: interrupted"), std::string::npos) << planned.out;
  EXPECT_EQ(planned.out.find("chosen plan"), std::string::npos) << "the plan was printed";

  // The steps of count show the same way: generating a graph of a million vertices.
  const CliResult loading =
      interrupt_at("loading kron:scale=20, ", {"count", "-g", "kron:scale=20", "-p", "triangle"});
  EXPECT_EQ(loading.exit_code, 130) << loading.out;
  EXPECT_NE(loading.out.find("\r\033[Kgraphmini: interrupted"), std::string::npos) << loading.out;
}

// Without a terminal there is no progress line: the output holds only the count.
TEST_F(MatchCliTest, NoProgressLineWhenStderrIsNotATerminal) {
  const CliResult result = run("count -g " + graph() + " -p triangle");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("% of the vertices"), std::string::npos) << result.err;
}

TEST_F(MatchCliTest, CompileWritesTheKernelSource) {
  const auto out = files_ / "p5.cc";
  const CliResult counting = run("compile -p P5 -o " + out.string());
  ASSERT_EQ(counting.exit_code, 0) << counting.err;
  const std::string code = testing::read_file(out);
  EXPECT_NE(code.find("#include \"runtime/kernel_abi.h\""), std::string::npos);
  EXPECT_NE(code.find("extern \"C\" u64 graphmini_kernel("), std::string::npos);
  EXPECT_NE(code.find("counted by inclusion-exclusion"), std::string::npos) << code;

  const CliResult listing = run("compile -p P5 --list -g " + graph());
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_NE(listing.out.find("rt->emit(task->host, match)"), std::string::npos) << listing.out;
  EXPECT_EQ(listing.out.find("inclusion-exclusion"), std::string::npos);

  const CliResult bad = run("compile -p 0-1,2-3 -o " + (files_ / "bad.cc").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(lines(bad.err), 1) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(files_ / "bad.cc"));
}

TEST_F(MatchCliTest, MotifsCountEveryConnectedPatternVertexInduced) {
  const CliResult result = run("motifs -g " + graph() + " --size 3 --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json["motifs"].size(), 2u);
  // Induced wedges = 11 wedges - 3 per triangle * 2 triangles.
  EXPECT_EQ(json["motifs"][0]["count"].get<int>(), 5);
  EXPECT_EQ(json["motifs"][1]["count"].get<int>(), 2);
}

TEST_F(MatchCliTest, ExplainShowsRestrictionsOrderAndAlternatives) {
  const CliResult result = run("explain -g " + graph() + " -p diamond");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* part : {"restrictions", "order", "estimated cost", "alternatives"}) {
    EXPECT_NE(result.out.find(part), std::string::npos) << part << " in\n" << result.out;
  }
}

// explain --analyze runs the query with a profiling kernel and reports each level beside its
// estimate: its count is count's, every vertex is bound once at level 0, and the engines
// (compiled kernel and interpreter) count the same iterations.
TEST_F(MatchCliTest, ExplainAnalyzeRunsTheQueryAndReportsEveryLevel) {
  const CliResult text = run("explain --analyze -g " + graph() + " -p triangle");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* part : {"chosen plan", "analyze: 2 matches", "est. iterations", "time: "})
    EXPECT_NE(text.out.find(part), std::string::npos) << part << " in\n" << text.out;

  for (const char* pattern : {"diamond", "4-cycle", "tailed-triangle"}) {
    const std::string query = " -g " + graph() + " -p " + pattern;
    const auto count = nlohmann::json::parse(run("count --json" + query).out);
    const CliResult compiled = run("explain --analyze --json" + query);
    const CliResult interpreted = run("explain --analyze --json --engine interp" + query);
    ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
    ASSERT_EQ(interpreted.exit_code, 0) << interpreted.err;
    const auto a = nlohmann::json::parse(compiled.out);
    const auto b = nlohmann::json::parse(interpreted.out);
    EXPECT_EQ(a["count"], count["count"]) << pattern;
    EXPECT_EQ(b["count"], count["count"]) << pattern;
    ASSERT_EQ(a["levels"].size(), 4u) << pattern;
    EXPECT_EQ(a["levels"][0]["iterations"].get<int>(), 5) << pattern;
    for (std::size_t l = 0; l < a["levels"].size(); ++l) {
      EXPECT_EQ(a["levels"][l]["iterations"], b["levels"][l]["iterations"]) << pattern << l;
      EXPECT_TRUE(a["levels"][l]["estimated_iterations"].is_number()) << pattern << l;
    }
    EXPECT_TRUE(a["plan"].get<std::string>().find("order") != std::string::npos);
    EXPECT_TRUE(a["samples"]["interval_seconds"].is_number());
  }
  const CliResult without = run("explain --json -g " + graph() + " -p triangle");
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_NE(without.err.find("--analyze"), std::string::npos) << without.err;
}

// Vertex-induced counts from the edge-induced counts of supergraphs (--supergraphs): the
// same counts, and count, explain, motifs and verify say how they were made. The graph's two
// tailed triangles are {10,20,30,50} and {20,30,40,50}; its induced wedges 11 - 3 * 2.
TEST_F(MatchCliTest, CountsFromSupergraphsAreTheSameAndSaySo) {
  for (const auto& [pattern, expected] :
       std::vector<std::pair<std::string, int>>{{"wedge", 5}, {"tailed-triangle", 2}}) {
    const std::string query = " -g " + graph() + " -p " + pattern + " --induced vertex";
    for (const char* engine : {"interp", "jit"}) {
      const CliResult summed =
          run("count --json --supergraphs always --engine " + std::string(engine) + query);
      if (std::string(engine) == "jit" && summed.exit_code == 2) continue;  // no JIT here
      ASSERT_EQ(summed.exit_code, 0) << summed.err;
      const auto json = nlohmann::json::parse(summed.out);
      EXPECT_EQ(json["count"].get<int>(), expected) << pattern << " " << engine;
      ASSERT_TRUE(json["supergraphs"].is_array()) << summed.out;
      EXPECT_EQ(json["supergraphs"][0]["coefficient"].get<int>(), 1);
      EXPECT_GT(json["supergraphs"].size(), 1u);
    }
    const CliResult direct = run("count --json --supergraphs never --engine interp" + query);
    ASSERT_EQ(direct.exit_code, 0) << direct.err;
    EXPECT_EQ(nlohmann::json::parse(direct.out)["count"].get<int>(), expected);
    EXPECT_TRUE(nlohmann::json::parse(direct.out)["supergraphs"].is_null());
  }
  const std::string wedges = " -g " + graph() + " -p wedge --induced vertex --supergraphs always";
  const CliResult text = run("count --engine interp" + wedges);
  EXPECT_EQ(text.out, "5\n");
  EXPECT_NE(text.err.find("from 2 edge-induced counts of supergraphs"), std::string::npos)
      << text.err;

  const CliResult plan = run("explain --engine interp" + wedges);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  for (const char* part : {"counted from its supergraphs", "term 1: +1 x", "term 2: -3 x"})
    EXPECT_NE(plan.out.find(part), std::string::npos) << part << " in\n" << plan.out;

  // By default a sample of the graph decides (here every level-1 candidate: the graph is
  // small), and explain says what it measured.
  const CliResult decided =
      run("explain --engine interp -g " + graph() + " -p tailed-triangle --induced vertex");
  ASSERT_EQ(decided.exit_code, 0) << decided.err;
  EXPECT_NE(decided.out.find("measured on a sample of "), std::string::npos) << decided.out;
  EXPECT_NE(decided.out.find(" level-1 candidates, which decides: cost "), std::string::npos)
      << decided.out;
  const CliResult decided_json = run("explain --analyze --json --engine interp -g " + graph() +
                                     " -p tailed-triangle --induced vertex");
  ASSERT_EQ(decided_json.exit_code, 0) << decided_json.err;
  const auto costs = nlohmann::json::parse(decided_json.out)["sampled_costs"];
  const auto counted = nlohmann::json::parse(decided_json.out);
  // Every level-1 candidate of the graph, one per edge end; the tailed triangle's terms are
  // itself, the diamond and the 4-clique.
  EXPECT_EQ(costs["candidates"].get<std::uint64_t>(), 2 * counted["edges"].get<std::uint64_t>());
  EXPECT_EQ(costs["terms"].get<int>(), 3);
  EXPECT_EQ(counted["supergraphs"].get<bool>(),
            costs["terms_priced"].get<int>() == 3 &&
                costs["supergraphs"].get<double>() < costs["direct"].get<double>());

  const CliResult analyzed = run("explain --analyze --json --engine interp" + wedges);
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.err;
  const auto analysis = nlohmann::json::parse(analyzed.out);
  EXPECT_EQ(analysis["count"].get<int>(), 5);
  EXPECT_TRUE(analysis["supergraphs"].get<bool>());
  ASSERT_EQ(analysis["terms"].size(), 2u);
  // 11 wedges and 2 triangles, each found by its own profiled run.
  EXPECT_EQ(analysis["terms"][0]["count"].get<int>(), 11);
  EXPECT_EQ(analysis["terms"][1]["count"].get<int>(), 2);
  EXPECT_EQ(analysis["terms"][1]["coefficient"].get<int>(), -3);
  EXPECT_EQ(analysis["terms"][1]["levels"][0]["iterations"].get<int>(), 5);

  const CliResult motifs =
      run("motifs --size 4 --json --engine interp --supergraphs always -g " + graph());
  const CliResult motifs_direct =
      run("motifs --size 4 --json --engine interp --supergraphs never -g " + graph());
  ASSERT_EQ(motifs.exit_code, 0) << motifs.err;
  EXPECT_EQ(nlohmann::json::parse(motifs.out)["motifs"],
            nlohmann::json::parse(motifs_direct.out)["motifs"]);

  const CliResult verified =
      run("verify -g " + graph() + " -p tailed-triangle --induced vertex --supergraphs always");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // Refused, with one line: an unknown mode, and a pattern with more non-edges than the sum
  // takes (a 7-path has 15).
  for (const std::string& arguments :
       {"count -g " + graph() + " -p wedge --supergraphs sometimes",
        "count -g " + graph() +
            " -p 0-1,1-2,2-3,3-4,4-5,5-6 --induced vertex --supergraphs "
            "always"}) {
    const CliResult refused = run(arguments);
    EXPECT_EQ(refused.exit_code, 2) << arguments << "\n" << refused.err;
    EXPECT_EQ(lines(refused.err), 1) << refused.err;
  }
}

TEST_F(MatchCliTest, VerifyAgreesWithVf2) {
  const CliResult result = run("verify -g " + graph() + " -p tailed-triangle --induced vertex");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("agree"), std::string::npos) << result.out;
}

TEST_F(MatchCliTest, BadPatternsAndGraphsFailWithOneLine) {
  const struct {
    std::string arguments;
    int exit_code;
    const char* phrase;
  } cases[] = {
      {"count -g " + graph() + " -p 0-1,2-3", 2, "not connected"},
      {"count -g " + graph() + " -p 0100", 2, "symmetric"},
      {"count -g " + graph() + " -p nonsense", 2, "names:"},
      {"count -g " + graph() + " -p 0-1,1-2,2-3,3-4,4-5,5-6,6-7,7-8,8-9,9-10", 2, "at most 10"},
      {"count -g " + graph() + " -p triangle --induced both", 2, "induced"},
      {"count -g " + (files_ / "absent.txt").string() + " -p triangle", 1, "absent.txt"},
      {"count -g " + files_.write("bad.txt", "1 2\n3\n").string() + " -p triangle", 1, "bad.txt:2"},
      {"count -p triangle", 2, "--graph"},
  };
  for (const auto& c : cases) {
    const CliResult result = run(c.arguments);
    EXPECT_EQ(result.exit_code, c.exit_code) << c.arguments << "\n" << result.err;
    EXPECT_EQ(lines(result.err), 1) << c.arguments << "\n" << result.err;
    EXPECT_NE(result.err.find(c.phrase), std::string::npos) << c.arguments << "\n" << result.err;
    EXPECT_TRUE(result.out.empty()) << c.arguments;
  }
}

TEST_F(MatchCliTest, LabelledPatternOnUnlabelledGraphIsAUsageError) {
  const std::string pattern =
      files_.write("labelled.pattern", "0 1\n1 2\n2 0\nv 0 1\nv 1 1\nv 2 2\n").string();
  const CliResult result = run("count -g " + graph() + " -p " + pattern);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("labels"), std::string::npos) << result.err;
}

TEST_F(MatchCliTest, WikiVoteTriangles) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const CliResult result = run("count -g " + (datasets / "graphs" / "wiki-Vote.txt.gz").string() +
                               " -p triangle --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["count"].get<std::uint64_t>(), 608389u);
}

}  // namespace
}  // namespace graphmini
