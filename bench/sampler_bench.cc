// Mini-batch sampling throughput (gnn/sampler.h) in sampled edges per second, and per core:
// neighbour sampling with fanouts 25,10 from batches of 1024 training nodes, and Cluster-GCN
// batches of 8 of 2000 METIS clusters, on a contextual SBM with 200K nodes and 4M edges
// (average degree 40). Eight batches per iteration, sampled in parallel as the trainer's
// pipeline samples them, with one thread (the baseline) and with all of them.
//
//   build/<dir>/bench/sampler_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <numeric>
#include <random>

#include "datasets/generators.h"
#include "gnn/sampler.h"

namespace graphmini::gnn {
namespace {

constexpr std::size_t kBatches = 8;

const datasets::Dataset& graph() {
  static const datasets::Dataset data = [] {
    datasets::CsbmOptions options;
    options.nodes = 200000;
    options.average_degree = 40;
    options.features = 4;
    options.classes = 4;
    return datasets::generate_csbm(options);
  }();
  return data;
}

std::size_t threads_of(const benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  return threads == 0 ? static_cast<std::size_t>(tbb::info::default_concurrency()) : threads;
}

// Samples kBatches batches in parallel per iteration; `sample(b, stream)` returns one.
template <typename Sample>
void run(benchmark::State& state, const Sample& sample) {
  const std::size_t threads = threads_of(state);
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  std::uint64_t stream = 0;
  std::atomic<std::uint64_t> edges{0};
  for (auto _ : state) {
    tbb::parallel_for(std::size_t{0}, kBatches, [&](std::size_t b) {
      const MiniBatch batch = sample(b, stream + b);
      edges += batch.num_edges();
    });
    stream += kBatches;
  }
  const auto total = static_cast<double>(edges.load());
  state.counters["threads"] = static_cast<double>(threads);
  state.counters["edges/s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
  state.counters["edges/s/core"] =
      benchmark::Counter(total / static_cast<double>(threads), benchmark::Counter::kIsRate);
  state.counters["edges/batch"] = total / static_cast<double>(state.iterations() * kBatches);
}

void BM_NeighborSampling(benchmark::State& state) {
  const Graph& g = graph().graph;
  const NeighborSampler sampler(g, {25, 10}, /*self_loops=*/false, 1);
  std::vector<std::uint32_t> nodes(g.num_vertices());
  std::iota(nodes.begin(), nodes.end(), 0u);
  std::shuffle(nodes.begin(), nodes.end(), std::mt19937_64(1));
  run(state, [&](std::size_t b, std::uint64_t stream) {
    return sampler.sample(std::span(nodes).subspan(b * 1024, 1024), stream);
  });
}

void BM_ClusterSampling(benchmark::State& state) {
  const Graph& g = graph().graph;
  static const ClusterSampler sampler(g, 2000, /*self_loops=*/false, 1);
  run(state, [&](std::size_t, std::uint64_t stream) {
    std::uint32_t clusters[8];
    for (std::uint32_t i = 0; i < 8; ++i)
      clusters[i] = static_cast<std::uint32_t>((stream * 8 + i) % sampler.num_clusters());
    return sampler.sample(clusters);
  });
}

BENCHMARK(BM_NeighborSampling)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ClusterSampling)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace graphmini::gnn
