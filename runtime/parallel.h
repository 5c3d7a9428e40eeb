// Small parallel building blocks shared by the builders and readers (oneTBB underneath).
#pragma once

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_scan.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace graphmini {

// The threads a parallel loop started here may use: the task arena's, capped by any
// tbb::global_control (--threads).
inline std::size_t worker_threads() {
  return std::min<std::size_t>(
      static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()),
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

// out[i] = in[0] + ... + in[i-1] for i in [0, in.size()], so `out` has in.size() + 1 entries
// and out.back() is the total. `in` and `out` may not overlap.
template <typename In, typename Out>
void exclusive_prefix_sum(std::span<const In> in, std::span<Out> out) {
  const std::size_t n = in.size();
  out[0] = 0;
  tbb::parallel_scan(
      tbb::blocked_range<std::size_t>(0, n, 1 << 14), Out{0},
      [&](const tbb::blocked_range<std::size_t>& range, Out sum, bool is_final) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          sum += static_cast<Out>(in[i]);
          if (is_final) out[i + 1] = sum;
        }
        return sum;
      },
      [](Out left, Out right) { return left + right; });
}

// values[i] becomes values[0] + ... + values[i], in place (no second array).
template <typename T>
void inclusive_prefix_sum_in_place(std::span<T> values) {
  tbb::parallel_scan(
      tbb::blocked_range<std::size_t>(0, values.size(), 1 << 14), T{0},
      [&](const tbb::blocked_range<std::size_t>& range, T sum, bool is_final) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          sum += values[i];
          if (is_final) values[i] = sum;
        }
        return sum;
      },
      [](T left, T right) { return left + right; });
}

// Runs body(i) for every i in [0, count) in parallel.
template <typename Index, typename Body>
void parallel_for_each_index(Index count, const Body& body, std::size_t grain = 1024) {
  tbb::parallel_for(tbb::blocked_range<Index>(0, count, grain),
                    [&](const tbb::blocked_range<Index>& range) {
                      for (Index i = range.begin(); i != range.end(); ++i)
                        body(i);
                    });
}

// The lowest index in [0, count) for which `predicate` holds, or `count` when none does.
// Parallel, and the answer does not depend on the thread count, so error messages that name
// the first bad entry are reproducible.
template <typename Predicate>
std::uint64_t find_first(std::uint64_t count, const Predicate& predicate) {
  std::atomic<std::uint64_t> first{count};
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, count, 1024),
                    [&](const tbb::blocked_range<std::uint64_t>& range) {
                      for (std::uint64_t i = range.begin(); i != range.end(); ++i) {
                        if (i >= first.load(std::memory_order_relaxed)) return;
                        if (predicate(i)) {
                          std::uint64_t seen = first.load();
                          while (i < seen && !first.compare_exchange_weak(seen, i)) {
                          }
                          return;
                        }
                      }
                    });
  return first.load();
}

}  // namespace graphmini
