// Per-vertex data for GNN training: features, class labels and the train/validation/test
// split. It is the GNN half of the shared storage and lives beside Graph (not in datasets/)
// so that the trainers never depend on file formats. Row i describes vertex i of the graph it
// was loaded with.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace graphmini {

// Row-major rows x cols.
struct DenseFeatures {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> values;

  std::span<const float> row(std::size_t i) const { return {values.data() + i * cols, cols}; }
};

// Compressed sparse rows: row i holds columns[offsets[i] .. offsets[i+1]) (increasing) with
// the matching values. Citation features are about 1% non-zero.
struct SparseFeatures {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint64_t> offsets;  // rows + 1 entries
  std::vector<std::uint32_t> columns;
  std::vector<float> values;
};

using Features = std::variant<DenseFeatures, SparseFeatures>;

enum class Split : std::uint8_t { none, train, validation, test };

inline constexpr std::int32_t kNoClass = -1;

struct NodeData {
  Features features;
  std::vector<std::int32_t> labels;  // class in [0, num_classes), or kNoClass
  std::uint32_t num_classes = 0;
  std::vector<std::string> class_names;   // empty, or num_classes names
  std::vector<Split> split;               // one per vertex
  std::vector<std::string> original_ids;  // empty, or what the input called each vertex

  std::size_t num_nodes() const { return labels.size(); }
  std::size_t num_features() const;
  std::size_t count(Split which) const;

  // Throws InvalidArgument unless every array has one entry per node, every label is in
  // range, every node in a split has a class and the features have one row per node (none
  // when not `feature_rows_held`: a dataset whose rows are read on demand, datasets/dataset.h).
  void validate(bool feature_rows_held = true) const;
};

// Whether sparse features leave the value out: +0 only. A -0 is stored like any other value,
// so that it survives either layout, and every conversion, bit for bit.
inline bool is_implicit_zero(float value) {
  return std::bit_cast<std::uint32_t>(value) == 0;
}

// Sparse -> dense and dense -> sparse (keeping every value that is not an implicit zero)
// conversions.
DenseFeatures to_dense(const SparseFeatures& features);
SparseFeatures to_sparse(const DenseFeatures& features);

// Appends the rows of `rows` below those of `features` (for readers that build features in
// pieces); throws InvalidArgument when the column counts differ.
void append_rows(DenseFeatures& features, const DenseFeatures& rows);
void append_rows(DenseFeatures& features, const SparseFeatures& rows);
void append_rows(SparseFeatures& features, const SparseFeatures& rows);

enum class FeatureLayout { dense, sparse };

// The layout that features of rows x cols with `non_zeros` non-zero values are stored in:
// sparse when fewer than one value in ten is non-zero, else dense (so no features: dense).
// Every reader and generator stores its features so, whatever the file format, and a
// dataset trains at the same speed in any layout.
//
// Why one in ten: the layout matters in the first layer's products, X W forward and X^T dY
// backward (LayerInput in gnn/layers.cc; the sparse product touches the non-zeros, the dense
// one is a BLAS GEMM over every value). bench/feature_layout_bench times both on one core of
// this project's AMD EPYC machine, 4096 rows of 512 and of 4096 features; sparse time over
// dense time at each output width:
//
//   density       1%     5%      10%     15%     20%     30%     50%
//   width 16    0.09   0.39    0.81    1.26    1.56    2.6     4.8
//               0.07   0.34    0.72    1.13    1.59    3.0     4.8
//   width 64    0.06   0.19    0.44    0.72    0.83    1.25    2.5
//               0.06   0.28    0.46    0.71    0.94    1.8     3.6
//   width 256   0.07   0.22    0.40    0.57    0.67    1.03    1.8
//               0.05   0.21    0.38    0.54    0.77    1.27    1.9
//
// (upper line 512 features, lower 4096). Sparse breaks even near 12% at width 16 (GCN's
// hidden width on the citation data) and at 20-30% for wider layers. The reader cannot know
// the model's width, so the threshold sits below the narrowest break-even: under 10% sparse
// is faster at every width, by 1.2x to 20x, and it also takes less memory (8 bytes per
// non-zero against 4 per value).
FeatureLayout choose_feature_layout(std::uint64_t non_zeros, std::uint64_t rows,
                                    std::uint64_t cols);

// The values of dense features that are not implicit zeros; the stored values of sparse ones.
std::uint64_t count_non_zeros(const Features& features);

// The rows of `nodes` (any order, each below features' rows), in the layout of `features`.
Features select_rows(const Features& features, std::span<const std::uint32_t> nodes);

// CRC-32 of features: their values, then their shape (rows, cols), then for sparse ones the
// offsets and the columns. It fingerprints the data a checkpoint was trained on.
std::uint32_t features_crc(const Features& features);
// The same for dense features of rows x cols whose values' CRC-32 is `values_crc`, for
// features computed piece by piece and never held whole.
std::uint32_t dense_features_crc(std::uint32_t values_crc, std::uint64_t rows, std::uint64_t cols);

// `features` in the layout choose_feature_layout picks for them (unchanged when they are in
// it already).
Features in_chosen_layout(Features features);

}  // namespace graphmini
