// read_ogb / write_ogb: a hand-written dataset in the OGB raw layout (plain and gzip), every
// kind of malformed line, split-folder selection, and write -> read round trips that must
// reproduce graph, features (bit for bit), labels and split.
#include "datasets/ogb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

namespace fs = std::filesystem;
using graphmini::testing::expect_same_graph;
using graphmini::testing::neighbours_of;
using graphmini::testing::ScratchDir;

// The fixture: six nodes, two features each, three classes.
//
//     0 ---- 1 ---- 2          5: no edge, kept as an isolated node
//      \    /
//       \  /
//        3 ---- 4
//
// edge.csv lists 1,0 again after 0,1 and a self-loop 2,2; both are dropped.
constexpr std::string_view kEdges = "0,1\n1,2\n1,3\n3,0\n3,4\n1,0\n2,2\n";
constexpr std::string_view kFeatures = "0.5,-1\n1e-3,2.25\n0,0\n-0.125,3\n7,8\n1.5,-2.5\n";
constexpr std::string_view kLabels = "2\n0\nnan\n1\n\n2\n";  // node 2 "nan", node 4 empty
constexpr std::string_view kNumNodes = "6\n";
constexpr std::string_view kTrain = "0\n3\n";
constexpr std::string_view kValid = "1\n";
constexpr std::string_view kTest = "5\n";

struct OgbFiles {
  std::string edges{kEdges};
  std::string features{kFeatures};
  std::string labels{kLabels};
  std::optional<std::string> num_nodes{std::string(kNumNodes)};
  std::string train{kTrain};
  std::string valid{kValid};
  std::string test{kTest};
};

fs::path write_fixture(const ScratchDir& scratch, const OgbFiles& files, bool gzip = false) {
  const auto write = [&](const std::string& name, std::string_view text) {
    if (gzip) {
      scratch.write_gzip("tiny-ogb/" + name + ".gz", text);
    } else {
      scratch.write("tiny-ogb/" + name, text);
    }
  };
  write("raw/edge.csv", files.edges);
  write("raw/node-feat.csv", files.features);
  write("raw/node-label.csv", files.labels);
  if (files.num_nodes) write("raw/num-node-list.csv", *files.num_nodes);
  write("split/fixed/train.csv", files.train);
  write("split/fixed/valid.csv", files.valid);
  write("split/fixed/test.csv", files.test);
  return scratch / "tiny-ogb";
}

void expect_tiny_graph(const Graph& graph) {
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  ASSERT_EQ(graph.num_vertices(), 6u);
  EXPECT_EQ(graph.num_edges(), 5u);
  EXPECT_EQ(neighbours_of(graph, 0), (std::vector<VertexId>{1, 3}));
  EXPECT_EQ(neighbours_of(graph, 1), (std::vector<VertexId>{0, 2, 3}));
  EXPECT_EQ(neighbours_of(graph, 2), (std::vector<VertexId>{1}));
  EXPECT_EQ(neighbours_of(graph, 3), (std::vector<VertexId>{0, 1, 4}));
  EXPECT_EQ(neighbours_of(graph, 4), (std::vector<VertexId>{3}));
  EXPECT_EQ(neighbours_of(graph, 5), (std::vector<VertexId>{}));
  EXPECT_NO_THROW(graph.validate());
}

void expect_tiny_ogb(const Dataset& dataset) {
  EXPECT_EQ(dataset.name, "tiny-ogb");
  expect_tiny_graph(dataset.graph);
  const NodeData& nodes = dataset.nodes;
  EXPECT_NO_THROW(nodes.validate());
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(nodes.features));
  const auto& features = std::get<DenseFeatures>(nodes.features);
  EXPECT_EQ(features.rows, 6u);
  EXPECT_EQ(features.cols, 2u);
  EXPECT_EQ(features.values, (std::vector<float>{0.5f, -1.0f, 1e-3f, 2.25f, 0.0f, 0.0f, -0.125f,
                                                 3.0f, 7.0f, 8.0f, 1.5f, -2.5f}));
  EXPECT_EQ(nodes.labels, (std::vector<std::int32_t>{2, 0, kNoClass, 1, kNoClass, 2}));
  EXPECT_EQ(nodes.num_classes, 3u);
  EXPECT_TRUE(nodes.class_names.empty());
  EXPECT_TRUE(nodes.original_ids.empty());
  using enum Split;
  EXPECT_EQ(nodes.split, (std::vector<Split>{train, validation, none, train, none, test}));
}

