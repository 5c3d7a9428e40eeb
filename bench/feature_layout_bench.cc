// The first layer's products with sparse and with dense input features, at the densities
// where the layout rule of runtime/node_data.h (choose_feature_layout) has to choose: X W
// forward and X^T dY backward, as every model's first layer runs them (gnn/layers.cc,
// LayerInput), on random features of the given density and weights of the given width. Both
// layouts are timed in each iteration, on one thread (its CPU time is one core's work even on
// a shared machine), and reported side by side with their ratio.
//
//   build/<dir>/bench/feature_layout_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>

#include "gnn/block.h"
#include "gnn/layers.h"
#include "gnn/tensor.h"
#include "runtime/node_data.h"

namespace graphmini::gnn {
namespace {

constexpr std::size_t kRows = 4096;

// kRows x cols features, each non-zero with probability `density`, in both layouts.
struct Inputs {
  Tensor dense;
  SparseMatrix sparse;
};

Inputs random_inputs(std::size_t cols, double density) {
  std::mt19937_64 random(7);
  std::bernoulli_distribution non_zero(density);
  std::uniform_real_distribution<float> value(0.5f, 1.5f);
  DenseFeatures features{kRows, cols, std::vector<float>(kRows * cols, 0.0f)};
  for (float& x : features.values)
    if (non_zero(random)) x = value(random);
  Inputs inputs{Tensor(kRows, cols), SparseMatrix::from(to_sparse(features))};
  std::copy(features.values.begin(), features.values.end(), inputs.dense.data());
  return inputs;
}

// This thread's CPU time: the products run on it alone (one oneTBB thread, one BLAS thread).
double thread_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// Arguments: features, density in per mille, hidden width.
void first_layer_products(benchmark::State& state) {
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  set_blas_threads(1);
  const auto cols = static_cast<std::size_t>(state.range(0));
  const double density = static_cast<double>(state.range(1)) / 1000.0;
  const auto width = static_cast<std::size_t>(state.range(2));
  const Inputs inputs = random_inputs(cols, density);
  Tensor weight(cols, width);
  std::mt19937_64 random(11);
  glorot(weight, cols, width, random);
  Tensor d_output(kRows, width);
  d_output.fill(0.01f);
  Tensor output;
  Tensor d_weight(cols, width);
  double dense_seconds = 0;
  double sparse_seconds = 0;
  for (auto _ : state) {
    for (const bool sparse : {false, true}) {
      const LayerInput input = sparse ? LayerInput(inputs.sparse) : LayerInput(inputs.dense);
      const double start = thread_seconds();
      input.multiply(weight, output);
      input.add_transposed_product(d_output, d_weight);
      benchmark::DoNotOptimize(d_weight.data());
      (sparse ? sparse_seconds : dense_seconds) += thread_seconds() - start;
    }
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["dense_ms"] = 1e3 * dense_seconds / iterations;
  state.counters["sparse_ms"] = 1e3 * sparse_seconds / iterations;
  state.counters["sparse/dense"] = sparse_seconds / dense_seconds;
}

BENCHMARK(first_layer_products)
    ->ArgNames({"features", "permille", "width"})
    ->ArgsProduct({{512, 4096}, {10, 50, 100, 150, 200, 300, 500}, {16, 64, 256}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace graphmini::gnn
