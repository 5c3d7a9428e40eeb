// read_linqs: a tiny drawn citation dataset (plain and gzip), every kind of malformed line, and
// the real Cora and CiteSeer against their published numbers.
#include "datasets/linqs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/registry.h"
#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

namespace fs = std::filesystem;
using graphmini::testing::neighbours_of;
using graphmini::testing::ScratchDir;

// The fixture. Words w0 w1 w2; classes numbered by name: AI = 0, ML = 1, Theory = 2.
//
//     p1 (0) ---- p2 (1) ---- p5 (4)        x7 (2): no citation, kept isolated
//      |
//     p4 (3) ---- ghost (5)                 ghost: only in .cites (no words, no class)
//
// .cites also holds a reversed duplicate (p2 p1) and a self-loop (p4 p4); both are dropped.
constexpr std::string_view kContent =
    "p1\t1\t0\t1\tTheory\n"
    "p2\t0\t1\t0\tAI\n"
    "x7\t0\t0\t0\tTheory\n"
    "p4\t1\t1\t1\tML\n"
    "p5\t0\t0\t1\tAI\n";
constexpr std::string_view kCites =
    "p1\tp2\n"
    "p2\tp1\n"
    "p1\tp4\n"
    "p4\tp4\n"
    "p4\tghost\n"
    "p5\tp2\n";
constexpr std::string_view kSplit =
    "# paper_id\tsplit\n"
    "p1\ttrain\n"
    "p2\tval\n"
    "p4\ttest\n"
    "p5\ttest\n";

fs::path write_fixture(const ScratchDir& scratch, bool gzip, bool with_split = true) {
  const auto write = [&](const std::string& name, std::string_view text) {
    if (gzip) {
      scratch.write_gzip("tiny/" + name + ".gz", text);
    } else {
      scratch.write("tiny/" + name, text);
    }
  };
  write("tiny.content", kContent);
  write("tiny.cites", kCites);
  if (with_split) scratch.write("tiny/tiny.planetoid-split.tsv", kSplit);
  return scratch / "tiny";
}

std::vector<std::uint32_t> feature_columns(const SparseFeatures& features, std::size_t row) {
  return {features.columns.begin() + static_cast<std::ptrdiff_t>(features.offsets[row]),
          features.columns.begin() + static_cast<std::ptrdiff_t>(features.offsets[row + 1])};
}