TEST(Ogb, ReadsTheDrawnDataset) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, OgbFiles{});
  EXPECT_TRUE(is_ogb_folder(folder));
  expect_tiny_ogb(read_ogb(folder));
  expect_tiny_ogb(read_ogb(folder, "fixed"));
}

TEST(Ogb, ReadsGzipFiles) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, OgbFiles{}, true);
  EXPECT_TRUE(is_ogb_folder(folder));
  expect_tiny_ogb(read_ogb(folder));
}

TEST(Ogb, PrefersThePlainFileWhenBothExist) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, OgbFiles{});
  scratch.write_gzip("tiny-ogb/raw/edge.csv.gz", "0,5\n");  // must not be the one read
  expect_tiny_ogb(read_ogb(folder));
}

TEST(Ogb, NodeCountFromTheFeatureRowsKeepsTrailingIsolatedNodes) {
  ScratchDir scratch;
  OgbFiles files;
  files.num_nodes.reset();
  // Node 5 appears in no edge: only its feature row makes it a node.
  expect_tiny_ogb(read_ogb(write_fixture(scratch, files)));
}

TEST(Ogb, WithoutFeatureFileNodesHaveNoFeatures) {
  ScratchDir scratch;
  OgbFiles files;
  files.num_nodes.reset();
  const fs::path folder = write_fixture(scratch, files);
  fs::remove(folder / "raw" / "node-feat.csv");
  const Dataset dataset = read_ogb(folder);
  expect_tiny_graph(dataset.graph);  // six nodes, counted from node-label.csv
  const auto& features = std::get<DenseFeatures>(dataset.nodes.features);
  EXPECT_EQ(features.rows, 6u);
  EXPECT_EQ(features.cols, 0u);
  EXPECT_NO_THROW(dataset.nodes.validate());
}

TEST(Ogb, AcceptsCarriageReturnsBlanksAndPandasFloatLabels) {
  ScratchDir scratch;
  OgbFiles files;
  files.edges = "0, 1\r\n1,2\r\n\r\n1,3\r\n3,0\r\n3,4\r\n1,0\r\n2,2";
  files.features = "0.5,-1\r\n+1e-3, 2.25\r\n0,0\r\n-0.125,3\r\n7,8\r\n1.5,-2.5";
  files.labels = "2.0\r\n0\r\nNaN\r\n1.\r\n\r\n2";
  expect_tiny_ogb(read_ogb(write_fixture(scratch, files)));
}

TEST(Ogb, WithoutSplitFolderNoNodeIsInASplit) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, OgbFiles{});
  fs::remove_all(folder / "split");
  const Dataset dataset = read_ogb(folder);
  expect_tiny_graph(dataset.graph);
  EXPECT_EQ(dataset.nodes.split, std::vector<Split>(6, Split::none));
}

TEST(Ogb, SeveralSplitFoldersMustBeNamed) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, OgbFiles{});
  scratch.write("tiny-ogb/split/another/train.csv", "5\n");
  scratch.write("tiny-ogb/split/another/valid.csv", "");
  scratch.write("tiny-ogb/split/another/test.csv", "0\n1\n");
  try {
    read_ogb(folder);
    ADD_FAILURE() << "expected InvalidArgument for two split folders";
  } catch (const InvalidArgument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("holds several splits (another, fixed)"), std::string::npos) << message;
  }
  const Dataset dataset = read_ogb(folder, "another");
  EXPECT_EQ(dataset.nodes.split[5], Split::train);
  EXPECT_EQ(dataset.nodes.split[0], Split::test);
  EXPECT_EQ(dataset.nodes.split[2], Split::none);
  EXPECT_THROW(read_ogb(folder, "missing"), InvalidArgument);
}

