#include "gnn/features.h"

#include <algorithm>
#include <cstring>

#include "gnn/parallel.h"

namespace graphmini::gnn {
namespace {

// Scales each row of non-negative features to sum 1; leaves features with a negative value
// as they are.
void normalize_rows(std::span<const std::uint64_t> offsets, std::span<float> values) {
  if (std::any_of(values.begin(), values.end(), [](float v) { return v < 0; })) return;
  for_each_row(offsets.size() - 1, 16, [&](std::size_t i) {
    double sum = 0;
    for (std::uint64_t e = offsets[i]; e < offsets[i + 1]; ++e)
      sum += values[e];
    if (sum == 0) return;
    for (std::uint64_t e = offsets[i]; e < offsets[i + 1]; ++e)
      values[e] = static_cast<float>(values[e] / sum);
  });
}

}  // namespace

InputFeatures::InputFeatures(const Features& features, bool normalize) {
  if (const SparseFeatures* sparse = std::get_if<SparseFeatures>(&features)) {
    SparseMatrix& x = values_.emplace<SparseMatrix>(SparseMatrix::from(*sparse));
    if (normalize) normalize_rows(x.offsets, x.values);
    return;
  }
  const DenseFeatures& dense = std::get<DenseFeatures>(features);
  Tensor& t = values_.emplace<Tensor>(dense.rows, dense.cols);
  std::copy(dense.values.begin(), dense.values.end(), t.data());
  if (normalize) {
    std::vector<std::uint64_t> offsets(dense.rows + 1);
    for (std::size_t i = 0; i <= dense.rows; ++i)
      offsets[i] = i * dense.cols;
    normalize_rows(offsets, t.values());
  }
}

std::size_t InputFeatures::rows() const {
  return input().rows();
}

std::size_t InputFeatures::bytes() const {
  if (const Tensor* t = std::get_if<Tensor>(&values_)) return t->size() * sizeof(float);
  const SparseMatrix& m = std::get<SparseMatrix>(values_);
  return m.offsets.size() * sizeof(std::uint64_t) +
         m.values.size() * (sizeof(float) + sizeof(std::uint32_t));
}

LayerInput InputFeatures::input() const {
  return std::visit([](const auto& x) { return LayerInput(x); }, values_);
}

void InputFeatures::to(DeviceKind device) {
  if (Tensor* t = std::get_if<Tensor>(&values_)) {
    if (t->device() != device) *t = t->to(device);
    return;
  }
  if (device == DeviceKind::cpu) return;
  const SparseMatrix& m = std::get<SparseMatrix>(values_);
  Tensor dense(m.rows, m.cols);
  for_each_row(m.rows, 16, [&](std::size_t i) {
    for (std::uint64_t e = m.offsets[i]; e < m.offsets[i + 1]; ++e)
      dense(i, m.columns[e]) = m.values[e];
  });
  values_ = dense.to(device);
}

void InputFeatures::gather(std::span<const std::uint32_t> nodes, InputFeatures& out) const {
  if (const Tensor* t = std::get_if<Tensor>(&values_)) {
    Tensor* rows = std::get_if<Tensor>(&out.values_);
    if (rows == nullptr) rows = &out.values_.emplace<Tensor>();
    take_rows(*t, nodes, *rows);
    return;
  }
  const SparseMatrix& m = std::get<SparseMatrix>(values_);
  SparseMatrix* rows = std::get_if<SparseMatrix>(&out.values_);
  if (rows == nullptr) rows = &out.values_.emplace<SparseMatrix>();
  rows->rows = nodes.size();
  rows->cols = m.cols;
  rows->offsets.resize(nodes.size() + 1);
  rows->offsets[0] = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    rows->offsets[i + 1] = rows->offsets[i] + (m.offsets[nodes[i] + 1] - m.offsets[nodes[i]]);
  rows->columns.resize(rows->offsets.back());
  rows->values.resize(rows->offsets.back());
  for_each_row(nodes.size(), 16, [&](std::size_t i) {
    const std::uint64_t first = m.offsets[nodes[i]];
    const std::uint64_t count = m.offsets[nodes[i] + 1] - first;
    std::copy_n(m.columns.begin() + first, count, rows->columns.begin() + rows->offsets[i]);
    std::copy_n(m.values.begin() + first, count, rows->values.begin() + rows->offsets[i]);
  });
}

}  // namespace graphmini::gnn
