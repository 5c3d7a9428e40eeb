// Vertex-set operations (runtime/vertex_set.h): the default functions (AVX2 block merge or
// galloping, picked per call) against the scalar two-pointer merge they are tested against.
//
// Inputs are random sorted lists drawn from a range 2.5x the longer list, so about 40% of the
// shorter list is in the longer one; the seed is fixed. Sizes run from 16 to 1M in powers of 4,
// with equal sizes and with the shorter list 16x and 1024x shorter. Each benchmark cycles
// through enough different pairs of its shape to touch at least 64K elements: on one pair
// called over and over, the branch predictor learns the outcome of every comparison of a
// small merge and the scalar baseline looks several times faster than it is on real
// neighbour lists (up to 64K elements the pairs stay in L2 either way). Throughput is reported as
// elements/s, counting |a| + |b| per call, so that default and scalar rows of the same shape
// compare directly:
//
//   build/<dir>/bench/set_ops_bench --benchmark_filter='intersect/' --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runtime/vertex_set.h"

namespace graphmini {
namespace {

struct ListPair {
  std::vector<VertexId> longer;
  std::vector<VertexId> shorter;
};

constexpr std::size_t kMinElementsTouched = std::size_t{1} << 16;

// Exactly `size` sorted distinct values of [0, range), by selection sampling.
std::vector<VertexId> random_sorted(std::size_t size, std::uint64_t range, std::mt19937_64& rng) {
  std::vector<VertexId> ids;
  ids.reserve(size);
  std::size_t needed = size;
  for (std::uint64_t v = 0; v < range && needed > 0; ++v) {
    if (std::uniform_int_distribution<std::uint64_t>(0, range - v - 1)(rng) < needed) {
      ids.push_back(static_cast<VertexId>(v));
      --needed;
    }
  }
  return ids;
}

// The pairs of one shape, generated once and kept for every benchmark of that shape.
const std::vector<ListPair>& lists(std::size_t longer_size, std::size_t ratio) {
  static std::map<std::pair<std::size_t, std::size_t>, std::vector<ListPair>> cache;
  auto [it, inserted] = cache.try_emplace({longer_size, ratio});
  if (inserted) {
    std::mt19937_64 rng(longer_size * 1000 + ratio);
    const std::uint64_t range = longer_size * 5 / 2;
    const std::size_t copies = std::max<std::size_t>(1, kMinElementsTouched / longer_size);
    for (std::size_t copy = 0; copy < copies; ++copy) {
      ListPair pair;
      pair.longer = random_sorted(longer_size, range, rng);
      pair.shorter = random_sorted(longer_size / ratio, range, rng);
      it->second.push_back(std::move(pair));
    }
  }
  return it->second;
}

enum class Operation { intersect, intersect_count, difference_count };
enum class Version { fast, scalar };

std::size_t run(Operation operation, Version version, VertexSpan a, VertexSpan b, VertexId* out) {
  const bool fast = version == Version::fast;
  switch (operation) {
    case Operation::intersect:
      return fast ? intersect(a, b, out) : scalar::intersect(a, b, out);
    case Operation::intersect_count:
      return fast ? intersect_count(a, b) : scalar::intersect_count(a, b);
    case Operation::difference_count:
      return fast ? difference_count(a, b) : scalar::difference_count(a, b);
  }
  return 0;
}

void set_operation(benchmark::State& state, Operation operation, Version version,
                   std::size_t longer_size, std::size_t ratio) {
  const std::vector<ListPair>& pairs = lists(longer_size, ratio);
  // a is the shorter list, so that difference_count(a, b) is the shape a kernel meets when it
  // removes a large neighbourhood from a small candidate set.
  std::vector<VertexId> out(longer_size / ratio);
  std::size_t next = 0;
  std::size_t result = 0;
  for (auto _ : state) {
    const ListPair& pair = pairs[next];
    next = next + 1 == pairs.size() ? 0 : next + 1;
    result = run(operation, version, pair.shorter, pair.longer, out.data());
    benchmark::DoNotOptimize(result);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(longer_size + longer_size / ratio));
}

[[maybe_unused]] const bool registered = [] {
  const std::pair<Operation, const char*> operations[] = {
      {Operation::intersect, "intersect"},
      {Operation::intersect_count, "intersect_count"},
      {Operation::difference_count, "difference_count"}};
  const std::pair<std::size_t, const char*> shapes[] = {
      {1, "equal"}, {16, "skew16"}, {1024, "skew1024"}};
  for (const auto& [operation, operation_name] : operations) {
    for (const auto& [ratio, shape_name] : shapes) {
      for (std::size_t size = 16; size <= (std::size_t{1} << 20); size *= 4) {
        if (size / ratio == 0) continue;
        for (const auto& [version, version_name] :
             {std::pair{Version::fast, "default"}, std::pair{Version::scalar, "scalar"}}) {
          const std::string name = std::string(operation_name) + "/" + shape_name + "/" +
                                   std::to_string(size) + "/" + version_name;
          benchmark::RegisterBenchmark(name.c_str(), set_operation, operation, version, size,
                                       ratio);
        }
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace graphmini
