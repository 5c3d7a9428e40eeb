#include "runtime/node_data.h"

#include <algorithm>

#include "runtime/error.h"

namespace graphmini {
namespace {

std::size_t feature_rows(const Features& features) {
  return std::visit([](const auto& f) { return f.rows; }, features);
}

void check_sparse(const SparseFeatures& f) {
  if (f.offsets.size() != f.rows + 1 || f.offsets.front() != 0 ||
      f.offsets.back() != f.columns.size() || f.columns.size() != f.values.size()) {
    throw InvalidArgument("sparse features: offsets, columns and values do not match " +
                          std::to_string(f.rows) + " rows");
  }
  // All offsets first: only monotone offsets ending at columns.size() keep every row's
  // columns inside the array.
  for (std::size_t i = 0; i < f.rows; ++i) {
    if (f.offsets[i + 1] < f.offsets[i]) {
      throw InvalidArgument("sparse features: offsets decrease at row " + std::to_string(i));
    }
  }
  for (std::size_t i = 0; i < f.rows; ++i) {
    for (std::uint64_t k = f.offsets[i]; k < f.offsets[i + 1]; ++k) {
      if (f.columns[k] >= f.cols || (k > f.offsets[i] && f.columns[k - 1] >= f.columns[k])) {
        throw InvalidArgument("sparse features: row " + std::to_string(i) +
                              " has columns out of range or out of order");
      }
    }
  }
}

}  // namespace

std::size_t NodeData::num_features() const {
  return std::visit([](const auto& f) { return f.cols; }, features);
}

std::size_t NodeData::count(Split which) const {
  return static_cast<std::size_t>(std::count(split.begin(), split.end(), which));
}

void NodeData::validate() const {
  const std::size_t n = num_nodes();
  auto expect = [n](std::size_t size, const char* what) {
    if (size != n) {
      throw InvalidArgument(std::string("node data: ") + std::to_string(n) + " nodes but " +
                            std::to_string(size) + " " + what);
    }
  };
  expect(feature_rows(features), "feature rows");
  expect(split.size(), "split entries");
  if (!original_ids.empty()) expect(original_ids.size(), "original ids");
  if (!class_names.empty() && class_names.size() != num_classes) {
    throw InvalidArgument("node data: " + std::to_string(num_classes) + " classes but " +
                          std::to_string(class_names.size()) + " class names");
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (labels[v] != kNoClass && (labels[v] < 0 || labels[v] >= std::int64_t{num_classes})) {
      throw InvalidArgument("node data: node " + std::to_string(v) + " has label " +
                            std::to_string(labels[v]) + " outside [0, " +
                            std::to_string(num_classes) + ")");
    }
    // A node without a class in a split would count as a wrong prediction (test) or have no
    // target (train, validation).
    if (labels[v] == kNoClass && split[v] != Split::none) {
      throw InvalidArgument("node data: node " + std::to_string(v) +
                            " is in a split but has no class");
    }
  }
  if (const auto* dense = std::get_if<DenseFeatures>(&features)) {
    if (dense->values.size() != dense->rows * dense->cols) {
      throw InvalidArgument("dense features: " + std::to_string(dense->values.size()) +
                            " values for " + std::to_string(dense->rows) + " x " +
                            std::to_string(dense->cols));
    }
  } else {
    check_sparse(std::get<SparseFeatures>(features));
  }
}

DenseFeatures to_dense(const SparseFeatures& features) {
  DenseFeatures dense{features.rows, features.cols,
                      std::vector<float>(features.rows * features.cols, 0.0f)};
  for (std::size_t i = 0; i < features.rows; ++i) {
    for (std::uint64_t k = features.offsets[i]; k < features.offsets[i + 1]; ++k) {
      dense.values[i * features.cols + features.columns[k]] = features.values[k];
    }
  }
  return dense;
}

SparseFeatures to_sparse(const DenseFeatures& features) {
  SparseFeatures sparse{features.rows, features.cols, {0}, {}, {}};
  sparse.offsets.reserve(features.rows + 1);
  for (std::size_t i = 0; i < features.rows; ++i) {
    const auto row = features.row(i);
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (row[j] != 0.0f) {
        sparse.columns.push_back(static_cast<std::uint32_t>(j));
        sparse.values.push_back(row[j]);
      }
    }
    sparse.offsets.push_back(sparse.columns.size());
  }
  return sparse;
}

}  // namespace graphmini
