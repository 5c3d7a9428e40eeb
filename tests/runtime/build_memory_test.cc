// The memory requirement of build_graph: "peak memory while building is at most 3x the final
// CSR, counting the edge list it is given" (runtime/graph_builder.h).
//
// This executable replaces the global operator new/delete with versions that count the live
// bytes (malloc_usable_size of every block, so slack is counted too) and remember the peak.
// Each test generates an edge list, resets the peak, moves the list into build_graph and
// compares the peak (input included) with the memory_bytes() of the graph that comes out.
// AddressSanitizer replaces operator new itself, so under ASan the replacement is left out
// and the tests skip.
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "runtime/graph_builder.h"

#if defined(__SANITIZE_ADDRESS__)
#define GRAPHMINI_COUNTING_ALLOCATOR 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAPHMINI_COUNTING_ALLOCATOR 0
#endif
#endif
#ifndef GRAPHMINI_COUNTING_ALLOCATOR
#define GRAPHMINI_COUNTING_ALLOCATOR 1
#endif

namespace {

std::atomic<std::int64_t> live_bytes{0};
std::atomic<std::int64_t> peak_bytes{0};

}  // namespace

#if GRAPHMINI_COUNTING_ALLOCATOR

namespace {

void note_allocation(void* block) {
  const auto size = static_cast<std::int64_t>(malloc_usable_size(block));
  const std::int64_t now = live_bytes.fetch_add(size, std::memory_order_relaxed) + size;
  std::int64_t peak = peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void note_release(void* block) {
  live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(block)),
                       std::memory_order_relaxed);
}

void* allocate(std::size_t size, std::size_t alignment) {
  void* block = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    block = std::malloc(size == 0 ? 1 : size);
  } else if (::posix_memalign(&block, alignment, size == 0 ? 1 : size) != 0) {
    block = nullptr;
  }
  if (block != nullptr) note_allocation(block);
  return block;
}

void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  void* block = allocate(size, alignment);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

void release(void* block) noexcept {
  if (block == nullptr) return;
  note_release(block);
  std::free(block);
}

}  // namespace

