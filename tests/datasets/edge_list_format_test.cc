#include "datasets/edge_list_format.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

using graphmini::testing::expect_same_graph;
using graphmini::testing::neighbours_of;
using graphmini::testing::ScratchDir;

// The undirected edges of a graph as pairs of original ids, smaller id first.
std::set<std::pair<std::uint64_t, std::uint64_t>> original_edges(const Graph& graph) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> edges;
  for (const VertexId v : graph.vertices()) {
    for (const VertexId w : graph.neighbours(v)) {
      const std::uint64_t a = graph.original_id(v), b = graph.original_id(w);
      edges.emplace(std::min(a, b), std::max(a, b));
    }
  }
  return edges;
}

void expect_same_edge_list(const EdgeList& actual, const EdgeList& expected) {
  EXPECT_EQ(actual.num_vertices, expected.num_vertices);
  EXPECT_EQ(actual.edges, expected.edges);
  EXPECT_EQ(actual.original_ids, expected.original_ids);
  EXPECT_EQ(actual.labels, expected.labels);
}

// The diamond-with-a-tail used by most tests, in SNAP's own dress: comments of both kinds,
// tabs and spaces, indentation, a CRLF line, a blank line, a repeated pair and a self-loop.
//
//   10 ---- 20
//     \    /
//      \  /
//       30 ---- 40        (40 also has a self-loop, which is dropped)
//
// Dense ids follow the original ids: 10 -> 0, 20 -> 1, 30 -> 2, 40 -> 3.
constexpr const char* kSnapText =
    "# Directed graph (each unordered pair of nodes is saved once): example.txt\n"
    "# Nodes: 4 Edges: 6\n"
    "% a comment in MatrixMarket style\n"
    "10\t20\n"
    "20 30\n"
    "  30\t10\n"
    "30 \t 40\r\n"
    "\n"
    "10\t20  \n"
    "40 40\n";

TEST(ReadEdgeList, ReadsSnapTextWithCommentsTabsSpacesAndCrlf) {
  ScratchDir dir;
  const EdgeList list = read_edge_list(dir.write("example.txt", kSnapText));
  EXPECT_EQ(list.num_vertices, 4u);
  EXPECT_EQ(list.original_ids, (std::vector<std::uint64_t>{10, 20, 30, 40}));
  EXPECT_EQ(list.edges, (std::vector<Edge>{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {0, 1}, {3, 3}}));
  EXPECT_TRUE(list.labels.empty());
}

TEST(ReadEdgeList, GraphIsSymmetrisedWithoutSelfLoopsOrDuplicates) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  ASSERT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(graph.num_edges(), 4u);
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1, 2}));     // 10: 20, 30
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2}));     // 20: 10, 30
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{0, 1, 3}));  // 30: 10, 20, 40
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{2}));        // 40: 30
  EXPECT_EQ(graph.original_id(0), 10u);
  EXPECT_EQ(graph.original_id(3), 40u);
  EXPECT_FALSE(graph.has_labels());
}

TEST(ReadEdgeList, GzipGivesTheSameEdgeListAsPlainText) {
  ScratchDir dir;
  const EdgeList plain = read_edge_list(dir.write("example.txt", kSnapText));
  const EdgeList gzip = read_edge_list(dir.write_gzip("example.txt.gz", kSnapText));
  expect_same_edge_list(gzip, plain);
}

TEST(ReadEdgeList, IdsThatAreAlreadyDenseKeepNoOriginalIds) {
  // 0 - 1 - 2
  ScratchDir dir;
  const EdgeList list = read_edge_list(dir.write("path.txt", "0 1\n1 2\n"));
  EXPECT_EQ(list.num_vertices, 3u);
  EXPECT_TRUE(list.original_ids.empty());
  EXPECT_EQ(list.edges, (std::vector<Edge>{{0, 1}, {1, 2}}));
}

