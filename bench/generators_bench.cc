// Generation time of the synthetic graphs and datasets (datasets/generators.h) at the sizes the
// GNN and pattern-matching benchmarks use: Graph500 Kronecker at scale 20 / edge factor 16, the
// contextual SBM with a million nodes and 128 features, and Erdős–Rényi with the same number of
// pairs as the Kronecker run. Each runs with one thread (the baseline) and with all threads, so
// the speed-up is read off the same run; the output is identical either way.
//
//   build/<dir>/bench/generators_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstddef>

#include "datasets/generators.h"

namespace graphmini::datasets {
namespace {

// range(0): threads, 0 meaning all of them.
std::size_t threads_of(const benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  return threads == 0 ? static_cast<std::size_t>(tbb::info::default_concurrency()) : threads;
}

void BM_Kronecker(benchmark::State& state) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads_of(state));
  const KroneckerOptions options{.scale = 20, .edge_factor = 16};
  std::size_t pairs = 0;
  for (auto _ : state) {
    const EdgeList list = generate_kronecker(options);
    pairs = list.edges.size();
    benchmark::DoNotOptimize(list.edges.data());
  }
  state.counters["threads"] = static_cast<double>(threads_of(state));
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

void BM_ErdosRenyi(benchmark::State& state) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads_of(state));
  const ErdosRenyiOptions options{.vertices = 1u << 20, .edges = 16u << 20};
  for (auto _ : state) {
    const EdgeList list = generate_erdos_renyi(options);
    benchmark::DoNotOptimize(list.edges.data());
  }
  state.counters["threads"] = static_cast<double>(threads_of(state));
  state.counters["edges/s"] = benchmark::Counter(
      static_cast<double>(options.edges) * state.iterations(), benchmark::Counter::kIsRate);
}

// Includes build_graph, features (128M normal draws) and the split: the whole Dataset.
void BM_Csbm(benchmark::State& state) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads_of(state));
  const CsbmOptions options{.nodes = 1000000, .classes = 16, .average_degree = 20, .features = 128};
  for (auto _ : state) {
    const Dataset dataset = generate_csbm(options);
    benchmark::DoNotOptimize(dataset.graph.adjacency().data());
  }
  state.counters["threads"] = static_cast<double>(threads_of(state));
  state.counters["nodes/s"] = benchmark::Counter(
      static_cast<double>(options.nodes) * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Kronecker)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ErdosRenyi)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Csbm)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace graphmini::datasets
