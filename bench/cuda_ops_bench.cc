// The CUDA operators (gnn/cuda/device_ops.h) at full-graph GCN scale: a random graph of 1M
// nodes and 40M arcs, features of width 128 and 16, as in the PyTorch Geometric baselines of
// issue 18 (2-layer GCN, hidden 128: 224 ms/epoch; GraphSAGE: 176 ms/epoch on an H200).
//
// What it answers: which forward aggregation kernel to run (cuSPARSE SpMM with each CSR
// algorithm, against the own row kernel), how fast the backward's transposed row kernel, the
// cuBLAS products of a layer (the weight gradient is a 128 x 128 output over k = 1M, where
// cuBLAS may not split k because atomics are off), the column sums, dropout, and one GCN-like
// layer forward and backward; and the loss over every node. Device time is measured with CUDA
// events around each call (manual time); rates are bytes moved (lower bounds: each value read or
// written once) or floating-point operations per second.
//
// The cuSPARSE rows record whether two runs gave the same bits (counter bitwise_repeatable):
// on the H200 only CSR_ALG3 did, so that is the algorithm graphmini's cuSPARSE path runs.
//
// The graph: each of the 40M arcs has a destination and a source drawn uniformly (SplitMix64
// of a fixed seed, so every run has the same graph), grouped by destination by a counting sort
// and each row's sources sorted, as a CSR. Without a CUDA device every benchmark reports the
// runtime's reason as an error and the program exits 0.
//
//   build/release/bench/cuda_ops_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "gnn/cuda/device_ops.h"

namespace graphmini::gnn::cuda {
namespace {

constexpr std::size_t kNodes = 1'000'000;
constexpr std::size_t kArcs = 40'000'000;
constexpr std::uint64_t kSeed = 18;

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(call) + ": " + cudaGetErrorString(status));
}
void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + ": " + cublasGetStatusString(status));
}
void check(cusparseStatus_t status, const char* call) {
  if (status != CUSPARSE_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + ": " + cusparseGetErrorString(status));
}
#define BENCH_CHECK(call) check((call), #call)

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The benchmark graph on the device, with GCN-like weights 1 / sqrt((in + 1)(out + 1)) formed
// by entry_weights, and its transpose for the backward.
struct Graph {
  DeviceCsr csr;
  TransposedCsr transposed;
  DeviceArray<float> weights;
};

const Graph& graph() {
  static const std::unique_ptr<Graph> instance = [] {
    std::vector<std::uint32_t> destination(kArcs);
    std::vector<std::uint32_t> source(kArcs);
    std::uint64_t state = kSeed;
    for (std::size_t a = 0; a < kArcs; ++a) {
      const std::uint64_t bits = splitmix64(state);
      destination[a] = static_cast<std::uint32_t>((bits & 0xffffffffu) * kNodes >> 32);
      source[a] = static_cast<std::uint32_t>((bits >> 32) * kNodes >> 32);
    }
    std::vector<std::uint64_t> offsets(kNodes + 1, 0);
    for (const std::uint32_t d : destination)
      ++offsets[d + 1];
    for (std::size_t d = 0; d < kNodes; ++d)
      offsets[d + 1] += offsets[d];
    std::vector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
    std::vector<std::uint32_t> indices(kArcs);
    for (std::size_t a = 0; a < kArcs; ++a)
      indices[next[destination[a]]++] = source[a];
    for (std::size_t d = 0; d < kNodes; ++d)
      std::sort(indices.begin() + static_cast<std::ptrdiff_t>(offsets[d]),
                indices.begin() + static_cast<std::ptrdiff_t>(offsets[d + 1]));
    std::vector<float> row_scales(kNodes);
    std::vector<float> index_scales(kNodes);
    std::vector<std::uint32_t> out_degree(kNodes, 0);
    for (const std::uint32_t s : indices)
      ++out_degree[s];
    for (std::size_t v = 0; v < kNodes; ++v) {
      row_scales[v] = 1.0f / std::sqrt(static_cast<float>(offsets[v + 1] - offsets[v] + 1));
      index_scales[v] = 1.0f / std::sqrt(static_cast<float>(out_degree[v] + 1));
    }
    auto g = std::make_unique<Graph>();
    g->csr = upload_csr(kNodes, offsets, indices);
    g->transposed = upload_transposed_csr(kNodes, offsets, indices);
    const DeviceArray<float> d_rows{std::span<const float>(row_scales)};
    const DeviceArray<float> d_index{std::span<const float>(index_scales)};
    g->weights = entry_weights(g->csr, nullptr, d_index.data(), d_rows.data());
    synchronize();
    return g;
  }();
  return *instance;
}