void expect_tiny_linqs(const Dataset& dataset) {
  EXPECT_EQ(dataset.name, "tiny");
  const Graph& graph = dataset.graph;
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  ASSERT_EQ(graph.num_vertices(), 6u);
  EXPECT_EQ(graph.num_edges(), 4u);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1, 3}));
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 4}));
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{}));
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{0, 5}));
  EXPECT_EQ(neighbours_of(graph, 4), (std::vector<VertexId>{1}));
  EXPECT_EQ(neighbours_of(graph, 5), (std::vector<VertexId>{3}));
  EXPECT_NO_THROW(graph.validate());

  const NodeData& nodes = dataset.nodes;
  EXPECT_NO_THROW(nodes.validate());
  EXPECT_EQ(nodes.original_ids, (std::vector<std::string>{"p1", "p2", "x7", "p4", "p5", "ghost"}));
  EXPECT_EQ(nodes.class_names, (std::vector<std::string>{"AI", "ML", "Theory"}));
  EXPECT_EQ(nodes.num_classes, 3u);
  EXPECT_EQ(nodes.labels, (std::vector<std::int32_t>{2, 0, 2, 1, 0, kNoClass}));

  // 7 words of 18 values: too many for the sparse layout (runtime/node_data.h), so dense;
  // compared in sparse form, word by word.
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(nodes.features));
  const SparseFeatures features = to_sparse(std::get<DenseFeatures>(nodes.features));
  EXPECT_EQ(features.rows, 6u);
  EXPECT_EQ(features.cols, 3u);
  EXPECT_EQ(feature_columns(features, 0), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(feature_columns(features, 1), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(feature_columns(features, 2), (std::vector<std::uint32_t>{}));
  EXPECT_EQ(feature_columns(features, 3), (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(feature_columns(features, 4), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(feature_columns(features, 5), (std::vector<std::uint32_t>{}));
  EXPECT_EQ(features.values, std::vector<float>(7, 1.0f));
}

TEST(Linqs, ReadsTheDrawnDataset) {
  ScratchDir scratch;
  const Dataset dataset = read_linqs(write_fixture(scratch, false));
  expect_tiny_linqs(dataset);
  using enum Split;
  EXPECT_EQ(dataset.nodes.split, (std::vector<Split>{train, validation, none, test, test, none}));
}

TEST(Linqs, ReadsGzipFiles) {
  ScratchDir scratch;
  const Dataset dataset = read_linqs(write_fixture(scratch, true));
  expect_tiny_linqs(dataset);
  EXPECT_EQ(dataset.nodes.count(Split::train), 1u);
  EXPECT_EQ(dataset.nodes.count(Split::validation), 1u);
  EXPECT_EQ(dataset.nodes.count(Split::test), 2u);
}

TEST(Linqs, WithoutSplitFileNoNodeIsInASplit) {
  ScratchDir scratch;
  const Dataset dataset = read_linqs(write_fixture(scratch, false, false));
  expect_tiny_linqs(dataset);
  EXPECT_EQ(dataset.nodes.split, std::vector<Split>(6, Split::none));
}

// A file dataset opened with its features on demand reads them from the file again and cuts
// them to the rows asked for, with the CRC of the whole features.
TEST(Linqs, FeaturesOnDemandAreCutFromTheFile) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, false);
  const Dataset whole = read_linqs(folder);
  const Dataset lazy = open_dataset(folder.string(), "", FeatureLoading::on_demand);
  ASSERT_TRUE(lazy.read_features);
  EXPECT_EQ(lazy.nodes.features.index(), whole.nodes.features.index());
  EXPECT_EQ(lazy.nodes.num_features(), whole.nodes.num_features());
  EXPECT_NO_THROW(lazy.nodes.validate(false));
  EXPECT_EQ(lazy.nodes.labels, whole.nodes.labels);
  const std::vector<VertexId> nodes = {4, 0, 2};
  const FeatureRows read = lazy.read_features(nodes);
  EXPECT_EQ(features_crc(read.rows), features_crc(select_rows(whole.nodes.features, nodes)));
  EXPECT_EQ(read.crc, features_crc(whole.nodes.features));
}

TEST(Linqs, PrefersThePlainFileWhenBothExist) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, false);
  // A different (one-paper) dataset in the .gz twin: it must not be the one read.
  scratch.write_gzip("tiny/tiny.content.gz", "zz\t1\t1\t1\tAI\n");
  expect_tiny_linqs(read_linqs(folder));
}

TEST(Linqs, AcceptsSpacesCarriageReturnsAndBlankLines) {
  ScratchDir scratch;
  scratch.write("tiny/tiny.content",
                "p1 1 0 1 Theory\r\n\r\np2 0 1 0 AI\r\nx7 0 0 0 Theory\r\n"
                "p4 1 1 1 ML\np5 0 0 1 AI");
  scratch.write("tiny/tiny.cites", "p1 p2\np2 p1\n\np1 p4\np4 p4\r\np4 ghost\np5 p2");
  const Dataset dataset = read_linqs(scratch / "tiny");
  expect_tiny_linqs(dataset);
}

TEST(Linqs, TakesTheOnlyContentFileWhateverTheFolderName) {
  ScratchDir scratch;
  scratch.write("folder/tiny.content", kContent);
  scratch.write("folder/tiny.cites", kCites);
  const Dataset dataset = read_linqs(scratch / "folder");
  expect_tiny_linqs(dataset);
  EXPECT_TRUE(is_linqs_folder(scratch / "folder"));
}

