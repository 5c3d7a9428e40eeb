// Per-vertex data for GNN training: features, class labels and the train/validation/test
// split. It is the GNN half of the shared storage and lives beside Graph (not in datasets/)
// so that the trainers never depend on file formats. Row i describes vertex i of the graph it
// was loaded with.
#pragma once

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
  // range, every node in a split has a class and the features have one row per node.
  void validate() const;
};

// Sparse -> dense and dense -> sparse (keeping exact non-zeros) conversions.
DenseFeatures to_dense(const SparseFeatures& features);
SparseFeatures to_sparse(const DenseFeatures& features);

}  // namespace graphmini
