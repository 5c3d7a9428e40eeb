// NodeData: validate() rejects each inconsistency with a message naming it, the dense <->
// sparse feature conversions keep exactly the non-zeros (-0 included), and the layout rule
// stores features sparse below one non-zero in ten and dense from there.
#include "runtime/node_data.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/checksum.h"
#include "runtime/error.h"

namespace graphmini {
namespace {

// Four nodes, three classes, three features:
//
//   node  features        label     split
//   0     1    0    0     0         train
//   1     0    0    2.5   2         validation
//   2     0    0    0     (none)    none
//   3     -1   0.5  0     1         test
DenseFeatures dense_features() {
  return {4, 3, {1, 0, 0, 0, 0, 2.5f, 0, 0, 0, -1, 0.5f, 0}};
}

SparseFeatures sparse_features() {
  return {4, 3, {0, 1, 2, 2, 4}, {0, 2, 0, 1}, {1, 2.5f, -1, 0.5f}};
}

NodeData node_data(Features features = dense_features()) {
  NodeData data;
  data.features = std::move(features);
  data.labels = {0, 2, kNoClass, 1};
  data.num_classes = 3;
  data.class_names = {"theory", "systems", "learning"};
  data.split = {Split::train, Split::validation, Split::none, Split::test};
  data.original_ids = {"p17", "p4", "p99", "p3"};
  return data;
}

std::string rejection(const NodeData& data) {
  try {
    data.validate();
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "";
}

void expect_equal(const SparseFeatures& actual, const SparseFeatures& expected) {
  EXPECT_EQ(actual.rows, expected.rows);
  EXPECT_EQ(actual.cols, expected.cols);
  EXPECT_EQ(actual.offsets, expected.offsets);
  EXPECT_EQ(actual.columns, expected.columns);
  EXPECT_EQ(actual.values, expected.values);
}

TEST(NodeData, ConsistentDataValidates) {
  EXPECT_EQ(rejection(node_data()), "");
  EXPECT_EQ(rejection(node_data(sparse_features())), "");
  const NodeData data = node_data();
  EXPECT_EQ(data.num_nodes(), 4u);
  EXPECT_EQ(data.num_features(), 3u);
  EXPECT_EQ(node_data(sparse_features()).num_features(), 3u);
}

TEST(NodeData, OptionalPartsMayBeEmpty) {
  NodeData data = node_data();
  data.class_names.clear();
  data.original_ids.clear();
  EXPECT_EQ(rejection(data), "");
  EXPECT_EQ(rejection(NodeData{DenseFeatures{}, {}, 0, {}, {}, {}}), "");
}

TEST(NodeData, CountsEachSplit) {
  NodeData data = node_data();
  data.split = {Split::train, Split::train, Split::none, Split::train};
  EXPECT_EQ(data.count(Split::train), 3u);
  EXPECT_EQ(data.count(Split::validation), 0u);
  EXPECT_EQ(data.count(Split::test), 0u);
  EXPECT_EQ(data.count(Split::none), 1u);
}

// A test node without a class would count as a wrong prediction; a training or validation
// one would have no target.
TEST(NodeDataValidate, RejectsANodeWithoutAClassInASplit) {
  for (const Split split : {Split::train, Split::validation, Split::test}) {
    NodeData data = node_data();
    data.split[2] = split;
    EXPECT_EQ(rejection(data), "node data: node 2 is in a split but has no class");
  }
}

TEST(NodeDataValidate, RejectsAFeatureRowCountOtherThanTheNodeCount) {
  NodeData data = node_data();
  data.features = DenseFeatures{3, 3, std::vector<float>(9, 0.0f)};
  EXPECT_EQ(rejection(data), "node data: 4 nodes but 3 feature rows");
}

TEST(NodeDataValidate, RejectsASplitOfTheWrongSize) {
  NodeData data = node_data();
  data.split.pop_back();
  EXPECT_EQ(rejection(data), "node data: 4 nodes but 3 split entries");
}

TEST(NodeDataValidate, RejectsOriginalIdsOfTheWrongCount) {
  NodeData data = node_data();
  data.original_ids.resize(2);
  EXPECT_EQ(rejection(data), "node data: 4 nodes but 2 original ids");
}

TEST(NodeDataValidate, RejectsClassNamesOfTheWrongCount) {
  NodeData data = node_data();
  data.class_names.pop_back();
  EXPECT_EQ(rejection(data), "node data: 3 classes but 2 class names");
}

TEST(NodeDataValidate, RejectsLabelsOutsideTheClassesButNotNoClass) {
  NodeData data = node_data();
  data.labels[1] = 3;
  EXPECT_EQ(rejection(data), "node data: node 1 has label 3 outside [0, 3)");
  data.labels[1] = -2;
  EXPECT_EQ(rejection(data), "node data: node 1 has label -2 outside [0, 3)");
  data.labels[1] = kNoClass;
  data.split[1] = Split::none;
  EXPECT_EQ(rejection(data), "");
}

TEST(NodeDataValidate, RejectsDenseValuesThatDoNotFillTheMatrix) {
  DenseFeatures features = dense_features();
  features.values.pop_back();
  EXPECT_EQ(rejection(node_data(features)), "dense features: 11 values for 4 x 3");
}

TEST(NodeDataValidate, RejectsSparseArraysOfMismatchedSizes) {
  const std::string mismatch = "sparse features: offsets, columns and values do not match 4 rows";
  SparseFeatures features = sparse_features();
  features.offsets.pop_back();
  EXPECT_EQ(rejection(node_data(features)), mismatch);

  features = sparse_features();
  features.offsets = {1, 1, 2, 2, 4};  // not starting at 0
  EXPECT_EQ(rejection(node_data(features)), mismatch);

  features = sparse_features();
  features.offsets.back() = 3;  // not ending at the column count
  EXPECT_EQ(rejection(node_data(features)), mismatch);

  features = sparse_features();
  features.values.pop_back();
  EXPECT_EQ(rejection(node_data(features)), mismatch);
}

TEST(NodeDataValidate, RejectsDecreasingOffsetsNamingTheRow) {
  SparseFeatures features = sparse_features();
  features.offsets = {0, 3, 2, 2, 4};
  EXPECT_EQ(rejection(node_data(features)), "sparse features: offsets decrease at row 1");
}

// Row 0 claims 100 entries of a 2-entry array; a later offset brings the total back to 2.
// Reading row 0's columns before checking every offset would read past the array.
TEST(NodeDataValidate, RejectsAnOffsetPastTheColumnsWithoutReadingThere) {
  NodeData data;
  data.features = SparseFeatures{2, 3, {0, 100, 2}, {0, 1}, {1.0f, 1.0f}};
  data.labels = {0, 0};
  data.num_classes = 1;
  data.split = {Split::train, Split::test};
  EXPECT_EQ(rejection(data), "sparse features: offsets decrease at row 1");
}

TEST(NodeDataValidate, RejectsColumnsOutOfRangeOrOutOfOrder) {
  SparseFeatures features = sparse_features();
  features.columns[1] = 3;  // row 1, with 3 columns
  EXPECT_EQ(rejection(node_data(features)),
            "sparse features: row 1 has columns out of range or out of order");

  features = sparse_features();
  features.columns[3] = 0;  // row 3: 0 0
  EXPECT_EQ(rejection(node_data(features)),
            "sparse features: row 3 has columns out of range or out of order");

  features = sparse_features();
  features.columns = {0, 2, 1, 0};  // row 3: 1 0
  EXPECT_EQ(rejection(node_data(features)),
            "sparse features: row 3 has columns out of range or out of order");
}

TEST(NodeDataValidate, FeaturesReadOnDemandHoldNoRows) {
  NodeData data = node_data(DenseFeatures{0, 3, {}});
  EXPECT_NO_THROW(data.validate(false));
  EXPECT_NE(rejection(data).find("4 nodes but 0 feature rows"), std::string::npos);
  data.features = dense_features();
  try {
    data.validate(false);
    ADD_FAILURE() << "rows held of features read on demand";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("4 rows held"), std::string::npos) << error.what();
  }
}

TEST(Features, SelectRowsTakesTheRowsAskedForInTheirOrderInEitherLayout) {
  const std::vector<std::uint32_t> rows = {3, 1, 3, 2};
  const auto dense = std::get<DenseFeatures>(select_rows(dense_features(), rows));
  EXPECT_EQ(dense.rows, 4u);
  EXPECT_EQ(dense.cols, 3u);
  EXPECT_EQ(dense.values, (std::vector<float>{-1, 0.5f, 0, 0, 0, 2.5f, -1, 0.5f, 0, 0, 0, 0}));
  expect_equal(std::get<SparseFeatures>(select_rows(sparse_features(), rows)),
               {4, 3, {0, 2, 3, 5, 5}, {0, 1, 2, 0, 1}, {-1, 0.5f, 2.5f, -1, 0.5f}});
  EXPECT_EQ(std::get<DenseFeatures>(select_rows(dense_features(), {})).rows, 0u);
  EXPECT_THROW(select_rows(dense_features(), std::vector<std::uint32_t>{4}), InvalidArgument);
  EXPECT_THROW(select_rows(sparse_features(), std::vector<std::uint32_t>{0, 4}), InvalidArgument);
}

// The CRC covers the values, the shape and a sparse matrix's structure, and dense features'
// CRC can be put together from their values' alone.
TEST(Features, CrcTellsValuesShapeAndStructureApart) {
  const DenseFeatures dense = dense_features();
  const std::uint32_t crc = features_crc(dense);
  EXPECT_EQ(crc, dense_features_crc(crc32_of_array(std::span<const float>(dense.values)), 4, 3));
  DenseFeatures changed = dense;
  changed.values[7] = 1;
  EXPECT_NE(features_crc(changed), crc);
  EXPECT_NE(features_crc(DenseFeatures{3, 4, dense.values}), crc);
  const SparseFeatures sparse = sparse_features();
  SparseFeatures moved = sparse;
  moved.columns[1] = 1;  // the same values in another column
  EXPECT_NE(features_crc(moved), features_crc(sparse));
  SparseFeatures shifted = sparse;
  shifted.offsets = {0, 1, 1, 2, 4};  // the same values in other rows
  EXPECT_NE(features_crc(shifted), features_crc(sparse));
}

TEST(Features, ToSparseKeepsExactlyTheNonZeros) {
  expect_equal(to_sparse(dense_features()), sparse_features());
}

TEST(Features, ToDenseFillsTheZeros) {
  const DenseFeatures dense = to_dense(sparse_features());
  EXPECT_EQ(dense.rows, 4u);
  EXPECT_EQ(dense.cols, 3u);
  EXPECT_EQ(dense.values, dense_features().values);
  EXPECT_EQ(std::vector<float>(dense.row(3).begin(), dense.row(3).end()),
            (std::vector<float>{-1, 0.5f, 0}));
}

TEST(Features, RoundTripsBothWays) {
  expect_equal(to_sparse(to_dense(sparse_features())), sparse_features());
  EXPECT_EQ(to_dense(to_sparse(dense_features())).values, dense_features().values);
  const SparseFeatures empty_rows = to_sparse(DenseFeatures{2, 0, {}});
  EXPECT_EQ(empty_rows.offsets, (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(to_dense(empty_rows).rows, 2u);
}

TEST(Features, MinusZeroIsStoredSparseSoBothLayoutsKeepItsSign) {
  const DenseFeatures dense{1, 3, {0.0f, -0.0f, 2.0f}};
  const SparseFeatures sparse = to_sparse(dense);
  EXPECT_EQ(sparse.columns, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(std::bit_cast<std::uint32_t>(sparse.values[0]), std::bit_cast<std::uint32_t>(-0.0f));
  EXPECT_EQ(std::bit_cast<std::uint32_t>(to_dense(sparse).values[1]),
            std::bit_cast<std::uint32_t>(-0.0f));
  EXPECT_EQ(count_non_zeros(dense), 2u);
}

TEST(Features, AppendedRowsGoBelowInEitherLayout) {
  DenseFeatures dense{1, 3, {7, 0, 0}};
  append_rows(dense, sparse_features());
  append_rows(dense, DenseFeatures{1, 3, {0, 8, 9}});
  EXPECT_EQ(dense.rows, 6u);
  EXPECT_EQ(dense.values,
            (std::vector<float>{7, 0, 0, 1, 0, 0, 0, 0, 2.5f, 0, 0, 0, -1, 0.5f, 0, 0, 8, 9}));

  SparseFeatures sparse{1, 3, {0, 1}, {2}, {6}};
  append_rows(sparse, sparse_features());
  EXPECT_EQ(sparse.rows, 5u);
  EXPECT_EQ(sparse.offsets, (std::vector<std::uint64_t>{0, 1, 2, 3, 3, 5}));
  EXPECT_EQ(sparse.columns, (std::vector<std::uint32_t>{2, 0, 2, 0, 1}));
  EXPECT_EQ(sparse.values, (std::vector<float>{6, 1, 2.5f, -1, 0.5f}));

  SparseFeatures none{0, 3, {}, {}, {}};  // no offsets yet, as a default-built value has
  append_rows(none, sparse_features());
  expect_equal(none, sparse_features());

  EXPECT_THROW(append_rows(dense, SparseFeatures{1, 2, {0, 0}, {}, {}}), InvalidArgument);
  EXPECT_THROW(append_rows(sparse, SparseFeatures{1, 4, {0, 0}, {}, {}}), InvalidArgument);
}

// Sparse strictly below one non-zero in ten, dense from one in ten up.
TEST(FeatureLayout, SparseBelowOneNonZeroInTen) {
  EXPECT_EQ(choose_feature_layout(0, 10, 10), FeatureLayout::sparse);
  EXPECT_EQ(choose_feature_layout(9, 10, 10), FeatureLayout::sparse);
  EXPECT_EQ(choose_feature_layout(10, 10, 10), FeatureLayout::dense);
  EXPECT_EQ(choose_feature_layout(100, 10, 10), FeatureLayout::dense);
  // 2708 x 1433 (cora) is 3,880,564 values: 388,056 non-zeros are just under one in ten,
  // 388,057 just over.
  EXPECT_EQ(choose_feature_layout(388'056, 2708, 1433), FeatureLayout::sparse);
  EXPECT_EQ(choose_feature_layout(388'057, 2708, 1433), FeatureLayout::dense);
  EXPECT_EQ(choose_feature_layout(0, 1, 9), FeatureLayout::sparse);
  EXPECT_EQ(choose_feature_layout(1, 1, 9), FeatureLayout::dense);  // 1 of 9 is over 10%
  // No values at all: dense, the layout of no features.
  EXPECT_EQ(choose_feature_layout(0, 0, 0), FeatureLayout::dense);
  EXPECT_EQ(choose_feature_layout(0, 5, 0), FeatureLayout::dense);
  EXPECT_EQ(choose_feature_layout(0, 0, 5), FeatureLayout::dense);
}

// 2 x 5 features with `non_zeros` non-zero values, the first ones in row-major order.
DenseFeatures with_non_zeros(std::size_t non_zeros) {
  DenseFeatures dense{2, 5, std::vector<float>(10, 0.0f)};
  for (std::size_t k = 0; k < non_zeros; ++k)
    dense.values[k] = static_cast<float>(k + 1) / 4;
  return dense;
}

TEST(FeatureLayout, InChosenLayoutConvertsAtTheThreshold) {
  // 10 values: none non-zero is sparse, one is already one in ten, so dense.
  const Features none = in_chosen_layout(with_non_zeros(0));
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(none));
  expect_equal(std::get<SparseFeatures>(none), SparseFeatures{2, 5, {0, 0, 0}, {}, {}});

  const Features one = in_chosen_layout(with_non_zeros(1));
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(one));
  EXPECT_EQ(std::get<DenseFeatures>(one).values, with_non_zeros(1).values);

  // From sparse: one non-zero turns dense with the same values, none stays sparse.
  const Features densified = in_chosen_layout(to_sparse(with_non_zeros(1)));
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(densified));
  EXPECT_EQ(std::get<DenseFeatures>(densified).values, with_non_zeros(1).values);
  const Features kept = in_chosen_layout(to_sparse(with_non_zeros(0)));
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(kept));

  // 100 values: 9 non-zeros sparse (exactly those), 10 dense.
  DenseFeatures nine{10, 10, std::vector<float>(100, 0.0f)};
  for (std::size_t k = 0; k < 9; ++k)
    nine.values[k * 11] = -1.5f;
  const Features sparse = in_chosen_layout(nine);
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(sparse));
  EXPECT_EQ(to_dense(std::get<SparseFeatures>(sparse)).values, nine.values);
  DenseFeatures ten = nine;
  ten.values[99] = 3.0f;
  const Features dense = in_chosen_layout(ten);
  ASSERT_TRUE(std::holds_alternative<DenseFeatures>(dense));
  EXPECT_EQ(std::get<DenseFeatures>(dense).values, ten.values);

  // No features at all stay dense.
  EXPECT_TRUE(std::holds_alternative<DenseFeatures>(in_chosen_layout(DenseFeatures{4, 0, {}})));
  EXPECT_TRUE(std::holds_alternative<DenseFeatures>(
      in_chosen_layout(SparseFeatures{4, 0, {0, 0, 0, 0, 0}, {}, {}})));
}

}  // namespace
}  // namespace graphmini