TEST(Linqs, SeveralDatasetsNeedTheFolderName) {
  ScratchDir scratch;
  scratch.write("folder/a.content", kContent);
  scratch.write("folder/b.content.gz", kContent);
  try {
    read_linqs(scratch / "folder");
    FAIL() << "expected a FormatError";
  } catch (const FormatError& error) {  // the folder is ambiguous: no option could choose
    const std::string message = error.what();
    EXPECT_NE(message.find("a.content, b.content"), std::string::npos) << message;
  }
  // Named after the folder, one of them is chosen.
  scratch.write("b/a.content", kContent);
  scratch.write("b/b.content", kContent);
  scratch.write("b/b.cites", kCites);
  EXPECT_EQ(read_linqs(scratch / "b").name, "b");
}

TEST(Linqs, MissingFilesAreNamed) {
  ScratchDir scratch;
  EXPECT_THROW(read_linqs(scratch / "absent"), IoError);
  EXPECT_FALSE(is_linqs_folder(scratch / "absent"));

  scratch.write("empty/README", "no data here\n");
  EXPECT_FALSE(is_linqs_folder(scratch / "empty"));
  EXPECT_THROW(read_linqs(scratch / "empty"), IoError);

  scratch.write("nocites/nocites.content", kContent);
  EXPECT_TRUE(is_linqs_folder(scratch / "nocites"));
  try {
    read_linqs(scratch / "nocites");
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("nocites.cites"), std::string::npos) << message;
  }
}

// ---- malformed input: every case names the file and the line ---------------------------------

struct LinqsFiles {
  std::string content{kContent};
  std::string cites{kCites};
  std::string split{kSplit};
};

void expect_parse_error(const LinqsFiles& files, std::string_view bad_file, std::uint64_t line,
                        std::string_view fragment) {
  ScratchDir scratch;
  scratch.write("tiny/tiny.content", files.content);
  scratch.write("tiny/tiny.cites", files.cites);
  scratch.write("tiny/tiny.planetoid-split.tsv", files.split);
  testing::expect_parse_error([&] { read_linqs(scratch / "tiny"); }, scratch / "tiny" / bad_file,
                              line, {fragment});
}

// The fuzzer's find: a NUL byte ended a word without being consumed, so counting a line's
// words never finished. A NUL is now a character of its word like any other.
TEST(LinqsErrors, NulBytesAreCharactersOfTheirWord) {
  LinqsFiles files;
  files.content = std::string(kContent).replace(3, 1, std::string(1, '\0'));  // p1's first feature
  expect_parse_error(files, "tiny.content", 1, "feature 1 of paper 'p1' is '\\x00'");
  files.content = std::string(64, '\0');
  expect_parse_error(files, "tiny.content", 1, "1 column;");
}

TEST(LinqsErrors, ContentLineWithTooFewColumns) {
  LinqsFiles files;
  files.content = "p1\t1\t0\t1\tTheory\np2\t0\t1\tAI\np3\t0\t0\t0\tAI\n";
  expect_parse_error(files, "tiny.content", 2, "4 columns, expected 5");
}

TEST(LinqsErrors, ContentLineWithTooManyColumns) {
  LinqsFiles files;
  files.content = "p1\t1\t0\t1\tTheory\np2\t0\t1\t0\tAI\np3\t0\t0\t0\t1\tAI\n";
  expect_parse_error(files, "tiny.content", 3, "6 columns, expected 5");
}

TEST(LinqsErrors, ContentLineWithoutClass) {
  LinqsFiles files;
  files.content = "p1\t1\t0\t1\tTheory\np2\t0\t1\t0\n";
  expect_parse_error(files, "tiny.content", 2, "4 columns, expected 5");
}

TEST(LinqsErrors, FeatureThatIsNotBinary) {
  LinqsFiles files;
  files.content = "p1\t1\t0\t1\tTheory\np2\t0\t2\t0\tAI\n";
  expect_parse_error(files, "tiny.content", 2, "feature 2 of paper 'p2' is '2', expected 0 or 1");
  files.content = "p1\t1\t0\t1\tTheory\n\np2\t0\t1\t1.0\tAI\n";
  expect_parse_error(files, "tiny.content", 3, "feature 3 of paper 'p2' is '1.0'");
}