TEST(Ogb, MissingFilesAreNamed) {
  ScratchDir scratch;
  EXPECT_THROW(read_ogb(scratch / "absent"), IoError);
  EXPECT_FALSE(is_ogb_folder(scratch / "absent"));

  const auto expect_io_error = [](const fs::path& folder, std::string_view missing) {
    try {
      read_ogb(folder);
      ADD_FAILURE() << "expected IoError naming " << missing;
    } catch (const IoError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(missing), std::string::npos) << message;
    }
  };
  {
    const fs::path folder = write_fixture(scratch, OgbFiles{});
    fs::remove(folder / "split" / "fixed" / "valid.csv");
    expect_io_error(folder, "split/fixed/valid.csv");
  }
  {
    const fs::path folder = write_fixture(scratch, OgbFiles{});
    fs::remove(folder / "raw" / "node-label.csv");
    expect_io_error(folder, "raw/node-label.csv");
  }
  {
    const fs::path folder = write_fixture(scratch, OgbFiles{});
    fs::remove(folder / "raw" / "edge.csv");
    EXPECT_FALSE(is_ogb_folder(folder));
    expect_io_error(folder, "raw/edge.csv");
  }
}

// ---- malformed input: every case names the file and the line ---------------------------------

void expect_parse_error(const OgbFiles& files, std::string_view bad_file, std::uint64_t line,
                        std::initializer_list<std::string_view> fragments) {
  ScratchDir scratch;
  const fs::path folder = write_fixture(scratch, files);
  testing::expect_parse_error([&] { read_ogb(folder); }, folder / bad_file, line, fragments);
}

void expect_parse_error(const OgbFiles& files, std::string_view bad_file, std::uint64_t line,
                        std::string_view fragment) {
  expect_parse_error(files, bad_file, line, {fragment});
}

TEST(OgbErrors, EdgeNamingANodeBeyondTheCount) {
  OgbFiles files;
  files.edges = "0,1\n1,2\n4,6\n";
  expect_parse_error(files, "raw/edge.csv", 3,
                     {"node id 6 is not below the node count 6 (from ", "/raw/num-node-list.csv)"});
  files.num_nodes.reset();
  files.edges = "0,1\n99999999999,2\n";
  expect_parse_error(files, "raw/edge.csv", 2, "node id 99999999999 is not below the node count 6");
}

TEST(OgbErrors, EdgeLinesThatAreNotTwoIds) {
  OgbFiles files;
  files.edges = "0,1\n1;2\n";
  expect_parse_error(files, "raw/edge.csv", 2, "after the source");
  files.edges = "0,1\n1,2,3\n";
  expect_parse_error(files, "raw/edge.csv", 2, "after the target");
  files.edges = "0,1\nsrc,dst\n";
  expect_parse_error(files, "raw/edge.csv", 2, "found 'src,dst'");
  files.edges = "0,1\n-1,2\n";
  expect_parse_error(files, "raw/edge.csv", 2, "found '-1,2'");
}

TEST(OgbErrors, EdgeErrorFarIntoALongFileNamesItsLine) {
  // Long enough to be cut into many pieces that are parsed in parallel.
  OgbFiles files;
  files.edges.clear();
  for (int i = 0; i < 5000; ++i)
    files.edges += i == 4321 ? "1,x\n" : "0,1\n";
  expect_parse_error(files, "raw/edge.csv", 4322, "found 'x'");
}

TEST(OgbErrors, FeatureRowsOfTheWrongLength) {
  OgbFiles files;
  files.features = "0.5,-1\n1e-3,2.25,1\n0,0\n-0.125,3\n7,8\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 2, "3 values, expected 2 as on line 1");
  files.features = "0.5,-1\n1e-3,2.25\n0\n-0.125,3\n7,8\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 3, "1 value, expected 2");
  files.features = "0.5,-1\n1e-3,2.25\n0,0\n\n7,8\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 4, "0 values, expected 2");
  files.features = "\n";
  expect_parse_error(files, "raw/node-feat.csv", 1, "empty feature row");
}

TEST(OgbErrors, FeatureThatIsNotANumber) {
  OgbFiles files;
  files.features = "0.5,-1\n1e-3,2.25\n0,abc\n-0.125,3\n7,8\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 3, "feature 2 is 'abc'");
  files.features = "0.5,-1\n1e-3,2.25\n0,0\nnan,3\n7,8\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 4, "feature 1 is 'nan', not a finite number");
  files.features = "0.5,-1\n1e-3,2.25\n0,0\n-0.125,3\n7,8 x\n1.5,-2.5\n";
  expect_parse_error(files, "raw/node-feat.csv", 5, "unexpected 'x' after feature 2");
}

