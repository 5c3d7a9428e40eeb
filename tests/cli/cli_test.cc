// The graphmini command as a user meets it: exit codes, one-line errors, --json output, and
// the data commands end to end. The binary under test is this build's graphmini (GRAPHMINI_CLI).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "runtime/binary_graph.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::CliResult;
using testing::CliTest;
using testing::ScratchDir;

// A triangle with a tail and a duplicate, reversed pair:
//
//   10 --- 20
//     \   /
//      30 --- 40
constexpr const char* kTailedTriangle =
    "# a tailed triangle\n10\t20\n20\t30\n30\t10\n30\t40\n40\t30\n";

TEST_F(CliTest, HelpAndVersionSucceed) {
  const CliResult help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("data"), std::string::npos);
  const CliResult data_help = run("data info --help");
  EXPECT_EQ(data_help.exit_code, 0);
  EXPECT_NE(data_help.out.find("--json"), std::string::npos);
  const CliResult version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("graphmini ", 0), 0u) << version.out;
}

TEST_F(CliTest, UsageErrorsExitWithTwoAndOneLine) {
  for (const char* arguments : {"", "frobnicate", "data", "data info", "data info --bogus x",
                                "data generate kron", "data generate kron --scale x -o g.gmg"}) {
    const CliResult result = run(arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments;
    EXPECT_EQ(lines(result.err), 1) << arguments << ": " << result.err;
    EXPECT_EQ(result.err.rfind("graphmini: error: ", 0), 0u) << result.err;
  }
}

TEST_F(CliTest, InfoReportsCountsAsJson) {
  const auto graph = files_.write("tailed.txt", kTailedTriangle);
  const CliResult result = run("data info " + graph.string() + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto info = nlohmann::json::parse(result.out);
  EXPECT_EQ(info["vertices"].get<int>(), 4);
  EXPECT_EQ(info["edges"].get<int>(), 4);
  EXPECT_EQ(info["degree"]["min"].get<int>(), 1);
  EXPECT_EQ(info["degree"]["max"].get<int>(), 3);
  EXPECT_DOUBLE_EQ(info["degree"]["mean"].get<double>(), 2.0);
  EXPECT_EQ(info["format"], "edge-list");
  EXPECT_EQ(info["labels"].get<int>(), 0);
}

TEST_F(CliTest, InfoPrintsReadableText) {
  const auto graph = files_.write("tailed.txt", kTailedTriangle);
  const CliResult result = run("data info " + graph.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("vertices    4\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("edges       4 (undirected)\n"), std::string::npos) << result.out;
}

TEST_F(CliTest, BadInputFailsWithOneLineNamingTheFileAndLine) {
  const auto bad = files_.write("bad.txt", "1 2\n3 x\n");
  const CliResult result = run("data info " + bad.string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find(bad.string() + ":2:"), std::string::npos) << result.err;

  const CliResult missing = run("data info " + (files_ / "absent.txt").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(lines(missing.err), 1);
  EXPECT_NE(missing.err.find("absent.txt"), std::string::npos) << missing.err;
}

TEST_F(CliTest, ConvertRoundTripsThroughTheBinaryFormat) {
  const auto text = files_.write("tailed.txt", kTailedTriangle);
  const auto binary = files_ / "tailed.gmg";
  ASSERT_EQ(run("data convert " + text.string() + " " + binary.string()).exit_code, 0);
  const auto back = files_ / "back.txt";
  ASSERT_EQ(run("data convert " + binary.string() + " " + back.string()).exit_code, 0);
  const auto info = nlohmann::json::parse(run("data info --json " + back.string()).out);
  EXPECT_EQ(info["vertices"].get<int>(), 4);
  EXPECT_EQ(info["edges"].get<int>(), 4);
  // The edge list is written in the input's vertex ids.
  EXPECT_NE(testing::read_file(back).find("30\t40"), std::string::npos);
}

// A .gmg written in degree order counts and lists as the input does, in the input's ids; its
// vertices are numbered by ascending degree, as the matching commands number them.
TEST_F(CliTest, GraphsWrittenInDegreeOrderCountAndListInTheInputsIds) {
  const auto text = files_.write("tailed.txt", kTailedTriangle);
  const auto plain = files_ / "plain.gmg", ordered = files_ / "ordered.gmg";
  const auto generated = files_ / "generated.gmg";
  ASSERT_EQ(run("data convert " + text.string() + " " + plain.string()).exit_code, 0);
  ASSERT_EQ(run("data convert --degree-order " + text.string() + " " + ordered.string()).exit_code,
            0);
  ASSERT_EQ(run("data generate kron --scale 9 --degree-order -o " + generated.string()).exit_code,
            0);
  // Each match's ids sorted, then the matches: the same subgraphs whatever the numbering.
  const auto matches = [&](const std::filesystem::path& graph, const char* pattern) {
    std::istringstream lines(
        run("list --engine interp -g " + graph.string() + " -p " + pattern).out);
    std::vector<std::string> sorted;
    for (std::string line; std::getline(lines, line);) {
      std::istringstream ids(line);
      std::vector<std::uint64_t> match{std::istream_iterator<std::uint64_t>(ids), {}};
      std::sort(match.begin(), match.end());
      std::string key;
      for (const std::uint64_t id : match)
        key += std::to_string(id) + " ";
      sorted.push_back(key);
    }
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  };
  for (const char* pattern : {"triangle", "wedge"})
    EXPECT_EQ(matches(ordered, pattern), matches(text, pattern)) << pattern;
  EXPECT_EQ(matches(ordered, "triangle"), std::vector<std::string>{"10 20 30 "});
  const auto edges = files_ / "ordered.txt";
  ASSERT_EQ(run("data convert " + ordered.string() + " " + edges.string()).exit_code, 0);
  EXPECT_NE(testing::read_file(edges).find("40\t30"), std::string::npos);  // lower new id first
  const auto kron =
      nlohmann::json::parse(run("count --json -g kron:scale=9 -p 4-clique").out)["count"];
  EXPECT_EQ(nlohmann::json::parse(
                run("count --json -g " + generated.string() + " -p 4-clique").out)["count"],
            kron);
  // The ordered file is in ascending degree order: its degrees do not decrease with the id.
  const Graph graph = map_binary_graph(generated);
  for (VertexId v = 1; v < graph.num_vertices(); ++v)
    ASSERT_LE(graph.degree(v - 1), graph.degree(v)) << v;
}

TEST_F(CliTest, ConvertLeavesNothingBehindOnFailure) {
  const auto text = files_.write("tailed.txt", kTailedTriangle);
  const CliResult unknown =
      run("data convert " + text.string() + " " + (files_ / "out.xyz").string());
  EXPECT_EQ(unknown.exit_code, 2);
  const CliResult no_folder =
      run("data convert " + text.string() + " " + (files_ / "no/such/dir/out.gmg").string());
  EXPECT_EQ(no_folder.exit_code, 1);
  EXPECT_EQ(lines(no_folder.err), 1);
  EXPECT_EQ(testing::count_files(files_.path()), 1u);  // only the input
}

TEST_F(CliTest, GenerateIsDeterministicForASeed) {
  const auto first = files_ / "a.gmg", second = files_ / "b.gmg";
  ASSERT_EQ(
      run("data generate kron --scale 10 --edge-factor 8 --seed 7 -o " + first.string()).exit_code,
      0);
  ASSERT_EQ(
      run("data generate kron --scale 10 --edge-factor 8 --seed 7 -o " + second.string()).exit_code,
      0);
  EXPECT_EQ(testing::read_file(first), testing::read_file(second));
  const auto info = nlohmann::json::parse(run("data info --json " + first.string()).out);
  EXPECT_EQ(info["vertices"].get<int>(), 1024);
  EXPECT_EQ(info["format"], "gmg");
}

TEST_F(CliTest, GeneratorSpecsWorkWhereverAGraphDoes) {
  const CliResult result = run("data info --json er:vertices=50,edges=100,seed=3");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto info = nlohmann::json::parse(result.out);
  EXPECT_EQ(info["vertices"].get<int>(), 50);
  EXPECT_EQ(info["edges"].get<int>(), 100);
  EXPECT_EQ(run("data info er:vertices=50,edge=100").exit_code, 2);  // unknown parameter
  EXPECT_EQ(run("data info kron:scale=40").exit_code, 2);            // impossible value
}

TEST_F(CliTest, CsbmWritesADatasetFolderThatReadsBack) {
  const auto folder = files_ / "csbm";
  const CliResult generated =
      run("data generate csbm --nodes 200 --classes 4 --features 8 --avg-degree 6 -o " +
          folder.string());
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const CliResult result = run("data info --json " + folder.string());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto info = nlohmann::json::parse(result.out);
  EXPECT_EQ(info["vertices"].get<int>(), 200);
  EXPECT_EQ(info["node_data"]["features"]["count"].get<int>(), 8);
  EXPECT_EQ(info["node_data"]["classes"].get<int>(), 4);
  EXPECT_EQ(info["format"], "ogb");
}

TEST_F(CliTest, WikiVoteHasThePublishedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const CliResult result =
      run("data info " + (datasets / "graphs/wiki-Vote.txt.gz").string() + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto info = nlohmann::json::parse(result.out);
  EXPECT_EQ(info["vertices"].get<int>(), 7115);
  EXPECT_EQ(info["edges"].get<int>(), 100762);
}

}  // namespace
}  // namespace graphmini
