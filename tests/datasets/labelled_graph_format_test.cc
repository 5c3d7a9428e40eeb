#include "datasets/labelled_graph_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

using graphmini::testing::neighbours_of;
using graphmini::testing::original_ids_of;
using graphmini::testing::ScratchDir;

std::vector<Label> labels_of(const Graph& graph) {
  const auto labels = graph.labels();
  return {labels.begin(), labels.end()};
}

// Vertex (label):
//
//   0 (1) ---- 1 (2)
//       \     /
//        2 (1) ---- 3 (3)          4 (2) has no edge and is dropped
//
// with a float edge label as in Peregrine's citeseer.lg, an integer one, a self-loop and a
// repeated edge.
constexpr const char* kLabelledDiamond =
    "t # 0\n"
    "v 0 1\n"
    "v 1 2\n"
    "v 2 1\n"
    "v 3 3\n"
    "v 4 2\n"
    "e 0 1\n"
    "e 1 2 7\n"
    "e 2 0 83.80817098475258\n"
    "e 2 3\n"
    "e 3 3\n"
    "e 1 0\n";

void expect_labelled_diamond(const Graph& graph) {
  ASSERT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(graph.num_edges(), 4u);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1, 2}));
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2}));
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{0, 1, 3}));
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{2}));
  ASSERT_TRUE(graph.has_labels());
  EXPECT_EQ(labels_of(graph), (std::vector<Label>{1, 2, 1, 3}));
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{0, 1, 2, 3}));
}

TEST(ReadLabelledGraph, ReadsVerticesLabelsAndEdgesIgnoringEdgeLabels) {
  ScratchDir dir;
  expect_labelled_diamond(read_labelled_graph(dir.write("diamond.lg", kLabelledDiamond)));
}

TEST(ReadLabelledGraph, GzipReadsTheSame) {
  ScratchDir dir;
  expect_labelled_diamond(read_labelled_graph(dir.write_gzip("diamond.lg.gz", kLabelledDiamond)));
}

TEST(ReadLabelledGraph, HeaderIsOptionalAndBlankLinesAndCrlfAreFine) {
  ScratchDir dir;
  expect_labelled_diamond(
      read_labelled_graph(dir.write("diamond.lg",
                                    "v 0 1\r\nv 1 2\r\n\r\nv 2 1\nv 3 3\nv 4 2\n"
                                    "e 0 1\ne 1 2\ne 2 0\r\ne 2 3\n  \n")));
}

TEST(ReadLabelledGraph, DroppedVerticesTakeTheirLabelsAndIdsAlong) {
  // 0 (5)   1 (6) ---- 2 (7)   3 (8) ---- 4 (9): vertex 0 has no edge, so the graph is
  // 1 - 2, 3 - 4 with labels 6, 7, 8, 9.
  ScratchDir dir;
  const Graph graph =
      read_labelled_graph(dir.write("two.lg", "v 0 5\nv 1 6\nv 2 7\nv 3 8\nv 4 9\ne 1 2\ne 4 3\n"));
  ASSERT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(labels_of(graph), (std::vector<Label>{6, 7, 8, 9}));
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{2}));
}

TEST(ReadLabelledGraph, VerticesMayComeInAnyOrderAndAfterTheEdges) {
  // 5 (1) ---- 7 (0)
  ScratchDir dir;
  const Graph graph = read_labelled_graph(dir.write("late.lg", "e 5 7\nv 7 0\nv 5 1\n"));
  ASSERT_EQ(graph.num_vertices(), 2u);
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{5, 7}));
  EXPECT_EQ(labels_of(graph), (std::vector<Label>{1, 0}));
  EXPECT_EQ(graph.num_edges(), 1u);
}

TEST(ReadLabelledGraph, EmptyFileGivesAnEmptyGraph) {
  ScratchDir dir;
  const Graph graph = read_labelled_graph(dir.write("empty.lg", "t # 0\n"));
  EXPECT_EQ(graph.num_vertices(), 0u);
  EXPECT_EQ(graph.num_edges(), 0u);
}

TEST(ReadLabelledGraph, MissingFileIsAnIoError) {
  ScratchDir dir;
  EXPECT_THROW(read_labelled_graph(dir / "absent.lg"), IoError);
}

// Malformed input -------------------------------------------------------------------------

class ReadLabelledGraphRejects : public ::testing::TestWithParam<testing::Malformed> {};