TEST(OgbErrors, RowCountsThatDisagreeWithTheNodeCount) {
  OgbFiles files;
  files.features = std::string(kFeatures) + "9,9\n";
  expect_parse_error(files, "raw/node-feat.csv", 7, "more rows than the node count 6");
  files.features = "0.5,-1\n1e-3,2.25\n0,0\n-0.125,3\n7,8\n";
  expect_parse_error(files, "raw/node-feat.csv", 6, "ends after 5 rows but the node count is 6");
  files = OgbFiles{};
  files.labels = "2\n0\nnan\n1\n\n";
  expect_parse_error(files, "raw/node-label.csv", 6, "ends after 5 rows");
  // Without num-node-list.csv the feature rows set the count that the labels must match.
  files.num_nodes.reset();
  files.labels = std::string(kLabels) + "1\n";
  expect_parse_error(files, "raw/node-label.csv", 7,
                     {"more rows than the node count 6 (from ", "/raw/node-feat.csv)"});
}

TEST(OgbErrors, LabelsThatAreNotClassNumbers) {
  OgbFiles files;
  files.labels = "2\n0\nnan\n-1\n\n2\n";
  expect_parse_error(files, "raw/node-label.csv", 4, "label '-1' is not a class number");
  files.labels = "2\n0\nnan\n1.5\n\n2\n";
  expect_parse_error(files, "raw/node-label.csv", 4, "label '1.5'");
  files.labels = "2\n0\nnone\n1\n\n2\n";
  expect_parse_error(files, "raw/node-label.csv", 3, "label 'none'");
  files.labels = "2\n0\n3000000000\n1\n\n2\n";
  expect_parse_error(files, "raw/node-label.csv", 3, "label '3000000000'");
  files.labels = "2\n0\n1 2\n1\n\n2\n";
  expect_parse_error(files, "raw/node-label.csv", 3, "label '1 2'");
}

// The class count comes from the largest label, so one stray label would make a million
// empty classes (27 s and 4 GB before this was checked): labels must number the classes
// without gaps.
TEST(OgbErrors, LabelsThatLeaveAClassWithoutNodes) {
  OgbFiles files;
  files.labels = "2\n0\nnan\n1\n\n1000000\n";
  expect_parse_error(files, "raw/node-label.csv", 6,
                     "label 1000000 leaves class 3 without a node; labels must number the "
                     "classes 0, 1, 2, ... without gaps");
  files.labels = "3\n0\nnan\n1\n\n3\n";  // class 2 unused
  expect_parse_error(files, "raw/node-label.csv", 1, "label 3 leaves class 2 without a node");
  files.labels = "2\n1\nnan\n1\n\n2\n";  // class 0 unused
  expect_parse_error(files, "raw/node-label.csv", 1, "label 2 leaves class 0 without a node");
}

TEST(OgbErrors, SplitNodeWithoutAClass) {
  OgbFiles files;
  files.test = "5\n4\n";  // node 4's label is empty
  expect_parse_error(files, "split/fixed/test.csv", 2,
                     "node 4 has no class (its label is 'nan' or empty), so it cannot be in a "
                     "split");
}

TEST(OgbErrors, BadNodeCountFile) {
  OgbFiles files;
  files.num_nodes = "six\n";
  expect_parse_error(files, "raw/num-node-list.csv", 1, "expected the node count");
  files.num_nodes = "6\n7\n";
  expect_parse_error(files, "raw/num-node-list.csv", 2, "several parts");
  files.num_nodes = "\n";
  expect_parse_error(files, "raw/num-node-list.csv", 1, "no node count");
}

TEST(OgbErrors, SplitFilesWithBadIds) {
  OgbFiles files;
  files.test = "5\n\n6\n";
  expect_parse_error(files, "split/fixed/test.csv", 3, "node id 6 is not below the node count 6");
  files = OgbFiles{};
  files.valid = "1\n3\n";
  expect_parse_error(files, "split/fixed/valid.csv", 2, "node 3 is already in the train split");
  files = OgbFiles{};
  files.train = "0\n0\n";
  expect_parse_error(files, "split/fixed/train.csv", 2, "node 0 is already in the train split");
  files = OgbFiles{};
  files.train = "0,3\n";
  expect_parse_error(files, "split/fixed/train.csv", 1, "found ',3' after it");
}

// ---- write_ogb -> read_ogb --------------------------------------------------------------------