TEST(ReadEdgeList, AcceptsTheWholeUnsignedSixtyFourBitRange) {
  //  0 ---- 18446744073709551615 (the largest 64-bit value) ---- 1099511627776 (2^40)
  ScratchDir dir;
  const EdgeList list = read_edge_list(
      dir.write("wide.txt", "0\t18446744073709551615\n18446744073709551615\t1099511627776\n"));
  EXPECT_EQ(list.num_vertices, 3u);
  EXPECT_EQ(list.original_ids,
            (std::vector<std::uint64_t>{0, 1099511627776ull, 18446744073709551615ull}));
  EXPECT_EQ(list.edges, (std::vector<Edge>{{0, 2}, {2, 1}}));
}

TEST(ReadEdgeList, DenseIdsFollowTheOriginalIdsWhateverTheirRange) {
  // The same star, centre 3 and leaves 1, 2, 4, 9, once with small ids and once shifted by
  // 2^50: both number the vertices 1 -> 0, 2 -> 1, 3 -> 2, 4 -> 3, 9 -> 4.
  ScratchDir dir;
  const std::uint64_t shift = std::uint64_t{1} << 50;
  std::string small;
  std::string large;
  for (const std::uint64_t leaf : {9, 1, 4, 2}) {
    small += "3 " + std::to_string(leaf) + "\n";
    large += std::to_string(3 + shift) + " " + std::to_string(leaf + shift) + "\n";
  }
  const EdgeList a = read_edge_list(dir.write("small.txt", small));
  const EdgeList b = read_edge_list(dir.write("large.txt", large));
  const std::vector<Edge> star = {{2, 4}, {2, 0}, {2, 3}, {2, 1}};
  EXPECT_EQ(a.edges, star);
  EXPECT_EQ(b.edges, star);
  EXPECT_EQ(a.original_ids, (std::vector<std::uint64_t>{1, 2, 3, 4, 9}));
  EXPECT_EQ(b.original_ids,
            (std::vector<std::uint64_t>{1 + shift, 2 + shift, 3 + shift, 4 + shift, 9 + shift}));
}

TEST(ReadEdgeList, IdsOfEveryLengthWithEverySeparatorReadBackExactly) {
  // One id of each length from 1 to 20 digits (the last is the largest 64-bit value), every
  // ordered pair on its own line, with the separators and line ends of real files rotating.
  std::vector<std::uint64_t> ids;
  std::uint64_t power = 1;
  for (int digits = 1; digits <= 19; ++digits, power *= 10)
    ids.push_back(power + (1234567891234567ull * static_cast<std::uint64_t>(digits)) % power);
  ids.push_back(18446744073709551615ull);
  const char* separators[] = {"\t", " ", " \t  ", "\t\t"};
  const char* line_ends[] = {"\n", "\r\n", " \n", "\t\r\n", "\n"};
  std::string text;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> expected;
  for (const std::uint64_t source : ids) {
    for (const std::uint64_t target : ids) {
      text += std::to_string(source) + separators[expected.size() % 4] + std::to_string(target) +
              line_ends[expected.size() % 5];
      expected.emplace_back(source, target);
    }
  }
  ScratchDir dir;
  const EdgeList list = read_edge_list(dir.write("lengths.txt", text));
  ASSERT_EQ(list.edges.size(), expected.size());
  ASSERT_EQ(list.original_ids.size(), ids.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(list.original_ids[list.edges[i].source], expected[i].first) << "line " << i + 1;
    EXPECT_EQ(list.original_ids[list.edges[i].target], expected[i].second) << "line " << i + 1;
  }
}

TEST(ReadEdgeList, LeadingZerosDoNotMakeAnIdTooLong) {
  ScratchDir dir;
  const EdgeList list = read_edge_list(dir.write("zeros.txt", "0000000000000000000000007 8\n"));
  EXPECT_EQ(list.original_ids, (std::vector<std::uint64_t>{7, 8}));
}