// A rows x cols device matrix of values in [-1, 1), the same for every run; made once per
// shape and seed and kept, because Google Benchmark calls each benchmark several times while
// it finds an iteration count.
const DeviceMatrix& input(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  // The device pool first, so that it is destroyed after the cache at exit.
  device_memory_statistics();
  static std::map<std::tuple<std::size_t, std::size_t, std::uint64_t>, DeviceMatrix> cache;
  auto [it, inserted] = cache.try_emplace({rows, cols, seed});
  if (inserted) {
    std::vector<float> values(rows * cols);
    std::uint64_t state = seed;
    for (float& v : values)
      v = static_cast<float>(splitmix64(state) >> 40) * 0x1.0p-23f - 1.0f;
    it->second = DeviceMatrix(rows, cols, values);
  }
  return it->second;
}

bool no_device(benchmark::State& state) {
  if (device_count() > 0) return false;
  state.SkipWithError(("no CUDA device: " + no_device_reason()).c_str());
  return true;
}

// Runs `op` once to warm up, then times each call with CUDA events as the iteration's time.
template <typename Op>
void time_device(benchmark::State& state, Op&& op) {
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  BENCH_CHECK(cudaEventCreate(&start));
  BENCH_CHECK(cudaEventCreate(&stop));
  op();
  synchronize();
  for (auto _ : state) {
    BENCH_CHECK(cudaEventRecord(start));
    op();
    BENCH_CHECK(cudaEventRecord(stop));
    BENCH_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    BENCH_CHECK(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms / 1e3);
  }
  synchronize();
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

// Runs `body` with the errors of the device reported as the benchmark's error.
template <typename Body>
void guarded(benchmark::State& state, Body&& body) {
  if (no_device(state)) return;
  try {
    body();
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
  }
}

// Bytes an aggregation over `csr` moves at least: offsets, indices and weights once, one
// source row gathered per entry, one output row written per row.
double aggregation_bytes(const DeviceCsr& csr, std::size_t width) {
  return static_cast<double>(csr.rows + 1) * 4 + static_cast<double>(csr.entries()) * 8 +
         static_cast<double>(csr.entries() + csr.rows) * static_cast<double>(width) * 4;
}

void set_bytes(benchmark::State& state, double bytes_per_call) {
  state.counters["bytes_per_second"] = benchmark::Counter(
      bytes_per_call, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1024);
}

void set_flops(benchmark::State& state, double flops_per_call) {
  state.counters["flops"] =
      benchmark::Counter(flops_per_call, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- (a), (c) Forward aggregation through aggregate(), per kernel ----------------------------
void aggregate_with(benchmark::State& state, AggregationKernel kernel) {
  guarded(state, [&] {
    const Graph& g = graph();
    const auto width = static_cast<std::size_t>(state.range(0));
    const DeviceMatrix& x = input(kNodes, width, 1);
    DeviceMatrix out(kNodes, width);
    time_device(state, [&] { aggregate(g.csr, g.weights, x, out, 0.0f, kernel); });
    set_bytes(state, aggregation_bytes(g.csr, width));
  });
}

void BM_AggregateCusparse(benchmark::State& state) {
  aggregate_with(state, AggregationKernel::cusparse);
}
BENCHMARK(BM_AggregateCusparse)
    ->Arg(128)
    ->Arg(16)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_AggregateRowKernel(benchmark::State& state) {
  aggregate_with(state, AggregationKernel::rows);
}
BENCHMARK(BM_AggregateRowKernel)->Arg(128)->Arg(16)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- (b) cuSPARSE SpMM by algorithm, descriptors and buffer made once -------------------------
// Arguments: width, algorithm (cusparseSpMMAlg_t: 0 default, 4 CSR_ALG1, 6 CSR_ALG2, 12
// CSR_ALG3). The operation is the one aggregate() asks for: A non-transposed, B and C row-major.
void BM_CusparseSpmm(benchmark::State& state) {
  guarded(state, [&] {
    const Graph& g = graph();
    const auto width = static_cast<std::int64_t>(state.range(0));
    const auto algorithm = static_cast<cusparseSpMMAlg_t>(state.range(1));
    const DeviceMatrix& x = input(kNodes, static_cast<std::size_t>(width), 1);
    DeviceMatrix out(kNodes, static_cast<std::size_t>(width));
    cusparseHandle_t handle = nullptr;
    BENCH_CHECK(cusparseCreate(&handle));
    cusparseSpMatDescr_t a = nullptr;
    cusparseDnMatDescr_t b = nullptr;
    cusparseDnMatDescr_t c = nullptr;
    const auto n = static_cast<std::int64_t>(kNodes);
    struct Cleanup {
      cusparseHandle_t& handle;
      cusparseSpMatDescr_t& a;
      cusparseDnMatDescr_t& b;
      cusparseDnMatDescr_t& c;
      ~Cleanup() {
        if (c != nullptr) cusparseDestroyDnMat(c);
        if (b != nullptr) cusparseDestroyDnMat(b);
        if (a != nullptr) cusparseDestroySpMat(a);
        if (handle != nullptr) cusparseDestroy(handle);
      }
    } cleanup{handle, a, b, c};
    BENCH_CHECK(cusparseCreateCsr(&a, n, n, static_cast<std::int64_t>(g.csr.entries()),
                                  const_cast<std::int32_t*>(g.csr.offsets.data()),
                                  const_cast<std::int32_t*>(g.csr.indices.data()),
                                  const_cast<float*>(g.weights.data()), CUSPARSE_INDEX_32I,
                                  CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    BENCH_CHECK(cusparseCreateDnMat(&b, n, width, width, const_cast<float*>(x.data()), CUDA_R_32F,
                                    CUSPARSE_ORDER_ROW));
    BENCH_CHECK(
        cusparseCreateDnMat(&c, n, width, width, out.data(), CUDA_R_32F, CUSPARSE_ORDER_ROW));
    const float one = 1.0f;
    const float zero = 0.0f;
    const auto op = CUSPARSE_OPERATION_NON_TRANSPOSE;
    std::size_t buffer_bytes = 0;
    BENCH_CHECK(cusparseSpMM_bufferSize(handle, op, op, &one, a, b, &zero, c, CUDA_R_32F, algorithm,
                                        &buffer_bytes));
    DeviceArray<float> buffer((buffer_bytes + sizeof(float) - 1) / sizeof(float));
    // Optional; it speeds up CSR_ALG1 and CSR_ALG3 (cuSPARSE documentation), done once outside
    // the timing as a training loop would do it once per graph.
    BENCH_CHECK(cusparseSpMM_preprocess(handle, op, op, &one, a, b, &zero, c, CUDA_R_32F, algorithm,
                                        buffer.data()));
    auto spmm = [&] {
      BENCH_CHECK(
          cusparseSpMM(handle, op, op, &one, a, b, &zero, c, CUDA_R_32F, algorithm, buffer.data()));
    };
    // Once per width and algorithm: two runs' bits compared on the host.
    static std::map<std::pair<std::int64_t, int>, bool> repeatable_runs;
    auto [known, first_time] = repeatable_runs.try_emplace({width, algorithm}, false);
    if (first_time) {
      spmm();
      const std::vector<float> first = out.download();
      spmm();
      const std::vector<float> second = out.download();
      known->second = std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0;
    }
    const bool repeatable = known->second;
    time_device(state, spmm);
    set_bytes(state, aggregation_bytes(g.csr, static_cast<std::size_t>(width)));
    state.counters["bitwise_repeatable"] = repeatable ? 1 : 0;
  });
}
BENCHMARK(BM_CusparseSpmm)
    ->ArgNames({"width", "alg"})
    ->ArgsProduct({{128, 16},
                   {CUSPARSE_SPMM_ALG_DEFAULT, CUSPARSE_SPMM_CSR_ALG1, CUSPARSE_SPMM_CSR_ALG2,
                    CUSPARSE_SPMM_CSR_ALG3}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---- (d) Backward aggregation (own row kernel over the transposed CSR) -------------------------
void BM_AggregateBackward(benchmark::State& state) {
  guarded(state, [&] {
    const Graph& g = graph();
    const auto width = static_cast<std::size_t>(state.range(0));
    const DeviceMatrix& dy = input(kNodes, width, 2);
    DeviceMatrix dx(kNodes, width);
    time_device(state, [&] { aggregate_backward(g.transposed, g.weights, dy, dx); });
    // Plus the original-entry index read per entry.
    set_bytes(state, aggregation_bytes(g.transposed.csr, width) +
                         4.0 * static_cast<double>(g.transposed.csr.entries()));
  });
}
BENCHMARK(BM_AggregateBackward)->Arg(128)->Arg(16)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- (e) cuBLAS products of a 128 -> 128 layer over 1M rows -----------------------------------
// Argument: 0 forward X W, 1 weight gradient X^T dY (k = 1M; matmul splits k into chunks), 2
// input gradient dY W^T, 3 the weight gradient as one cublasSgemm with matmul's handle settings
// (atomics off, pedantic math), the baseline of the split.
void BM_Matmul(benchmark::State& state) {
  guarded(state, [&] {
    const std::size_t width = 128;
    const DeviceMatrix& x = input(kNodes, width, 1);
    const DeviceMatrix& w = input(width, width, 4);
    DeviceMatrix big(kNodes, width);
    DeviceMatrix small(width, width);
    const int which = static_cast<int>(state.range(0));
    cublasHandle_t handle = nullptr;
    BENCH_CHECK(cublasCreate(&handle));
    struct Cleanup {
      cublasHandle_t handle;
      ~Cleanup() { cublasDestroy(handle); }
    } cleanup{handle};
    BENCH_CHECK(cublasSetAtomicsMode(handle, CUBLAS_ATOMICS_NOT_ALLOWED));
    BENCH_CHECK(cublasSetMathMode(handle, CUBLAS_PEDANTIC_MATH));
    const float one = 1.0f;
    const float zero = 0.0f;
    const int n = static_cast<int>(width);
    time_device(state, [&] {
      if (which == 0) matmul(x, false, w, false, big);
      if (which == 1) matmul(x, true, x, false, small);
      if (which == 2) matmul(x, false, w, true, big);
      if (which == 3)  // row-major X^T X as column-major (X^T X)^T = X^T X: op(B) = N, op(A) = T
        BENCH_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_T, n, n, static_cast<int>(kNodes),
                                &one, x.data(), n, x.data(), n, &zero, small.data(), n));
    });
    set_flops(state, 2.0 * kNodes * width * width);
    const char* labels[] = {"X W", "X^T dY split over k", "dY W^T", "X^T dY one cublasSgemm"};
    state.SetLabel(labels[which]);
  });
}
BENCHMARK(BM_Matmul)->DenseRange(0, 3)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- (f) Column sums (a bias gradient) ---------------------------------------------------------
void BM_ColumnSums(benchmark::State& state) {
  guarded(state, [&] {
    const auto width = static_cast<std::size_t>(state.range(0));
    const DeviceMatrix& x = input(kNodes, width, 2);
    DeviceArray<float> gradient(width);
    gradient.fill_zero();
    time_device(state, [&] { add_column_sums(x, gradient.data()); });
    set_bytes(state, 4.0 * kNodes * width);
  });
}
BENCHMARK(BM_ColumnSums)->Arg(128)->Arg(16)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- (g) Dropout: values and mask ---------------------------------------------------------------
void BM_Dropout(benchmark::State& state) {
  guarded(state, [&] {
    const std::size_t width = 128;
    DeviceMatrix x(kNodes, width);
    DeviceMatrix mask;
    std::uint64_t seed = 0;
    time_device(state, [&] { dropout(x, nullptr, 0.5f, ++seed, mask); });
    set_bytes(state, 12.0 * kNodes * width);  // read and write values, write mask
  });
}
BENCHMARK(BM_Dropout)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- Loss over every node: log-softmax and NLL with its gradient ------------------------------
// Argument: classes. One thread per node on the device, the per-node losses summed on the host.
void BM_Loss(benchmark::State& state) {
  guarded(state, [&] {
    const auto classes = static_cast<std::size_t>(state.range(0));
    const DeviceMatrix& logits = input(kNodes, classes, 10);
    std::vector<std::uint32_t> nodes(kNodes);
    std::vector<std::int32_t> labels(kNodes);
    std::uint64_t random = 11;
    for (std::size_t v = 0; v < kNodes; ++v) {
      nodes[v] = static_cast<std::uint32_t>(v);
      labels[v] = static_cast<std::int32_t>(splitmix64(random) % classes);
    }
    const DeviceArray<std::uint32_t> d_nodes{std::span<const std::uint32_t>(nodes)};
    const DeviceArray<std::int32_t> d_labels{std::span<const std::int32_t>(labels)};
    DeviceMatrix gradient;
    time_device(state, [&] {
      benchmark::DoNotOptimize(
          log_softmax_nll(logits, d_nodes.data(), kNodes, d_labels.data(), &gradient));
    });
    set_bytes(state, 8.0 * kNodes * classes);  // read logits, write the gradient
  });
}
BENCHMARK(BM_Loss)->Arg(47)->UseManualTime()->Unit(benchmark::kMillisecond);

// ---- (h) One GCN-like layer 128 -> 128, forward and backward ----------------------------------
// Forward: H = X W, Z = A H + b, Y = relu(Z). Backward from dY: dZ = relu'(Y) dY, db = column
// sums of dZ, dH = A^T dZ, dW = X^T dH, dX = dH W^T. Argument: the forward kernel (1 cuSPARSE,
// 2 own row kernel). A 2-layer GCN epoch is about two of these plus the loss.
void BM_GcnLayer(benchmark::State& state) {
  guarded(state, [&] {
    const Graph& g = graph();
    const std::size_t width = 128;
    const auto kernel = static_cast<AggregationKernel>(state.range(0));
    const DeviceMatrix& x = input(kNodes, width, 1);
    const DeviceMatrix& w = input(width, width, 4);
    const DeviceMatrix& dy = input(kNodes, width, 2);
    DeviceArray<float> bias(width);
    bias.fill_zero();
    DeviceArray<float> d_bias(width);
    d_bias.fill_zero();
    DeviceMatrix h(kNodes, width), z(kNodes, width), y(kNodes, width), dz(kNodes, width);
    DeviceMatrix dh(kNodes, width), dw(width, width), dx(kNodes, width);
    time_device(state, [&] {
      matmul(x, false, w, false, h);
      aggregate(g.csr, g.weights, h, z, 0.0f, kernel);
      add_bias(z, bias.data());
      activate(Activation::relu, z, y);
      activate_backward(Activation::relu, y, dy, dz);
      add_column_sums(dz, d_bias.data());
      aggregate_backward(g.transposed, g.weights, dz, dh);
      matmul(x, true, dh, false, dw);
      matmul(dh, false, w, true, dx);
    });
    state.SetLabel(kernel == AggregationKernel::rows ? "row kernel forward" : "cuSPARSE forward");
  });
}
BENCHMARK(BM_GcnLayer)
    ->Arg(static_cast<int>(AggregationKernel::cusparse))
    ->Arg(static_cast<int>(AggregationKernel::rows))
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace graphmini::gnn::cuda