void* operator new(std::size_t size) {
  return allocate_or_throw(size, 0);
}
void* operator new[](std::size_t size) {
  return allocate_or_throw(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_or_throw(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_or_throw(size, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return allocate(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return allocate(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<std::size_t>(alignment));
}

void operator delete(void* block) noexcept {
  release(block);
}
void operator delete[](void* block) noexcept {
  release(block);
}
void operator delete(void* block, std::size_t) noexcept {
  release(block);
}
void operator delete[](void* block, std::size_t) noexcept {
  release(block);
}
void operator delete(void* block, std::align_val_t) noexcept {
  release(block);
}
void operator delete[](void* block, std::align_val_t) noexcept {
  release(block);
}
void operator delete(void* block, std::size_t, std::align_val_t) noexcept {
  release(block);
}
void operator delete[](void* block, std::size_t, std::align_val_t) noexcept {
  release(block);
}
void operator delete(void* block, const std::nothrow_t&) noexcept {
  release(block);
}
void operator delete[](void* block, const std::nothrow_t&) noexcept {
  release(block);
}
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  release(block);
}
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept {
  release(block);
}

#endif  // GRAPHMINI_COUNTING_ALLOCATOR

namespace graphmini {
namespace {

struct Measurement {
  std::int64_t input_bytes;  // the edge list handed to build_graph, as allocated
  std::int64_t peak_bytes;   // the most live at once during the build, input included
  std::int64_t final_bytes;  // memory_bytes() of the graph built
  double ratio() const { return static_cast<double>(peak_bytes) / final_bytes; }
};

std::int64_t allocated_bytes(const EdgeList& list) {
  auto bytes = [](const auto& values) {
    return values.capacity() == 0 ? std::int64_t{0}
                                  : static_cast<std::int64_t>(malloc_usable_size(const_cast<void*>(
                                        static_cast<const void*>(values.data()))));
  };
  return bytes(list.edges) + bytes(list.labels) + bytes(list.original_ids);
}

// Builds the graph of `list`, measuring the peak of live bytes from just before the call
// (when the list is all that is live besides what was there before it) to its return.
Measurement measure_build(EdgeList list, const BuildOptions& options, const char* name) {
  Measurement measurement{};
  measurement.input_bytes = allocated_bytes(list);
  const std::int64_t before = live_bytes.load() - measurement.input_bytes;
  peak_bytes.store(live_bytes.load());
  const Graph graph = build_graph(std::move(list), options);
  measurement.peak_bytes = peak_bytes.load() - before;
  measurement.final_bytes = static_cast<std::int64_t>(graph.memory_bytes());
  std::printf(
      "%-34s |V|=%-8u |E|=%-9llu input %6.1f MB, peak %6.1f MB, final %6.1f MB, "
      "peak/final %.2f\n",
      name, graph.num_vertices(), static_cast<unsigned long long>(graph.num_edges()),
      measurement.input_bytes / 1e6, measurement.peak_bytes / 1e6, measurement.final_bytes / 1e6,
      measurement.ratio());
  return measurement;
}

// A small fast generator (splitmix64): the inputs are tens of millions of draws.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  VertexId below(std::uint64_t bound) {
    return static_cast<VertexId>((next() >> 32) * bound >> 32);
  }

 private:
  std::uint64_t state_;
};

// `count` pairs drawn uniformly over [0, n), each in a random direction.
EdgeList uniform_edges(VertexId n, std::size_t count, std::uint64_t seed) {
  Random random(seed);
  EdgeList list;
  list.num_vertices = n;
  list.edges.resize(count);
  for (Edge& edge : list.edges)
    edge = {random.below(n), random.below(n)};
  return list;
}

// Every pair of `list` followed, in the same list, by its reverse (as SNAP files of
// undirected graphs list them).
EdgeList with_both_directions(EdgeList list) {
  const std::size_t count = list.edges.size();
  std::vector<Edge> both(2 * count);
  for (std::size_t i = 0; i < count; ++i) {
    both[2 * i] = list.edges[i];
    both[2 * i + 1] = {list.edges[i].target, list.edges[i].source};
  }
  list.edges = std::move(both);
  return list;
}

// R-MAT (Chakrabarti et al. 2004) with the Graph500 parameters a = 0.57, b = c = 0.19: a
// skewed degree distribution, many repeated pairs, self-loops and isolated vertices.
EdgeList rmat_edges(unsigned scale, std::size_t count, std::uint64_t seed) {
  // Quadrant thresholds out of 2^16: a = 0.57, a + b = 0.76, a + b + c = 0.95.
  constexpr std::uint64_t kA = 37356, kAB = 49807, kABC = 62259;
  Random random(seed);
  EdgeList list;
  list.num_vertices = std::uint64_t{1} << scale;
  list.edges.resize(count);
  for (Edge& edge : list.edges) {
    VertexId source = 0, target = 0;
    std::uint64_t bits = 0;
    for (unsigned level = 0; level < scale; ++level) {
      if (level % 4 == 0) bits = random.next();
      const std::uint64_t draw = (bits >> (16 * (level % 4))) & 0xFFFF;
      source = (source << 1) | (draw >= kAB ? 1u : 0u);  // quadrants c and d
      target = (target << 1) | ((draw >= kA && draw < kAB) || draw >= kABC ? 1u : 0u);
    }
    edge = {source, target};
  }
  return list;
}

// Every pair of `list` `copies` times, each copy in a random direction, in random order.
EdgeList with_repeats(EdgeList list, unsigned copies, std::uint64_t seed) {
  Random random(seed);
  std::vector<Edge> repeated(copies * list.edges.size());
  for (std::size_t i = 0; i < repeated.size(); ++i) {
    const Edge edge = list.edges[i % list.edges.size()];
    repeated[i] = random.next() % 2 == 0 ? edge : Edge{edge.target, edge.source};
  }
  for (std::size_t i = repeated.size(); i > 1; --i)  // Fisher-Yates
    std::swap(repeated[i - 1], repeated[random.below(i)]);
  list.edges = std::move(repeated);
  return list;
}

// A road-network-like graph: a side x side grid with each grid edge kept with probability
// `keep`, so the average degree is about 4 * keep (roadNet-CA: 2.8).
EdgeList grid_edges(VertexId side, double keep, std::uint64_t seed) {
  Random random(seed);
  const auto kept = [&] { return random.next() < static_cast<std::uint64_t>(keep * 0x1p64); };
  EdgeList list;
  list.num_vertices = std::uint64_t{side} * side;
  std::size_t count = 0;
  std::vector<Edge> edges(2 * list.num_vertices);
  for (VertexId row = 0; row < side; ++row) {
    for (VertexId column = 0; column < side; ++column) {
      const VertexId v = row * side + column;
      if (column + 1 < side && kept()) edges[count++] = {v, v + 1};
      if (row + 1 < side && kept()) edges[count++] = {v, v + side};
    }
  }
  edges.resize(count);
  list.edges = edges;  // an exact-size copy, so the input holds no spare capacity
  return list;
}

class BuildMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!GRAPHMINI_COUNTING_ALLOCATOR) {
      GTEST_SKIP() << "built with AddressSanitizer, which owns operator new";
    }
  }
};

