// The model's input features: the dataset's node features converted once to what the layers
// read (a dense Tensor, or a SparseMatrix for bag-of-words data), and the rows of a mini-batch
// gathered from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "gnn/block.h"
#include "gnn/layers.h"
#include "gnn/tensor.h"
#include "runtime/node_data.h"

namespace graphmini::gnn {

class InputFeatures {
 public:
  InputFeatures() = default;
  // With `normalize`, each node's features are scaled to sum 1 when no feature is negative
  // (bag-of-words input, as Kipf and Welling preprocess the citation data); other features
  // are used as they are.
  InputFeatures(const Features& features, bool normalize);

  std::size_t rows() const;
  std::size_t bytes() const;
  LayerInput input() const;
  // The rows of `nodes`, in that order (the input of a mini-batch), on these features' device;
  // `out` keeps its storage from batch to batch when it has the right kind.
  void gather(std::span<const std::uint32_t> nodes, InputFeatures& out) const;
  // Moves the features to `device` (nothing when they are there). On the CUDA device they are
  // always dense (sparse bag-of-words rows are expanded: cora's 2,708 x 1,433 are 15.5 MB), so that
  // the layers' products there are cuBLAS's; dropout drops the same values either way (sparse
  // dropout decides a non-zero as dense dropout decides its value).
  void to(DeviceKind device);

 private:
  std::variant<Tensor, SparseMatrix> values_;
};

}  // namespace graphmini::gnn