// Compares bit patterns, so that -0 differs from 0 and every NaN payload would count.
std::vector<std::uint32_t> bits(const std::vector<float>& values) {
  std::vector<std::uint32_t> out;
  out.reserve(values.size());
  for (const float value : values)
    out.push_back(std::bit_cast<std::uint32_t>(value));
  return out;
}

TEST(OgbRoundTrip, TheDrawnDataset) {
  ScratchDir scratch;
  const Dataset original = read_ogb(write_fixture(scratch, OgbFiles{}));
  const fs::path copy = scratch / "copy";
  write_ogb(original, copy, "mine");
  EXPECT_EQ(graphmini::testing::read_file(copy / "raw" / "edge.csv"), "0,1\n0,3\n1,2\n1,3\n3,4\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "raw" / "node-label.csv"),
            "2\n0\nnan\n1\nnan\n2\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "raw" / "node-feat.csv"),
            "0.5,-1\n0.001,2.25\n0,0\n-0.125,3\n7,8\n1.5,-2.5\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "raw" / "num-node-list.csv"), "6\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "split" / "mine" / "train.csv"), "0\n3\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "split" / "mine" / "valid.csv"), "1\n");
  EXPECT_EQ(graphmini::testing::read_file(copy / "split" / "mine" / "test.csv"), "5\n");
  // Only the finished files: no temporary file is left behind.
  EXPECT_EQ(graphmini::testing::count_files(copy / "raw"), 4u);
  EXPECT_EQ(graphmini::testing::count_files(copy / "split" / "mine"), 3u);

  Dataset again = read_ogb(copy);
  again.name = original.name;
  expect_tiny_ogb(again);
}

TEST(OgbRoundTrip, FeaturesComeBackBitForBit) {
  // Awkward floats: subnormals, -0, extremes, values with no short decimal form.
  const std::vector<float> awkward{-0.0f,
                                   std::numeric_limits<float>::denorm_min(),
                                   -std::numeric_limits<float>::denorm_min(),
                                   std::numeric_limits<float>::min(),
                                   std::numeric_limits<float>::max(),
                                   -std::numeric_limits<float>::max(),
                                   0.1f,
                                   1.0f / 3.0f,
                                   16777217.0f,
                                   std::nextafter(1.0f, 2.0f),
                                   1e-40f,
                                   std::numeric_limits<float>::epsilon()};
  // Many random finite bit patterns on enough nodes that every file is parsed in many pieces,
  // and the features (about 18 MB of text) in two chunks: the second one's pieces parse dense,
  // the rows before being dense already.
  constexpr std::size_t kNodes = 20000;
  constexpr std::size_t kColumns = 64;
  std::mt19937 random(7);
  DenseFeatures features{kNodes, kColumns, {}};
  features.values = awkward;
  while (features.values.size() < kNodes * kColumns) {
    const float value = std::bit_cast<float>(static_cast<std::uint32_t>(random()));
    if (std::isfinite(value)) features.values.push_back(value);
  }
  EdgeList edges;
  edges.num_vertices = kNodes;
  for (int i = 0; i < 60000; ++i) {
    edges.edges.push_back({static_cast<VertexId>(random() % (kNodes - 10)),
                           static_cast<VertexId>(random() % (kNodes - 10))});
  }
  NodeData nodes;
  nodes.features = features;
  nodes.num_classes = 5;
  for (std::size_t v = 0; v < kNodes; ++v) {
    nodes.labels.push_back(v % 11 == 0 ? kNoClass : static_cast<std::int32_t>(random() % 5));
    // Nodes without a class are in no split.
    nodes.split.push_back(v % 11 == 0 ? Split::none : static_cast<Split>(random() % 4));
  }
  const Dataset original{"random", build_graph(std::move(edges), {.keep_isolated_vertices = true}),
                         std::move(nodes)};

  ScratchDir scratch;
  write_ogb(original, scratch / "random");
  const Dataset again = read_ogb(scratch / "random", "generated");
  EXPECT_EQ(again.name, "random");
  expect_same_graph(again.graph, original.graph);
  EXPECT_EQ(again.graph.degree(kNodes - 1), 0u);  // the last ten nodes are isolated
  const auto& read_back = std::get<DenseFeatures>(again.nodes.features);
  EXPECT_EQ(read_back.rows, kNodes);
  EXPECT_EQ(read_back.cols, kColumns);
  EXPECT_EQ(bits(read_back.values), bits(features.values));
  EXPECT_EQ(again.nodes.labels, original.nodes.labels);
  EXPECT_EQ(again.nodes.num_classes, 5u);
  EXPECT_EQ(again.nodes.split, original.nodes.split);
}