TEST_P(ReadLabelledGraphRejects, WithFileAndLine) {
  const testing::Malformed& input = GetParam();
  ScratchDir dir;
  const auto path = dir.write("bad.lg", input.text);
  testing::expect_parse_error([&] { read_labelled_graph(path); }, path, input.line, {input.phrase});
}

INSTANTIATE_TEST_SUITE_P(
    LabelledGraphErrors, ReadLabelledGraphRejects,
    ::testing::Values(
        testing::Malformed{"EdgeToAnUndeclaredVertex", "v 0 1\nv 1 1\ne 0 1\ne 1 2\ne 2 9\n", 4,
                           "vertex 2"},
        testing::Malformed{"VertexDeclaredTwice", "v 0 1\nv 1 1\nv 0 2\ne 0 1\n", 3,
                           "vertex 0 declared twice (first on line 1)"},
        testing::Malformed{"FirstRepeatInFileOrderIsReported", "v 5 1\nv 3 1\nv 3 1\nv 5 1\n", 3,
                           "vertex 3 declared twice (first on line 2)"},
        testing::Malformed{"SecondGraphHeader", "t # 0\nv 0 1\nt # 1\nv 0 1\n", 3, "one graph"},
        testing::Malformed{"TwoHeadersInARow", "t # 0\nt # 1\n", 2, "the first is on line 1"},
        testing::Malformed{"BadHeader", "t 0\n", 1, "t # <number>"},
        testing::Malformed{"UnknownLineType", "v 0 1\nx 0 1\n", 2, "'x'"},
        testing::Malformed{"CommentLine", "# a comment\n", 1, "'#'"},
        testing::Malformed{"VertexWithoutLabel", "v 0 1\nv 1\n", 2, "vertex label"},
        testing::Malformed{"WordForLabel", "v 0 red\n", 1, "'red'"},
        testing::Malformed{"NegativeLabel", "v 0 -1\n", 1, "'-1'"},
        testing::Malformed{"LabelOfMoreThan32Bits", "v 0 4294967296\n", 1, "'4294967296'"},
        testing::Malformed{"VertexIdTooLarge", "v 99999999999999999999 1\n", 1, "too large"},
        testing::Malformed{"TokenAfterTheLabel", "v 0 1 2\n", 1, "'2'"},
        testing::Malformed{"EdgeWithOneEndpoint", "v 0 1\ne 0\n", 2, "vertex id"},
        testing::Malformed{"WordForEndpoint", "v 0 1\nv 1 1\ne 0 b\n", 3, "'b'"},
        testing::Malformed{"TwoTokensAfterTheEndpoints", "v 0 1\nv 1 1\ne 0 1 5 6\n", 3, "'6'"}),
    [](const ::testing::TestParamInfo<testing::Malformed>& info) { return info.param.name; });

TEST(ReadLabelledGraph, UndeclaredVertexFarIntoALargeFileNamesItsLine) {
  // 1000 vertices on a cycle, then an edge to vertex 1000 on line 1000 + 1000 + 1.
  ScratchDir dir;
  std::string text;
  for (int v = 0; v < 1000; ++v)
    text += "v " + std::to_string(v) + " " + std::to_string(v % 3) + "\n";
  for (int v = 0; v < 1000; ++v)
    text += "e " + std::to_string(v) + " " + std::to_string((v + 1) % 1000) + "\n";
  text += "e 17 1000\n";
  try {
    read_labelled_graph(dir.write_gzip("cycle.lg.gz", text));
    FAIL() << "an undeclared vertex was accepted";
  } catch (const ParseError& error) {
    EXPECT_EQ(error.line(), 2001u) << error.what();
  }
}

// The real file -----------------------------------------------------------------------------

TEST(ReadLabelledGraph, PeregrinesCiteseerHasThePublishedCounts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const Graph graph = read_labelled_graph(datasets / "graphs" / "citeseer-labeled" / "citeseer.lg");
  // ../shared/datasets/README.md: 3,264 vertices with an edge, 4,536 edges, 6 vertex labels.
  EXPECT_EQ(graph.num_vertices(), 3264u);
  EXPECT_EQ(graph.num_edges(), 4536u);
  ASSERT_TRUE(graph.has_labels());
  const std::set<Label> distinct(graph.labels().begin(), graph.labels().end());
  EXPECT_EQ(distinct.size(), 6u);
  graph.validate();
}

}  // namespace
}  // namespace graphmini::datasets
