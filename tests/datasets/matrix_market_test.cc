#include "datasets/matrix_market.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

using graphmini::testing::neighbours_of;
using graphmini::testing::original_ids_of;
using graphmini::testing::ScratchDir;

// The diamond with a tail as a symmetric pattern matrix (lower triangle, 1-based):
//
//   1 ---- 2
//    \    /
//      3 ---- 4         5 is declared by the size line but in no entry: it is dropped,
//                       and so is the diagonal entry (4, 4).
constexpr const char* kMatrixMarketDiamond =
    "%%MatrixMarket matrix coordinate pattern symmetric\n"
    "% the diamond with a tail\n"
    "%\n"
    "5 5 5\n"
    "2 1\n"
    "3 1\n"
    "3 2\n"
    "4 3\n"
    "4 4\n";

void expect_matrix_market_diamond(const Graph& graph) {
  ASSERT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(graph.num_edges(), 4u);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1, 2}));     // 1: 2, 3
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2}));     // 2: 1, 3
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{0, 1, 3}));  // 3: 1, 2, 4
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{2}));        // 4: 3
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(ReadMatrixMarket, SymmetricPatternMatrixIsAnUndirectedGraphWithOneBasedIds) {
  ScratchDir dir;
  expect_matrix_market_diamond(
      read_matrix_market_graph(dir.write("diamond.mtx", kMatrixMarketDiamond)));
}

TEST(ReadMatrixMarket, GzipReadsTheSame) {
  ScratchDir dir;
  expect_matrix_market_diamond(
      read_matrix_market_graph(dir.write_gzip("diamond.mtx.gz", kMatrixMarketDiamond)));
}

TEST(ReadMatrixMarket, GeneralRealMatrixIsSymmetrisedAndItsValuesIgnored) {
  // Entries (1,2) and (2,1) are one edge; the path 1 - 2 - 3.
  ScratchDir dir;
  const Graph graph = read_matrix_market_graph(dir.write("path.mtx",
                                                         "%%MatrixMarket matrix coordinate real "
                                                         "general\n"
                                                         "3 3 4\n"
                                                         "1 2 0.5\n"
                                                         "2 1 -1.25e3\n"
                                                         "2\t3\t7\n"
                                                         "  3 2 +1.0\r\n"));
  ASSERT_EQ(graph.num_vertices(), 3u);
  EXPECT_EQ(graph.num_edges(), 2u);
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2}));
  // All three vertices have edges, so vertex v is simply row v + 1.
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(ReadMatrixMarket, IntegerMatrixAndBannerWordsInAnyCase) {
  ScratchDir dir;
  const Graph graph = read_matrix_market_graph(dir.write("int.mtx",
                                                         "%%MatrixMarket MATRIX Coordinate "
                                                         "Integer SYMMETRIC\n"
                                                         "4 4 2\n"
                                                         "2 1 -3\n"
                                                         "4 3 12\n"));
  // 1 - 2   3 - 4
  ASSERT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(graph.num_edges(), 2u);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1}));
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{2}));
}

TEST(ReadMatrixMarket, DroppedIsolatedRowsShiftTheIdsButNotTheOriginalIds) {
  // Rows 1..6; only 2 - 5 and 5 - 6 are edges, so vertices 0, 1, 2 are rows 2, 5, 6.
  ScratchDir dir;
  const Graph graph = read_matrix_market_graph(dir.write(
      "sparse.mtx", "%%MatrixMarket matrix coordinate pattern general\n6 6 2\n2 5\n6 5\n"));
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{2, 5, 6}));
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2}));
}

TEST(ReadMatrixMarket, HugeDeclaredSizeCostsOnlyTheRowsThatOccur) {
  // Four billion rows declared, three used:  1 ---- 3999999999 ---- 2
  ScratchDir dir;
  const Graph graph =
      read_matrix_market_graph(dir.write("huge.mtx",
                                         "%%MatrixMarket matrix coordinate pattern general\n"
                                         "4000000000 4000000000 2\n"
                                         "1 3999999999\n"
                                         "3999999999 2\n"));
  ASSERT_EQ(graph.num_vertices(), 3u);
  EXPECT_EQ(original_ids_of(graph), (std::vector<std::uint64_t>{1, 2, 3999999999}));
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{0, 1}));
}

TEST(ReadMatrixMarket, NoEntriesGiveAnEmptyGraph) {
  ScratchDir dir;
  const Graph graph = read_matrix_market_graph(
      dir.write("none.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 0\n"));
  EXPECT_EQ(graph.num_vertices(), 0u);
  EXPECT_EQ(graph.num_edges(), 0u);
}

TEST(ReadMatrixMarket, MissingFileIsAnIoError) {
  ScratchDir dir;
  EXPECT_THROW(read_matrix_market_graph(dir / "absent.mtx"), IoError);
}

TEST(ReadMatrixMarket, LargeFileIsReadWhole) {
  // A path over 200,000 rows: many pieces parsed in parallel.
  ScratchDir dir;
  constexpr std::uint64_t n = 200'000;
  std::string text = "%%MatrixMarket matrix coordinate pattern general\n% a long path\n";
  text += std::to_string(n) + " " + std::to_string(n) + " " + std::to_string(n - 1) + "\n";
  for (std::uint64_t i = 1; i < n; ++i)
    text += std::to_string(i + 1) + " " + std::to_string(i) + "\n";
  const Graph graph = read_matrix_market_graph(dir.write("path.mtx", text));
  ASSERT_EQ(graph.num_vertices(), n);
  EXPECT_EQ(graph.num_edges(), n - 1);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1}));
  EXPECT_EQ(neighbours_of(graph, 1000), (std::vector<VertexId>{999, 1001}));
}

