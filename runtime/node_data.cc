#include "runtime/node_data.h"

#include <algorithm>
#include <utility>

#include "runtime/checksum.h"
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

void check_appended_columns(std::size_t cols, std::size_t appended_cols) {
  if (appended_cols != cols) {
    throw InvalidArgument("cannot append rows of " + std::to_string(appended_cols) +
                          " features to rows of " + std::to_string(cols));
  }
}

}  // namespace

std::size_t NodeData::num_features() const {
  return std::visit([](const auto& f) { return f.cols; }, features);
}

std::size_t NodeData::count(Split which) const {
  return static_cast<std::size_t>(std::count(split.begin(), split.end(), which));
}

void NodeData::validate(bool feature_rows_held) const {
  const std::size_t n = num_nodes();
  auto expect = [n](std::size_t size, const char* what) {
    if (size != n) {
      throw InvalidArgument(std::string("node data: ") + std::to_string(n) + " nodes but " +
                            std::to_string(size) + " " + what);
    }
  };
  if (feature_rows_held) {
    expect(feature_rows(features), "feature rows");
  } else if (feature_rows(features) != 0) {
    throw InvalidArgument("node data: features read on demand, but " +
                          std::to_string(feature_rows(features)) + " rows held");
  }
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
  DenseFeatures dense{0, features.cols, {}};
  append_rows(dense, features);
  return dense;
}

SparseFeatures to_sparse(const DenseFeatures& features) {
  SparseFeatures sparse{features.rows, features.cols, {0}, {}, {}};
  sparse.offsets.reserve(features.rows + 1);
  for (std::size_t i = 0; i < features.rows; ++i) {
    const auto row = features.row(i);
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (!is_implicit_zero(row[j])) {
        sparse.columns.push_back(static_cast<std::uint32_t>(j));
        sparse.values.push_back(row[j]);
      }
    }
    sparse.offsets.push_back(sparse.columns.size());
  }
  return sparse;
}

void append_rows(DenseFeatures& features, const DenseFeatures& rows) {
  check_appended_columns(features.cols, rows.cols);
  features.values.insert(features.values.end(), rows.values.begin(), rows.values.end());
  features.rows += rows.rows;
}

void append_rows(DenseFeatures& features, const SparseFeatures& rows) {
  check_appended_columns(features.cols, rows.cols);
  const std::size_t first = features.values.size();
  features.values.resize(first + rows.rows * rows.cols, 0.0f);
  for (std::size_t i = 0; i < rows.rows; ++i) {
    float* row = features.values.data() + first + i * rows.cols;
    for (std::uint64_t k = rows.offsets[i]; k < rows.offsets[i + 1]; ++k)
      row[rows.columns[k]] = rows.values[k];
  }
  features.rows += rows.rows;
}

void append_rows(SparseFeatures& features, const SparseFeatures& rows) {
  check_appended_columns(features.cols, rows.cols);
  if (features.offsets.empty()) features.offsets.push_back(0);
  const std::uint64_t base = features.columns.size();
  features.columns.insert(features.columns.end(), rows.columns.begin(), rows.columns.end());
  features.values.insert(features.values.end(), rows.values.begin(), rows.values.end());
  for (std::size_t i = 0; i < rows.rows; ++i)
    features.offsets.push_back(base + rows.offsets[i + 1]);
  features.rows += rows.rows;
}

FeatureLayout choose_feature_layout(std::uint64_t non_zeros, std::uint64_t rows,
                                    std::uint64_t cols) {
  // Counts of values held in memory, so the products cannot overflow.
  return non_zeros * 10 < rows * cols ? FeatureLayout::sparse : FeatureLayout::dense;
}

std::uint64_t count_non_zeros(const Features& features) {
  if (const auto* sparse = std::get_if<SparseFeatures>(&features)) return sparse->values.size();
  const std::vector<float>& values = std::get<DenseFeatures>(features).values;
  return static_cast<std::uint64_t>(std::count_if(
      values.begin(), values.end(), [](float value) { return !is_implicit_zero(value); }));
}

Features select_rows(const Features& features, std::span<const std::uint32_t> nodes) {
  const std::size_t rows = feature_rows(features);
  for (const std::uint32_t v : nodes) {
    if (v >= rows) {
      throw InvalidArgument("feature row " + std::to_string(v) + " asked of " +
                            std::to_string(rows) + " rows");
    }
  }
  if (const auto* dense = std::get_if<DenseFeatures>(&features)) {
    DenseFeatures out{nodes.size(), dense->cols, std::vector<float>(nodes.size() * dense->cols)};
    for (std::size_t i = 0; i < nodes.size(); ++i)
      std::copy_n(dense->row(nodes[i]).data(), dense->cols, out.values.data() + i * dense->cols);
    return out;
  }
  const auto& sparse = std::get<SparseFeatures>(features);
  SparseFeatures out{nodes.size(), sparse.cols, {0}, {}, {}};
  for (const std::uint32_t v : nodes) {
    out.columns.insert(out.columns.end(), sparse.columns.begin() + sparse.offsets[v],
                       sparse.columns.begin() + sparse.offsets[v + 1]);
    out.values.insert(out.values.end(), sparse.values.begin() + sparse.offsets[v],
                      sparse.values.begin() + sparse.offsets[v + 1]);
    out.offsets.push_back(out.values.size());
  }
  return out;
}

std::uint32_t dense_features_crc(std::uint32_t values_crc, std::uint64_t rows, std::uint64_t cols) {
  const std::uint64_t shape[2] = {rows, cols};
  return crc32_combine(values_crc, crc32_of_array(std::span<const std::uint64_t>(shape)),
                       sizeof shape);
}

std::uint32_t features_crc(const Features& features) {
  if (const auto* dense = std::get_if<DenseFeatures>(&features)) {
    return dense_features_crc(crc32_of_array(std::span<const float>(dense->values)), dense->rows,
                              dense->cols);
  }
  const auto& sparse = std::get<SparseFeatures>(features);
  std::uint32_t crc = dense_features_crc(crc32_of_array(std::span<const float>(sparse.values)),
                                         sparse.rows, sparse.cols);
  const std::span<const std::uint64_t> offsets(sparse.offsets);
  const std::span<const std::uint32_t> columns(sparse.columns);
  crc = crc32_combine(crc, crc32_of_array(offsets), offsets.size_bytes());
  return crc32_combine(crc, crc32_of_array(columns), columns.size_bytes());
}

Features in_chosen_layout(Features features) {
  const auto [rows, cols] =
      std::visit([](const auto& f) { return std::pair(f.rows, f.cols); }, features);
  const FeatureLayout layout = choose_feature_layout(count_non_zeros(features), rows, cols);
  if (layout == FeatureLayout::sparse) {
    if (const auto* dense = std::get_if<DenseFeatures>(&features)) return to_sparse(*dense);
  } else if (const auto* sparse = std::get_if<SparseFeatures>(&features)) {
    return to_dense(*sparse);
  }
  return features;
}

}  // namespace graphmini