TEST(OgbRoundTrip, SparseFeaturesAreWrittenDense) {
  SparseFeatures sparse;
  sparse.rows = 3;
  sparse.cols = 4;
  sparse.offsets = {0, 2, 2, 3};
  sparse.columns = {0, 3, 1};
  sparse.values = {1.0f, 0.25f, -2.0f};
  NodeData nodes;
  nodes.features = sparse;
  nodes.labels = {0, 1, kNoClass};
  nodes.num_classes = 2;
  nodes.class_names = {"a", "b"};
  nodes.split = {Split::train, Split::test, Split::none};
  EdgeList edges;
  edges.num_vertices = 3;
  edges.edges = {{0, 1}};
  const Dataset original{"sparse", build_graph(std::move(edges), {.keep_isolated_vertices = true}),
                         std::move(nodes)};
  ScratchDir scratch;
  write_ogb(original, scratch / "out");
  EXPECT_EQ(graphmini::testing::read_file(scratch / "out" / "raw" / "node-feat.csv"),
            "1,0,0,0.25\n0,0,0,0\n0,-2,0,0\n");
  // 3 of 12 values are non-zero, too many for the sparse layout: they come back dense.
  const Dataset again = read_ogb(scratch / "out");
  EXPECT_EQ(std::get<DenseFeatures>(again.nodes.features).values,
            to_dense(std::get<SparseFeatures>(original.nodes.features)).values);
  EXPECT_EQ(again.nodes.labels, original.nodes.labels);
  EXPECT_EQ(again.nodes.split, original.nodes.split);
  expect_same_graph(again.graph, original.graph);
}

// A dataset of `features`' rows, no edges, every node in class 0 and in no split.
Dataset featured_dataset(Features features) {
  const std::size_t n = std::visit([](const auto& f) { return f.rows; }, features);
  NodeData nodes;
  nodes.features = std::move(features);
  nodes.labels.assign(n, 0);
  nodes.num_classes = 1;
  nodes.split.assign(n, Split::none);
  EdgeList edges;
  edges.num_vertices = n;
  return {"featured", build_graph(std::move(edges), {.keep_isolated_vertices = true}),
          std::move(nodes)};
}

// Writes the features in the OGB layout (every value spelled out) and reads them back.
Features written_and_read(Features features) {
  ScratchDir scratch;
  write_ogb(featured_dataset(std::move(features)), scratch / "out");
  return read_ogb(scratch / "out").nodes.features;
}

void expect_same_sparse(const Features& read, const SparseFeatures& expected) {
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(read));
  const auto& sparse = std::get<SparseFeatures>(read);
  EXPECT_EQ(sparse.rows, expected.rows);
  EXPECT_EQ(sparse.cols, expected.cols);
  EXPECT_EQ(sparse.offsets, expected.offsets);
  EXPECT_EQ(sparse.columns, expected.columns);
  EXPECT_EQ(bits(sparse.values), bits(expected.values));
}

void expect_same_dense(const Features& read, const DenseFeatures& expected) {
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(read));
  const auto& dense = std::get<DenseFeatures>(read);
  EXPECT_EQ(dense.rows, expected.rows);
  EXPECT_EQ(dense.cols, expected.cols);
  EXPECT_EQ(bits(dense.values), bits(expected.values));
}

// 3000 rows of 500 words, each present with probability 1% (a -0 among them is stored too).
TEST(OgbFeatures, ABagOfWordsFileIsStoredSparse) {
  std::mt19937 random(5);
  DenseFeatures words{3000, 500, std::vector<float>(3000 * 500, 0.0f)};
  for (float& value : words.values)
    if (random() % 100 == 0) value = 1.0f;
  words.values[7] = -0.0f;
  words.values[8] = 0.1f;
  expect_same_sparse(written_and_read(words), to_sparse(words));
}

