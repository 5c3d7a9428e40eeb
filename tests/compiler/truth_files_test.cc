// Peregrine's truth files: the reader on small fixtures (good and malformed lines), the shared
// files themselves (entry counts, every entry a pattern, the two semantics listing the same
// patterns, and an identity between their counts), and the reference counters against the
// published citeseer counts for 4-vertex patterns.
#include "support/truth_files.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "compiler/pattern.h"
#include "compiler/reference_count.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/pattern_graph.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::graph_of;
using testing::Malformed;
using testing::read_truth_file;
using testing::ScratchDir;
using testing::TruthEntry;

std::vector<std::pair<std::string, std::uint64_t>> as_pairs(
    const std::vector<TruthEntry>& entries) {
  std::vector<std::pair<std::string, std::uint64_t>> pairs;
  for (const TruthEntry& entry : entries)
    pairs.emplace_back(entry.edge_list, entry.count);
  return pairs;
}

using Pairs = std::vector<std::pair<std::string, std::uint64_t>>;

// --- the reader on fixtures -----------------------------------------------------------------

TEST(ReadTruthFile, ReadsEdgeInducedAndVertexInducedLines) {
  const ScratchDir scratch;
  const auto path = scratch.write("truth.txt",
                                  "[2-3][1-2][1-4] 185589\n"
                                  "[2-3][1-2][1-4](3~4)(2~4)(1~3) 111153\n"
                                  "\n"
                                  "[3-4][2-3][2-4][1-2][1-3][1-4]\t255\r\n"
                                  "[1-2] 18446744073709551615  \n");
  EXPECT_EQ(as_pairs(read_truth_file(path)), (Pairs{{"1-2,0-1,0-3", 185589},
                                                    {"1-2,0-1,0-3", 111153},
                                                    {"2-3,1-2,1-3,0-1,0-2,0-3", 255},
                                                    {"0-1", 18446744073709551615ull}}));
}

TEST(ReadTruthFile, EmptyFileHasNoEntries) {
  const ScratchDir scratch;
  EXPECT_TRUE(read_truth_file(scratch.write("empty.txt", "")).empty());
}

TEST(ReadTruthFile, MissingFileIsAnIoError) {
  const ScratchDir scratch;
  EXPECT_THROW(read_truth_file(scratch / "missing.txt"), IoError);
}

class ReadTruthFileMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(ReadTruthFileMalformed, NamesFileLineAndProblem) {
  const Malformed& malformed = GetParam();
  const ScratchDir scratch;
  const auto path = scratch.write("truth.txt", malformed.text);
  testing::expect_parse_error([&] { read_truth_file(path); }, path, malformed.line,
                              {malformed.phrase});
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ReadTruthFileMalformed,
    ::testing::Values(
        Malformed{"NoCount", "[1-2][2-3]\n", 1, "expected a blank and the count"},
        Malformed{"CountNotANumber", "[1-2] x\n", 1, "expected a count"},
        Malformed{"CountOverflows", "[1-2] 18446744073709551616\n", 1, "count out of range"},
        Malformed{"TextAfterCount", "[1-2] 5\n[1-2] 5 6\n", 2, "unexpected text after the count"},
        Malformed{"NoEdges", "[1-2] 1\n 5\n", 2, "expected a pattern edge"},
        Malformed{"OnlyNonEdges", "(1~2) 5\n", 1, "expected a pattern edge"},
        Malformed{"VertexZero", "[0-1] 5\n", 1, "vertex 0"},
        Malformed{"SelfLoop", "[1-2][2-2] 5\n", 1, "self-loop [2-2]"},
        Malformed{"RepeatedEdge", "[1-2][2-1] 5\n", 1, "pair [2-1] listed twice"},
        Malformed{"EdgeAlsoNonEdge", "[1-2][2-3](1~2) 5\n", 1, "pair (1~2) listed twice"},
        Malformed{"UnclosedEdge", "[1-2 5\n", 1, "expected ']'"},
        Malformed{"WrongSeparator", "[1~2] 5\n", 1, "expected '-'"},
        Malformed{"MissingVertex", "[1-2][2-4] 5\n", 1, "exactly 1..4"},
        Malformed{"PartialNonEdges", "[1-2][2-3][3-4](1~3) 5\n", 1, "unlisted"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return info.param.name; });

// --- the shared truth files -----------------------------------------------------------------

struct TruthFamily {
  int size;
  const char* vertex_induced;
  const char* edge_induced;
  std::size_t patterns;  // connected graphs on `size` vertices
};

const std::vector<TruthFamily> kFamilies = {{4, "4m.txt", "4m-edge.txt", 6},
                                            {5, "5m.txt", "5m-edge.txt", 21},
                                            {6, "6m.txt", "6m-edge.txt", 112}};

std::vector<Pattern> patterns_of(const std::vector<TruthEntry>& entries) {
  std::vector<Pattern> patterns;
  for (const TruthEntry& entry : entries)
    patterns.push_back(parse_pattern(entry.edge_list));
  return patterns;
}

TEST(SharedTruthFiles, ListEveryConnectedPatternInBothSemantics) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const auto truth = datasets / "graphs" / "citeseer-labeled" / "truth";
  for (const TruthFamily& family : kFamilies) {
    SCOPED_TRACE(family.vertex_induced);
    const auto vertex_entries = read_truth_file(truth / family.vertex_induced);
    const auto edge_entries = read_truth_file(truth / family.edge_induced);
    ASSERT_EQ(vertex_entries.size(), family.patterns);
    ASSERT_EQ(edge_entries.size(), family.patterns);
    const std::vector<Pattern> vertex_patterns = patterns_of(vertex_entries);
    const std::vector<Pattern> edge_patterns = patterns_of(edge_entries);
    for (std::size_t i = 0; i < family.patterns; ++i) {
      EXPECT_EQ(vertex_patterns[i].size(), family.size) << vertex_entries[i].edge_list;
      // Line i of both files is the same pattern, and no pattern appears twice.
      EXPECT_TRUE(isomorphic(vertex_patterns[i], edge_patterns[i]))
          << vertex_entries[i].edge_list << " vs " << edge_entries[i].edge_list;
      for (std::size_t j = 0; j < i; ++j) {
        EXPECT_FALSE(isomorphic(vertex_patterns[i], vertex_patterns[j]))
            << vertex_entries[i].edge_list << " repeats " << vertex_entries[j].edge_list;
      }
    }
  }
}

