// Loading .gmg files and building the graphs they hold, at 2^14 .. 2^22 vertices of average
// degree 16 (uniform random pairs through build_graph, generated here so the benchmark needs
// nothing but the runtime).
//
//  * map_binary_graph with Verification::header should cost the same at every size (an mmap
//    and a 128-byte header check: microseconds);
//  * with Verification::full it reads every byte (CRC-32) and checks every invariant, so its
//    time grows with the file and is reported as bytes/s;
//  * build_graph is reported as input pairs/s, with one thread (the baseline) and with all.
//
//   build/<dir>/bench/binary_graph_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/binary_graph.h"
#include "runtime/graph_builder.h"

namespace graphmini {
namespace {

constexpr unsigned kAverageDegree = 16;

// n * kAverageDegree / 2 uniform random pairs over n = 2^scale vertices (splitmix64).
EdgeList random_edges(unsigned scale) {
  const std::uint64_t n = std::uint64_t{1} << scale;
  EdgeList list;
  list.num_vertices = n;
  list.edges.resize(n * kAverageDegree / 2);
  std::uint64_t state = scale;
  const auto next = [&] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (Edge& edge : list.edges) {
    const std::uint64_t bits = next();
    edge = {static_cast<VertexId>(bits & (n - 1)), static_cast<VertexId>((bits >> 32) & (n - 1))};
  }
  return list;
}

// The .gmg file of each scale, written once into a scratch folder removed at exit.
class Files {
 public:
  ~Files() {
    std::error_code ignored;
    if (!folder_.empty()) std::filesystem::remove_all(folder_, ignored);
  }

  const std::filesystem::path& of(unsigned scale) {
    if (folder_.empty()) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "graphmini-bench-XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      folder_ = pattern;
    }
    auto [at, added] = paths_.try_emplace(scale);
    if (added) {
      at->second = folder_ / ("uniform-" + std::to_string(scale) + ".gmg");
      write_binary_graph(build_graph(random_edges(scale), {.keep_isolated_vertices = true}),
                         at->second);
    }
    return at->second;
  }

 private:
  std::filesystem::path folder_;
  std::map<unsigned, std::filesystem::path> paths_;
};

Files files;

std::size_t threads_of(std::int64_t argument) {
  return argument == 0 ? static_cast<std::size_t>(tbb::info::default_concurrency())
                       : static_cast<std::size_t>(argument);
}

// range(0): log2 of the vertex count.
void BM_MapHeaderOnly(benchmark::State& state) {
  const auto& path = files.of(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) {
    const Graph graph = map_binary_graph(path, Verification::header);
    benchmark::DoNotOptimize(graph.adjacency().data());
  }
  state.counters["MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

// range(0): log2 of the vertex count; range(1): threads, 0 meaning all of them.
void BM_MapFullVerification(benchmark::State& state) {
  const auto& path = files.of(static_cast<unsigned>(state.range(0)));
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  threads_of(state.range(1)));
  const auto bytes = std::filesystem::file_size(path);
  for (auto _ : state) {
    const Graph graph = map_binary_graph(path, Verification::full);
    benchmark::DoNotOptimize(graph.adjacency().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["threads"] = static_cast<double>(threads_of(state.range(1)));
}

// range(0): log2 of the vertex count; range(1): threads, 0 meaning all of them.
void BM_BuildGraph(benchmark::State& state) {
  const unsigned scale = static_cast<unsigned>(state.range(0));
  const EdgeList input = random_edges(scale);
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  threads_of(state.range(1)));
  for (auto _ : state) {
    state.PauseTiming();
    EdgeList copy = input;
    state.ResumeTiming();
    const Graph graph = build_graph(std::move(copy), {.keep_isolated_vertices = true});
    benchmark::DoNotOptimize(graph.adjacency().data());
  }
  state.counters["pairs/s"] = benchmark::Counter(
      static_cast<double>(input.edges.size()) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["threads"] = static_cast<double>(threads_of(state.range(1)));
}

BENCHMARK(BM_MapHeaderOnly)->DenseRange(14, 22, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MapFullVerification)
    ->ArgsProduct({benchmark::CreateDenseRange(14, 22, 2), {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_BuildGraph)
    ->ArgsProduct({benchmark::CreateDenseRange(14, 22, 2), {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace graphmini