constexpr BuildOptions kDropIsolated{.keep_isolated_vertices = false};
constexpr BuildOptions kKeepIsolated{.keep_isolated_vertices = true};

TEST_F(BuildMemoryTest, UniformEdgesListedOnce) {
  const auto m =
      measure_build(uniform_edges(1 << 20, 4 << 20, 1), kDropIsolated, "uniform, degree 8, once");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

TEST_F(BuildMemoryTest, UniformEdgesListedInBothDirections) {
  const auto m = measure_build(with_both_directions(uniform_edges(1 << 20, 2 << 20, 2)),
                               kKeepIsolated, "uniform, degree 4, both directions");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

TEST_F(BuildMemoryTest, RmatWithRepeatedPairsAndIsolatedVertices) {
  const auto m = measure_build(rmat_edges(18, 4 << 20, 3), kDropIsolated, "R-MAT scale 18, drop");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

TEST_F(BuildMemoryTest, RmatKeepingIsolatedVertices) {
  const auto m = measure_build(rmat_edges(18, 4 << 20, 4), kKeepIsolated, "R-MAT scale 18, keep");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

// roadNet-CA as SNAP ships it: average degree 2.8, every edge listed in both directions.
TEST_F(BuildMemoryTest, SparseRoadLikeGridInBothDirections) {
  const auto m = measure_build(with_both_directions(grid_edges(1024, 0.7, 5)), kKeepIsolated,
                               "grid, degree 2.8, both directions");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

TEST_F(BuildMemoryTest, SparseEdgesEachListedTwiceInRandomDirections) {
  const auto m = measure_build(with_repeats(uniform_edges(1 << 20, 3 << 19, 6), 2, 7),
                               kKeepIsolated, "uniform, degree 3, twice, shuffled");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

// GNN datasets keep vertices without edges (they carry features); here most have none.
TEST_F(BuildMemoryTest, VerySparseGraphKeepingIsolatedVertices) {
  const auto m = measure_build(uniform_edges(1 << 20, 1 << 17, 10), kKeepIsolated,
                               "uniform, degree 0.25, keep");
  EXPECT_LE(m.peak_bytes, 3 * m.final_bytes);
}

// With every edge listed four times the input alone is more than three times the final
// graph, so no builder can meet the bound above; what remains required is that the build
// holds at most three times the larger of its input and its output.
TEST_F(BuildMemoryTest, HeavilyRepeatedEdgesStayWithinThreeTimesTheInput) {
  const auto m = measure_build(with_repeats(uniform_edges(1 << 19, 1 << 20, 8), 4, 9),
                               kKeepIsolated, "uniform, degree 4, four times");
  EXPECT_GT(m.input_bytes, 3 * m.final_bytes / 2);
  EXPECT_LE(m.peak_bytes, 3 * std::max(m.input_bytes, m.final_bytes));
}

}  // namespace
}  // namespace graphmini