// Every edge-induced copy of P spans k vertices whose induced subgraph Q contains P as a
// spanning subgraph, so edge_count(P) = sum over Q of vertex_count(Q) * (copies of P in Q).
// This ties the two files of each size to each other without touching the graph.
TEST(SharedTruthFiles, EdgeInducedCountsAreSumsOfVertexInducedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const auto truth = datasets / "graphs" / "citeseer-labeled" / "truth";
  for (const TruthFamily& family : kFamilies) {
    SCOPED_TRACE(family.edge_induced);
    const auto vertex_entries = read_truth_file(truth / family.vertex_induced);
    const auto edge_entries = read_truth_file(truth / family.edge_induced);
    std::vector<Graph> vertex_graphs;
    for (const Pattern& q : patterns_of(vertex_entries))
      vertex_graphs.push_back(graph_of(q));
    for (const TruthEntry& edge_entry : edge_entries) {
      const Pattern p = parse_pattern(edge_entry.edge_list);
      std::uint64_t sum = 0;
      for (std::size_t q = 0; q < vertex_entries.size(); ++q)
        sum += vertex_entries[q].count * brute_force_count(vertex_graphs[q], p, Induced::edge);
      EXPECT_EQ(sum, edge_entry.count) << edge_entry.edge_list;
    }
  }
}

// --- the reference counters against the published citeseer counts ---------------------------

// The truth counts are for the structure of citeseer.lg; its vertex labels are dropped.
Graph citeseer_structure(const std::filesystem::path& shared) {
  const Graph labelled =
      datasets::open_graph((shared / "graphs" / "citeseer-labeled" / "citeseer.lg").string());
  const auto offsets = labelled.offsets();
  const auto adjacency = labelled.adjacency();
  return Graph({offsets.begin(), offsets.end()}, {adjacency.begin(), adjacency.end()},
               labelled.orientation());
}

template <typename Count>
void expect_truth(const std::filesystem::path& shared, const char* file, Induced induced,
                  const Count& count, const char* counter) {
  const Graph graph = citeseer_structure(shared);
  ASSERT_EQ(graph.num_vertices(), 3264u);
  ASSERT_EQ(graph.num_edges(), 4536u);
  const auto entries = read_truth_file(shared / "graphs" / "citeseer-labeled" / "truth" / file);
  ASSERT_EQ(entries.size(), 6u);
  const auto start = std::chrono::steady_clock::now();
  for (const TruthEntry& entry : entries) {
    EXPECT_EQ(count(graph, parse_pattern(entry.edge_list), induced), entry.count)
        << file << ": " << entry.edge_list;
  }
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
  std::cout << counter << " on citeseer, " << file << ": " << seconds.count() << " s\n";
}

TEST(CiteseerTruth, Vf2MatchesFourVertexEdgeInducedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  expect_truth(datasets, "4m-edge.txt", Induced::edge, vf2_count, "vf2_count");
}

TEST(CiteseerTruth, Vf2MatchesFourVertexVertexInducedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  expect_truth(datasets, "4m.txt", Induced::vertex, vf2_count, "vf2_count");
}

TEST(CiteseerTruth, BruteForceMatchesFourVertexEdgeInducedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  expect_truth(datasets, "4m-edge.txt", Induced::edge, brute_force_count, "brute_force_count");
}

TEST(CiteseerTruth, BruteForceMatchesFourVertexVertexInducedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  expect_truth(datasets, "4m.txt", Induced::vertex, brute_force_count, "brute_force_count");
}

}  // namespace
}  // namespace graphmini
