// A tensor of uniform values in [-1, 1), for tests of the GNN operators and layers.
#pragma once

#include <cstddef>
#include <random>

#include "gnn/tensor.h"

namespace graphmini::testing {

inline gnn::Tensor random_tensor(std::size_t rows, std::size_t cols, std::mt19937_64& random) {
  gnn::Tensor t(rows, cols);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& x : t.values())
    x = uniform(random);
  return t;
}

}  // namespace graphmini::testing
