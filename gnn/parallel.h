// Row-parallel loops of the GNN operators, on oneTBB, and the vector clones of their hot
// element-wise kernels.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

// An AVX2 clone of a function beside its SSE2 default, chosen once at load time by CPU
// features (x86-64-v3, which AMD CPUs resolve too, unlike arch=haswell). Not under
// ThreadSanitizer: the clones' resolver runs before the sanitizer's runtime is set up, and
// crashes in its instrumentation.
#if defined(__SANITIZE_THREAD__)
#define GRAPHMINI_AVX2_CLONES
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GRAPHMINI_AVX2_CLONES
#endif
#endif
#ifndef GRAPHMINI_AVX2_CLONES
#define GRAPHMINI_AVX2_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#endif

namespace graphmini::gnn {

// Calls body(i) for every i in [0, rows), in parallel chunks of about 16K elements of work
// when each row costs `row_cost` of them. Rows must be independent of each other.
template <typename Body>
void for_each_row(std::size_t rows, std::size_t row_cost, const Body& body) {
  const std::size_t grain = std::max<std::size_t>(1, 16384 / std::max<std::size_t>(row_cost, 1));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows, grain),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        body(i);
                    });
}

}  // namespace graphmini::gnn