// The layout is the rule's for the whole file, however its density changes along it: here
// 1500 empty rows come before 500 full ones (25% non-zero), and 100 full rows before 1900
// empty ones (5%).
TEST(OgbFeatures, TheLayoutIsDecidedByTheWholeFile) {
  DenseFeatures full_at_the_end{2000, 20, std::vector<float>(2000 * 20, 0.0f)};
  std::fill(full_at_the_end.values.begin() + 1500 * 20, full_at_the_end.values.end(), 0.25f);
  expect_same_dense(written_and_read(full_at_the_end), full_at_the_end);

  DenseFeatures full_at_the_start{2000, 20, std::vector<float>(2000 * 20, 0.0f)};
  std::fill(full_at_the_start.values.begin(), full_at_the_start.values.begin() + 100 * 20, -3.5f);
  expect_same_sparse(written_and_read(full_at_the_start), to_sparse(full_at_the_start));
}

TEST(OgbFeatures, RowsOfOnlyZerosAreStoredSparse) {
  const DenseFeatures zeros{4, 3, std::vector<float>(12, 0.0f)};
  expect_same_sparse(written_and_read(zeros), SparseFeatures{4, 3, {0, 0, 0, 0, 0}, {}, {}});
}

// A rewrite replaces the dataset whole: no split of the earlier one survives to be picked
// up (or to make the split name necessary).
TEST(OgbRoundTrip, RewritingReplacesTheWholeDataset) {
  ScratchDir scratch;
  Dataset dataset = read_ogb(write_fixture(scratch, OgbFiles{}));
  const fs::path out = scratch / "out";
  write_ogb(dataset, out, "a");
  std::swap(dataset.nodes.split[0], dataset.nodes.split[5]);
  write_ogb(dataset, out, "b");
  EXPECT_EQ(read_ogb(out).nodes.split[0], Split::test);
  EXPECT_EQ(read_ogb(out, "b").nodes.split[5], Split::train);
  try {
    read_ogb(out, "a");
    FAIL() << "the earlier dataset's split survived";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("no split 'a' in '"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("(available: b)"), std::string::npos);
  }
  EXPECT_EQ(graphmini::testing::count_files(scratch.path()), 2u);  // tiny-ogb and out
}

TEST(OgbRoundTrip, RefusesToReplaceAFolderThatIsNotADataset) {
  ScratchDir scratch;
  const Dataset dataset = read_ogb(write_fixture(scratch, OgbFiles{}));
  scratch.write("mine/notes.txt", "not a dataset");
  EXPECT_THROW(write_ogb(dataset, scratch / "mine"), Error);
  EXPECT_EQ(graphmini::testing::read_file(scratch / "mine" / "notes.txt"), "not a dataset");
  EXPECT_EQ(graphmini::testing::count_files(scratch / "mine"), 1u);
}

TEST(OgbRoundTrip, NoFeaturesMeansNoFeatureFile) {
  ScratchDir scratch;
  Dataset dataset = read_ogb(write_fixture(scratch, OgbFiles{}));
  const fs::path out = scratch / "out";
  write_ogb(dataset, out);
  EXPECT_TRUE(fs::exists(out / "raw" / "node-feat.csv"));
  dataset.nodes.features = DenseFeatures{6, 0, {}};
  write_ogb(dataset, out);  // over the earlier copy, which had a feature file
  EXPECT_FALSE(fs::exists(out / "raw" / "node-feat.csv"));
  const Dataset again = read_ogb(out);
  EXPECT_EQ(again.nodes.num_features(), 0u);
  EXPECT_EQ(again.nodes.labels, dataset.nodes.labels);
}

TEST(OgbRoundTrip, RefusesWhatTheLayoutCannotHold) {
  ScratchDir scratch;
  Dataset dataset = read_ogb(write_fixture(scratch, OgbFiles{}));
  std::get<DenseFeatures>(dataset.nodes.features).values[3] = std::nanf("");
  EXPECT_THROW(write_ogb(dataset, scratch / "nan"), InvalidArgument);
  EXPECT_FALSE(fs::exists(scratch / "nan"));  // checked before anything is written

  std::get<DenseFeatures>(dataset.nodes.features).values[3] = 1.0f;
  EXPECT_THROW(write_ogb(dataset, scratch / "bad-name", "../escape"), InvalidArgument);
  EXPECT_THROW(write_ogb(dataset, scratch / "bad-name", ""), InvalidArgument);
  dataset.nodes.labels.pop_back();
  EXPECT_THROW(write_ogb(dataset, scratch / "short"), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::datasets
