// Set operations on sorted vertex lists: the inner loop of every pattern-matching kernel.
//
// Contract (parlaylib-style, written before the code):
//   * Inputs are spans of strictly increasing VertexIds (neighbour lists of a Graph or results
//     of earlier operations). Outputs are strictly increasing too.
//   * `out` must have room for the largest possible result: min(|a|, |b|) for an
//     intersection, |a| for a difference. `out` may not alias an input.
//   * The *_count variants return the size of the result without writing it, so the last
//     loop level of a counting kernel never materialises its candidate set.
//   * The *_below variants keep only elements < bound (symmetry-breaking restrictions).
//     clip() slices a list to [low, high) by binary search, for lower bounds.
//   * The default functions pick an AVX2 implementation at run time when the CPU has it and
//     otherwise the scalar one; the functions in namespace `scalar` are the plain merge
//     versions, kept as test oracles and as the baseline of the micro-benchmarks.
//   * Very unequal sizes (one list >= 32x longer than the other) use galloping search in the
//     default functions, with or without AVX2; the `scalar` functions always merge.
#pragma once

#include <cstddef>
#include <span>

#include "runtime/graph.h"

namespace graphmini {

using VertexSpan = std::span<const VertexId>;

// The part of `list` with low <= v < high.
VertexSpan clip(VertexSpan list, VertexId low, VertexId high);

std::size_t intersect(VertexSpan a, VertexSpan b, VertexId* out);
std::size_t intersect_count(VertexSpan a, VertexSpan b);
std::size_t intersect_below(VertexSpan a, VertexSpan b, VertexId bound, VertexId* out);
std::size_t intersect_count_below(VertexSpan a, VertexSpan b, VertexId bound);

// a \ b
std::size_t difference(VertexSpan a, VertexSpan b, VertexId* out);
std::size_t difference_count(VertexSpan a, VertexSpan b);
std::size_t difference_below(VertexSpan a, VertexSpan b, VertexId bound, VertexId* out);
std::size_t difference_count_below(VertexSpan a, VertexSpan b, VertexId bound);

// Whether `list` contains v (binary search).
bool contains(VertexSpan list, VertexId v);

// Whether the AVX2 paths are in use on this CPU.
bool vertex_set_simd_enabled();

namespace scalar {
std::size_t intersect(VertexSpan a, VertexSpan b, VertexId* out);
std::size_t intersect_count(VertexSpan a, VertexSpan b);
std::size_t difference(VertexSpan a, VertexSpan b, VertexId* out);
std::size_t difference_count(VertexSpan a, VertexSpan b);
}  // namespace scalar

}  // namespace graphmini