TEST(LinqsErrors, DuplicatePaperId) {
  LinqsFiles files;
  files.content = "p1\t1\t0\t1\tTheory\np2\t0\t1\t0\tAI\np3\t0\t0\t0\tAI\np2\t1\t1\t0\tML\n";
  expect_parse_error(files, "tiny.content", 4, "paper id 'p2' appears twice");
}

TEST(LinqsErrors, FirstContentLineWithoutFeatures) {
  LinqsFiles files;
  files.content = "p1\tTheory\n";
  expect_parse_error(files, "tiny.content", 1, "2 columns");
}

TEST(LinqsErrors, EmptyContentFile) {
  LinqsFiles files;
  files.content = "\n\n";
  expect_parse_error(files, "tiny.content", 1, "no papers");
}

TEST(LinqsErrors, ErrorFarIntoALongFileNamesItsLine) {
  // Long enough to be cut into many pieces that are parsed in parallel.
  LinqsFiles files;
  files.content.clear();
  for (int i = 0; i < 3000; ++i) {
    files.content += 'q';
    files.content += std::to_string(i);
    files.content += i == 2399 ? "\t1\t0\t7\tAI\n" : "\t1\t0\t1\tAI\n";
  }
  files.cites = "q0\tq1\n";
  files.split = "";
  expect_parse_error(files, "tiny.content", 2400, "feature 3 of paper 'q2399' is '7'");
}

TEST(LinqsErrors, CitationLineWithOneOrThreeIds) {
  LinqsFiles files;
  files.cites = "p1\tp2\np4\n";
  expect_parse_error(files, "tiny.cites", 2, "1 column;");
  files.cites = "p1\tp2\n\np1\tp4\tp5\n";
  expect_parse_error(files, "tiny.cites", 3, "3 columns");
}

TEST(LinqsErrors, SplitWithUnknownPaper) {
  LinqsFiles files;
  files.split = "# header\np1\ttrain\nnobody\ttest\n";
  expect_parse_error(files, "tiny.planetoid-split.tsv", 3, "unknown paper id 'nobody'");
}

TEST(LinqsErrors, SplitWithUnknownName) {
  LinqsFiles files;
  files.split = "p1\ttrain\np2\tvalidation\n";
  expect_parse_error(files, "tiny.planetoid-split.tsv", 2, "unknown split 'validation'");
}

TEST(LinqsErrors, SplitLineWithoutSplitName) {
  LinqsFiles files;
  files.split = "p1\ttrain\n\np2\n";
  expect_parse_error(files, "tiny.planetoid-split.tsv", 3, "1 column;");
}

TEST(LinqsErrors, SplitListingAPaperTwice) {
  LinqsFiles files;
  files.split = "p1\ttrain\np2\tval\np1\ttest\n";
  expect_parse_error(files, "tiny.planetoid-split.tsv", 3, "paper id 'p1' is listed twice");
  // ghost is only in .cites: it has no class, and a test node without one would silently
  // count as a wrong prediction.
  files.split = "p1\ttrain\np2\tval\nghost\ttest\n";
  expect_parse_error(files, "tiny.planetoid-split.tsv", 3,
                     "paper id 'ghost' has no class (it is only in .cites)");
}

// ---- the real datasets ------------------------------------------------------------------------

std::vector<std::size_t> class_sizes(const NodeData& nodes) {
  std::vector<std::size_t> sizes(nodes.num_classes, 0);
  for (const std::int32_t label : nodes.labels)
    if (label != kNoClass) ++sizes[static_cast<std::size_t>(label)];
  return sizes;
}

VertexId max_degree(const Graph& graph) {
  VertexId best = 0;
  for (const VertexId v : graph.vertices())
    best = std::max(best, graph.degree(v));
  return best;
}

std::size_t isolated(const Graph& graph) {
  std::size_t count = 0;
  for (const VertexId v : graph.vertices())
    count += graph.degree(v) == 0 ? 1 : 0;
  return count;
}