// Malformed input -------------------------------------------------------------------------

class ReadMatrixMarketRejects : public ::testing::TestWithParam<testing::Malformed> {};

TEST_P(ReadMatrixMarketRejects, WithFileAndLine) {
  const testing::Malformed& input = GetParam();
  ScratchDir dir;
  const auto path = dir.write("bad.mtx", input.text);
  testing::expect_parse_error([&] { read_matrix_market_graph(path); }, path, input.line,
                              {input.phrase});
}

INSTANTIATE_TEST_SUITE_P(
    MatrixMarketErrors, ReadMatrixMarketRejects,
    ::testing::Values(
        testing::Malformed{"EmptyFile", "", 1, "empty"},
        testing::Malformed{"NoBanner", "3 3 1\n1 2\n", 1, "%%MatrixMarket"},
        testing::Malformed{"ArrayFormat",
                           "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", 1,
                           "'array'"},
        testing::Malformed{"ComplexField", "%%MatrixMarket matrix coordinate complex general\n", 1,
                           "'complex'"},
        testing::Malformed{"SkewSymmetric",
                           "%%MatrixMarket matrix coordinate real skew-symmetric\n", 1,
                           "'skew-symmetric'"},
        testing::Malformed{"Hermitian", "%%MatrixMarket matrix coordinate real hermitian\n", 1,
                           "'hermitian'"},
        testing::Malformed{"NotAMatrix", "%%MatrixMarket vector coordinate real general\n", 1,
                           "'vector'"},
        testing::Malformed{"BannerOnly", "%%MatrixMarket matrix coordinate pattern general\n% c\n",
                           2, "size line"},
        testing::Malformed{"NotSquare",
                           "%%MatrixMarket matrix coordinate pattern general\n% c\n3 4 1\n", 3,
                           "3 x 4"},
        testing::Malformed{"SizeLineOfTwoNumbers",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3\n1 2\n", 2,
                           "size line"},
        testing::Malformed{"IndexBeyondTheSize",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n1 4\n", 4,
                           "index 4 is out of range 1..3"},
        testing::Malformed{"IndexZero",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n0 1\n", 4,
                           "index 0 is out of range"},
        testing::Malformed{"HugeIndex",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n"
                           "1 99999999999999999999999\n",
                           3, "out of range"},
        testing::Malformed{"WordForIndex",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\nx 1\n", 4,
                           "'x'"},
        testing::Malformed{"OneIndex",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n3\n", 4,
                           "two indices"},
        testing::Malformed{"ValueInAPatternMatrix",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 2\n2 3 5\n",
                           4, "'5'"},
        testing::Malformed{"MissingValue",
                           "%%MatrixMarket matrix coordinate real general\n3 3 2\n1 2 1.0\n2 3\n",
                           4, "value"},
        testing::Malformed{"WordForValue",
                           "%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2 abc\n", 3,
                           "'abc'"},
        testing::Malformed{"RealValueInAnIntegerMatrix",
                           "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 2 1.5\n", 3,
                           "'1.5'"},
        testing::Malformed{"TokenAfterTheValue",
                           "%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2 1.0 9\n", 3,
                           "'9'"},
        testing::Malformed{"FewerEntriesThanDeclared",
                           "%%MatrixMarket matrix coordinate pattern general\n3 3 3\n1 2\n2 3\n", 4,
                           "2 of the 3"},
        testing::Malformed{
            "MoreEntriesThanDeclared",
            "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2\n2 3\n3 1\n", 4,
            "more entries than the 1"}),
    [](const ::testing::TestParamInfo<testing::Malformed>& info) { return info.param.name; });

TEST(ReadMatrixMarket, ExtraEntryFarIntoALargeFileNamesItsLine) {
  // 100,000 entries where 60,000 are declared: the first extra one is on line 2 + 60,001.
  ScratchDir dir;
  std::string text = "%%MatrixMarket matrix coordinate pattern general\n100001 100001 60000\n";
  for (int i = 1; i <= 100'000; ++i)
    text += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  try {
    read_matrix_market_graph(dir.write("long.mtx", text));
    FAIL() << "extra entries were accepted";
  } catch (const ParseError& error) {
    EXPECT_EQ(error.line(), 60'003u) << error.what();
  }
}

TEST(ReadMatrixMarket, BadEntryFarIntoALargeFileNamesItsLine) {
  ScratchDir dir;
  std::string text = "%%MatrixMarket matrix coordinate pattern general\n100001 100001 100000\n";
  for (int i = 1; i <= 100'000; ++i)
    text += (i == 77'777 ? std::string("1 200000") : std::to_string(i) + " 1") + "\n";
  try {
    read_matrix_market_graph(dir.write_gzip("long.mtx.gz", text));
    FAIL() << "an index out of range was accepted";
  } catch (const ParseError& error) {
    EXPECT_EQ(error.line(), 77'779u) << error.what();
  }
}

}  // namespace
}  // namespace graphmini::datasets