TEST(ReadEdgeList, LastLineMayLackItsNewline) {
  ScratchDir dir;
  const EdgeList list = read_edge_list(dir.write("tail.txt", "1 2\n2 3"));
  EXPECT_EQ(list.edges, (std::vector<Edge>{{0, 1}, {1, 2}}));
  EXPECT_EQ(list.original_ids, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(ReadEdgeList, EmptyFileAndCommentsOnlyGiveAnEmptyGraph) {
  ScratchDir dir;
  const EdgeList empty = read_edge_list(dir.write("empty.txt", ""));
  EXPECT_EQ(empty.num_vertices, 0u);
  EXPECT_TRUE(empty.edges.empty());
  const Graph graph = read_edge_list_graph(dir.write("comments.txt", "# Nodes: 0\n\n% none\n"));
  EXPECT_EQ(graph.num_vertices(), 0u);
  EXPECT_EQ(graph.num_edges(), 0u);
}

TEST(ReadEdgeList, VerticesWithOnlySelfLoopsAreNotCounted) {
  // 5 has only a self-loop; the graph is the single edge 1 - 2.
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("loops.txt", "5 5\n1 2\n"));
  ASSERT_EQ(graph.num_vertices(), 2u);
  EXPECT_EQ(graph.num_edges(), 1u);
  EXPECT_EQ(graph.original_id(0), 1u);
  EXPECT_EQ(graph.original_id(1), 2u);
}

TEST(ReadEdgeList, MissingFileIsAnIoError) {
  ScratchDir dir;
  EXPECT_THROW(read_edge_list(dir / "absent.txt"), IoError);
}

// Malformed input -------------------------------------------------------------------------

class ReadEdgeListRejects : public ::testing::TestWithParam<testing::Malformed> {};

TEST_P(ReadEdgeListRejects, WithFileAndLine) {
  const testing::Malformed& input = GetParam();
  ScratchDir dir;
  for (const bool gzip : {false, true}) {
    const auto path =
        gzip ? dir.write_gzip("bad.txt.gz", input.text) : dir.write("bad.txt", input.text);
    testing::expect_parse_error([&] { read_edge_list(path); }, path, input.line, {input.phrase});
  }
}

INSTANTIATE_TEST_SUITE_P(
    EdgeListErrors, ReadEdgeListRejects,
    ::testing::Values(testing::Malformed{"OneId", "1 2\n3\n4 5\n", 2, "'3'"},
                      testing::Malformed{"OneIdWithTrailingBlanks", "# c\n1 2\n3 \t\r\n", 3, "'3'"},
                      testing::Malformed{"OneIdOnTheLastLineWithoutNewline", "1 2\n3", 2, "'3'"},
                      testing::Malformed{"WordForSource", "1 2\nx 3\n", 2, "'x'"},
                      testing::Malformed{"WordForTarget", "1 2\n\n3 four\n", 3, "'four'"},
                      testing::Malformed{"NegativeId", "1 2\n-1 2\n", 2, "'-1'"},
                      testing::Malformed{"DigitsThenLetters", "12abc 3\n", 1, "'12abc'"},
                      testing::Malformed{"DecimalPoint", "1 2\n3 4.5\n", 2, "'4.5'"},
                      testing::Malformed{"IdOfSixtyFiveBits", "1 2\n3 4\n18446744073709551616 1\n",
                                         3, "'18446744073709551616'"},
                      testing::Malformed{"IdOfManyDigits", "1 123456789012345678901234567890\n", 1,
                                         "'123456789012345678901234567890'"},
                      testing::Malformed{"ThirdToken", "1 2\n3 4 5\n", 2, "'5'"},
                      testing::Malformed{"WeightColumn", "1 2 0.5\n", 1, "'0.5'"},
                      testing::Malformed{"TrailingComment", "1 2\n3 4 # why\n", 2, "'#'"},
                      testing::Malformed{"CommaSeparated", "1,2\n", 1, "'1,2'"}),
    [](const ::testing::TestParamInfo<testing::Malformed>& info) { return info.param.name; });

TEST(ReadEdgeList, MessagesSayWhatWasWrong) {
  ScratchDir dir;
  auto message_for = [&](const char* text) -> std::string {
    try {
      read_edge_list(dir.write("bad.txt", text));
    } catch (const ParseError& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_NE(message_for("3\n").find("one vertex id"), std::string::npos);
  EXPECT_NE(message_for("3 x\n").find("expected a vertex id"), std::string::npos);
  EXPECT_NE(message_for("99999999999999999999 1\n").find("64 bits"), std::string::npos);
  EXPECT_NE(message_for("1 2 3\n").find("third token"), std::string::npos);
}

// Lines 1..count, each "i<TAB>i+1", with the lines listed in `bad` replaced by "oops".
std::string numbered_lines(std::uint64_t count, std::set<std::uint64_t> bad = {}) {
  std::string text;
  for (std::uint64_t line = 1; line <= count; ++line) {
    text += bad.contains(line) ? "oops" : std::to_string(line) + "\t" + std::to_string(line + 1);
    text += '\n';
  }
  return text;
}

TEST(ReadEdgeList, ErrorFarIntoALargeFileNamesItsExactLine) {
  // About 3 MB: several chunks, each split into several pieces parsed in parallel.
  ScratchDir dir;
  const std::string text = numbered_lines(300'000, {123'457, 250'001});
  for (const auto& path : {dir.write("big.txt", text), dir.write_gzip("big.txt.gz", text)}) {
    try {
      read_edge_list(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const ParseError& error) {
      EXPECT_EQ(error.line(), 123'457u) << "the first bad line wins: " << error.what();
    }
  }
}

TEST(ReadEdgeList, LargeFileGivesTheSameResultWithOneThreadAndWithAll) {
  // A path 1 - 2 - ... - 300001 in a file large enough to be parsed in many pieces.
  ScratchDir dir;
  const auto path = dir.write("big.txt", "# a path\n" + numbered_lines(300'000));
  const EdgeList parallel = read_edge_list(path);
  EdgeList serial;
  {
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    serial = read_edge_list(path);
  }
  expect_same_edge_list(parallel, serial);
  ASSERT_EQ(parallel.num_vertices, 300'001u);
  ASSERT_EQ(parallel.edges.size(), 300'000u);
  for (std::size_t i = 0; i < parallel.edges.size(); ++i) {
    const auto source = static_cast<VertexId>(i);
    ASSERT_EQ(parallel.edges[i], (Edge{source, source + 1})) << "line " << i + 2;
  }
  EXPECT_EQ(parallel.original_ids.front(), 1u);
  EXPECT_EQ(parallel.original_ids.back(), 300'001u);
}

// Writing ---------------------------------------------------------------------------------

TEST(WriteEdgeList, WritesEachEdgeOnceInOriginalIdsAfterACountHeader) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  const auto out = dir / "out.txt";
  write_edge_list(graph, out);
  const std::string text = graphmini::testing::read_file(out);

  std::string header;
  std::string body;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at) + 1;
    (text[at] == '#' ? header : body) += text.substr(at, end - at);
    at = end;
  }
  EXPECT_TRUE(text.starts_with("#"));
  EXPECT_NE(header.find("Nodes: 4"), std::string::npos) << header;
  EXPECT_NE(header.find("Edges: 4"), std::string::npos) << header;
  EXPECT_EQ(body, "10\t20\n10\t30\n20\t30\n30\t40\n");
}

TEST(WriteEdgeList, RoundTripKeepsTheGraphAndItsOriginalIds) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  const auto out = dir / "copy.txt";
  write_edge_list(graph, out);
  const Graph copy = read_edge_list_graph(out);
  expect_same_graph(copy, graph);
  EXPECT_EQ(graphmini::testing::count_files(dir.path()), 2u) << "a temporary file was left";
}

TEST(WriteEdgeList, RoundTripOfALargerGraphWithWideIds) {
  // A ring of 1000 vertices whose ids are spread over the 64-bit range, plus chords.
  ScratchDir dir;
  std::string text;
  auto id = [](std::uint64_t i) { return 1'000'003ull * i * i + (i << 40); };
  for (std::uint64_t i = 0; i < 1000; ++i) {
    text += std::to_string(id(i)) + " " + std::to_string(id((i + 1) % 1000)) + "\n";
    text += std::to_string(id(i)) + " " + std::to_string(id((i * 7) % 1000)) + "\n";
  }
  const Graph graph = read_edge_list_graph(dir.write("ring.txt", text));
  write_edge_list(graph, dir / "ring-copy.txt.out");
  const Graph copy = read_edge_list_graph(dir / "ring-copy.txt.out");
  expect_same_graph(copy, graph);
  EXPECT_EQ(graphmini::testing::count_files(dir.path()), 2u);
}

TEST(WriteEdgeList, GraphWithoutOriginalIdsIsWrittenInItsOwnIds) {
  // 0 - 1 - 2 - 0, built directly (vertex v is called v).
  ScratchDir dir;
  EdgeList list;
  list.num_vertices = 3;
  list.edges = {{0, 1}, {1, 2}, {2, 0}};
  const Graph triangle = build_graph(std::move(list));
  write_edge_list(triangle, dir / "triangle.txt");
  const Graph copy = read_edge_list_graph(dir / "triangle.txt");
  expect_same_graph(copy, triangle);
  EXPECT_FALSE(copy.has_original_ids());
}

TEST(WriteEdgeList, RelabelledGraphKeepsItsEdgesBetweenOriginalIds) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  const Graph relabelled = relabel_by_degree(graph);  // 30 (degree 3) becomes vertex 0
  ASSERT_EQ(relabelled.original_id(0), 30u);
  write_edge_list(relabelled, dir / "relabelled.txt");
  const Graph copy = read_edge_list_graph(dir / "relabelled.txt");
  EXPECT_EQ(original_edges(copy), original_edges(graph));
  expect_same_graph(copy, graph);  // read back, vertices are in original-id order again
}

TEST(WriteEdgeList, OrientedGraphIsWrittenOneLinePerArc) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  const Graph oriented = orient_by_degree(graph);
  ASSERT_EQ(oriented.num_edges(), 4u);
  write_edge_list(oriented, dir / "oriented.txt");
  const EdgeList arcs = read_edge_list(dir / "oriented.txt");
  EXPECT_EQ(arcs.edges.size(), 4u);  // each edge once, not twice
  EXPECT_EQ(original_edges(read_edge_list_graph(dir / "oriented.txt")), original_edges(graph));
}

TEST(WriteEdgeList, ReplacesAnExistingFileWhole) {
  ScratchDir dir;
  const auto out = dir.write("out.txt", std::string(100'000, 'z'));
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  write_edge_list(graph, out);
  EXPECT_EQ(graphmini::testing::read_file(out).find('z'), std::string::npos);
  expect_same_graph(read_edge_list_graph(out), graph);
  EXPECT_EQ(graphmini::testing::count_files(dir.path()), 2u);
}

TEST(WriteEdgeList, UnwritableDestinationIsAnIoErrorAndLeavesNothing) {
  ScratchDir dir;
  const Graph graph = read_edge_list_graph(dir.write("example.txt", kSnapText));
  EXPECT_THROW(write_edge_list(graph, dir / "no-such-folder" / "out.txt"), IoError);
  EXPECT_EQ(graphmini::testing::count_files(dir.path()), 1u);
}

}  // namespace
}  // namespace graphmini::datasets
