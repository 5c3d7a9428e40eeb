// What the .cu files of gnn/cuda share: launch sizes, the grid-stride loop, shape text for
// errors, and the device side of dropout's numbered draws. Internal to gnn/cuda.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/random.h"
#include "gnn/cuda/status.cuh"

namespace graphmini::gnn::cuda::detail {

inline constexpr int kThreads = 256;

// Blocks for n elements, one per kThreads, capped: the kernels loop with a grid stride.
inline unsigned blocks_for(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 ? (blocks == 0 ? 1 : blocks) : 65535);
}

inline std::string shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// Value number `n`'s 32-bit draw: the low half of SplitMix64 output n / 2 for even n, the high
// half for odd n (gnn/tensor.cc's numbering, through the same datasets::splitmix64).
__device__ inline bool dropped(std::uint64_t n, std::uint64_t seed, std::uint64_t threshold) {
  const std::uint64_t bits = datasets::splitmix64(seed, n / 2);
  return ((bits >> (n % 2 * 32)) & 0xffffffffu) < threshold;
}

// p * 2^32, as gnn/tensor.cc's drop_threshold; throws InvalidArgument unless p is in [0, 1).
inline std::uint64_t drop_threshold(float p) {
  if (!(p >= 0 && p < 1)) throw InvalidArgument("dropout " + std::to_string(p) + " not in [0, 1)");
  return static_cast<std::uint64_t>(static_cast<double>(p) * 4294967296.0);
}

}  // namespace graphmini::gnn::cuda::detail

#define GRID_STRIDE(i, n)                                                           \
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < (n); \
       i += std::size_t{gridDim.x} * blockDim.x)