TEST(LinqsReal, Cora) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const auto start = std::chrono::steady_clock::now();
  const Dataset cora = read_linqs(datasets / "citation" / "cora");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("load_seconds", std::to_string(seconds));
  EXPECT_EQ(cora.name, "cora");
  EXPECT_EQ(cora.graph.num_vertices(), 2708u);
  EXPECT_EQ(cora.graph.num_edges(), 5278u);
  EXPECT_EQ(max_degree(cora.graph), 168u);
  EXPECT_EQ(isolated(cora.graph), 0u);
  EXPECT_EQ(cora.nodes.num_features(), 1433u);
  // 49,216 words present of 3,880,564 values (1.3%): sparse.
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(cora.nodes.features));
  EXPECT_EQ(count_non_zeros(cora.nodes.features), 49'216u);
  EXPECT_EQ(cora.nodes.num_classes, 7u);
  EXPECT_EQ(cora.nodes.class_names,
            (std::vector<std::string>{"Case_Based", "Genetic_Algorithms", "Neural_Networks",
                                      "Probabilistic_Methods", "Reinforcement_Learning",
                                      "Rule_Learning", "Theory"}));
  EXPECT_EQ(class_sizes(cora.nodes), (std::vector<std::size_t>{298, 418, 818, 426, 217, 180, 351}));
  EXPECT_EQ(cora.nodes.count(Split::train), 140u);
  EXPECT_EQ(cora.nodes.count(Split::validation), 500u);
  EXPECT_EQ(cora.nodes.count(Split::test), 1000u);
  EXPECT_EQ(cora.nodes.original_ids.front(), "31336");
  EXPECT_NO_THROW(cora.graph.validate());
  EXPECT_NO_THROW(cora.nodes.validate());
}

TEST(LinqsReal, CiteSeer) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const auto start = std::chrono::steady_clock::now();
  const Dataset citeseer = read_linqs(datasets / "citation" / "citeseer");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("load_seconds", std::to_string(seconds));
  EXPECT_EQ(citeseer.name, "citeseer");
  // 3312 papers of .content and the 15 ids found only in .cites.
  EXPECT_EQ(citeseer.graph.num_vertices(), 3327u);
  // 4732 citation lines: 124 self-loops dropped, 4608 distinct pairs, 56 cited both ways.
  EXPECT_EQ(citeseer.graph.num_edges(), 4552u);
  // The Planetoid CiteSeer graph has 48 isolated nodes and maximum degree 99.
  EXPECT_EQ(isolated(citeseer.graph), 48u);
  EXPECT_EQ(max_degree(citeseer.graph), 99u);
  EXPECT_EQ(citeseer.nodes.num_features(), 3703u);
  EXPECT_EQ(citeseer.nodes.num_classes, 6u);
  EXPECT_EQ(citeseer.nodes.class_names,
            (std::vector<std::string>{"AI", "Agents", "DB", "HCI", "IR", "ML"}));
  EXPECT_EQ(class_sizes(citeseer.nodes), (std::vector<std::size_t>{249, 596, 701, 508, 668, 590}));
  EXPECT_EQ(citeseer.nodes.count(Split::train), 120u);
  EXPECT_EQ(citeseer.nodes.count(Split::validation), 500u);
  EXPECT_EQ(citeseer.nodes.count(Split::test), 1000u);

  // The cites-only ids close the node list: no words, no class.
  const auto& features = std::get<SparseFeatures>(citeseer.nodes.features);
  for (std::size_t v = 3312; v < 3327; ++v) {
    EXPECT_EQ(citeseer.nodes.labels[v], kNoClass) << v;
    EXPECT_EQ(features.offsets[v], features.offsets[v + 1]) << v;
  }
  EXPECT_EQ(citeseer.nodes.original_ids[3312], "197556");
  EXPECT_EQ(citeseer.nodes.original_ids[3326], "weng95shoslifn");
  EXPECT_EQ(citeseer.nodes.original_ids[0], "100157");
  EXPECT_NO_THROW(citeseer.graph.validate());
  EXPECT_NO_THROW(citeseer.nodes.validate());
}

}  // namespace
}  // namespace graphmini::datasets
