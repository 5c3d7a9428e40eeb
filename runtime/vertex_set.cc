// Set operations on sorted vertex lists (contract in runtime/vertex_set.h).
//
// Three methods, chosen per call by the sizes of the two lists:
//
//  * galloping, when one list is at least kGallopRatio times longer than the other: each element
//    of the short list is looked up in the long one by an exponential search from the previous
//    hit followed by a binary search (Bentley & Yao's unbounded search, as used for skewed
//    intersections by Demaine, Lopez-Ortiz & Munro). Cost O(s log(l / s)) instead of O(s + l);
//  * an AVX2 block merge otherwise, when the CPU has AVX2 (Schlegel, Willhalm & Lehner, "Fast
//    Sorted-Set Intersection using SIMD Instructions", 2011; Lemire et al. 2016 for the 8-wide
//    form): blocks of 8 from each list are compared all-against-all with 8 vector compares of
//    rotated copies, the matching lanes of the `a` block are packed to the front with one
//    permute from a 256-entry table, and the block with the smaller maximum is advanced. A
//    list's last, partly filled block is padded with copies of its last element, so short
//    lists and tails take the same few block steps instead of an element-by-element merge
//    (whose mispredicted branches cost a pattern kernel's short merges more than the blocks);
//  * the plain two-pointer merge of namespace `scalar` on CPUs without AVX2.
//
// The AVX2 functions carry __attribute__((target("avx2"))) so that the rest of the library is
// built for the baseline ISA and the same binary runs anywhere; they are only called after
// __builtin_cpu_supports("avx2") said yes. Vector loads are unaligned and only ever of 8
// elements that lie inside the spans, or masked loads of the fewer that are left; vector
// stores only go where `out` has room for 8 more (otherwise they go through a local buffer),
// so no call reads or writes past its spans.
#include "runtime/vertex_set.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace graphmini {
namespace {

// Below this ratio of sizes the linear merge wins: a galloping step costs a few dependent,
// poorly predicted branches, a block-merge step handles 8 elements of the long list at once.
constexpr std::size_t kGallopRatio = 32;

constexpr std::size_t kBlock = 8;  // 32-bit lanes in a 256-bit register

bool cpu_has_avx2() {
  static const bool has_avx2 = [] {
    // Needed when this runs before libgcc's own constructor has filled in the CPU model.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has_avx2;
}

// Prefix of `list` with elements < bound.
VertexSpan below(VertexSpan list, VertexId bound) {
  return list.first(
      static_cast<std::size_t>(std::lower_bound(list.begin(), list.end(), bound) - list.begin()));
}

bool very_unequal(std::size_t shorter, std::size_t longer) {
  return longer / kGallopRatio >= shorter;
}

// ---- Galloping -----------------------------------------------------------------------------

// The first index p >= from with list[p] >= x (list.size() if none), given that every element
// before `from` is < x: probe from+0, +1, +3, +7, ... then binary-search the last gap.
std::size_t gallop(VertexSpan list, std::size_t from, VertexId x) {
  std::size_t low = from;
  std::size_t probe = from;
  std::size_t step = 1;
  while (probe < list.size() && list[probe] < x) {
    low = probe + 1;
    probe += step;
    step *= 2;
  }
  const std::size_t high = std::min(probe, list.size());
  return static_cast<std::size_t>(std::lower_bound(list.begin() + low, list.begin() + high, x) -
                                  list.begin());
}

template <bool kWrite>
std::size_t intersect_galloping(VertexSpan shorter, VertexSpan longer, VertexId* out) {
  std::size_t count = 0;
  std::size_t position = 0;
  for (const VertexId x : shorter) {
    position = gallop(longer, position, x);
    if (position == longer.size()) break;
    if (longer[position] == x) {
      if constexpr (kWrite) out[count] = x;
      ++count;
      ++position;
    }
  }
  return count;
}

// a \ b for |a| << |b|: look every element of a up in b.
std::size_t difference_galloping_short_a(VertexSpan a, VertexSpan b, VertexId* out) {
  std::size_t count = 0;
  std::size_t position = 0;
  for (const VertexId x : a) {
    position = gallop(b, position, x);
    if (position < b.size() && b[position] == x) {
      ++position;
    } else {
      out[count++] = x;
    }
  }
  return count;
}

// a \ b for |b| << |a|: copy the runs of a between the elements of b.
std::size_t difference_galloping_short_b(VertexSpan a, VertexSpan b, VertexId* out) {
  std::size_t count = 0;
  std::size_t copied = 0;  // a[0, copied) has been handled
  for (const VertexId y : b) {
    const std::size_t position = gallop(a, copied, y);
    out = std::copy(a.begin() + copied, a.begin() + position, out);
    count += position - copied;
    copied = position;
    if (copied == a.size()) return count;
    if (a[copied] == y) ++copied;
  }
  std::copy(a.begin() + copied, a.end(), out);
  return count + (a.size() - copied);
}

// ---- Scalar merges (also the tails of the AVX2 versions) ------------------------------------

template <bool kWrite>
std::size_t intersect_merge(VertexSpan a, VertexSpan b, VertexId* out) {
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t count = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      if constexpr (kWrite) out[count] = a[i];
      ++count;
      ++i;
      ++j;
    }
  }
  return count;
}

template <bool kWrite>
std::size_t difference_merge(VertexSpan a, VertexSpan b, VertexId* out) {
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t count = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      if constexpr (kWrite) out[count] = a[i];
      ++count;
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  if constexpr (kWrite) std::copy(a.begin() + i, a.end(), out + count);
  return count + (a.size() - i);
}

// ---- AVX2 block merges ---------------------------------------------------------------------

// For each 8-bit lane mask, the indices of its set lanes in increasing order, packed to the
// front (the remaining entries are don't-cares): one byte per index, widened at use.
constexpr std::array<std::uint64_t, 256> make_compaction_table() {
  std::array<std::uint64_t, 256> table{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    std::uint64_t indices = 0;
    unsigned packed = 0;
    for (unsigned lane = 0; lane < kBlock; ++lane) {
      if (mask & (1u << lane)) indices |= std::uint64_t{lane} << (8 * packed++);
    }
    table[mask] = indices;
  }
  return table;
}

alignas(64) constexpr std::array<std::uint64_t, 256> kCompactionTable = make_compaction_table();

// Bit k set iff lane k of `a_block` equals some lane of `b_block`. The rotations stay within
// 128-bit halves (cheap shuffles) and one half swap covers the other half, so the 8 compares
// need only one cross-lane permute.
__attribute__((target("avx2"))) inline unsigned match_mask(__m256i a_block, __m256i b_block) {
  const __m256i b_swapped = _mm256_permute2x128_si256(b_block, b_block, 1);
  __m256i equal = _mm256_cmpeq_epi32(a_block, b_block);
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_block, _MM_SHUFFLE(0, 3, 2, 1))));
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_block, _MM_SHUFFLE(1, 0, 3, 2))));
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_block, _MM_SHUFFLE(2, 1, 0, 3))));
  equal = _mm256_or_si256(equal, _mm256_cmpeq_epi32(a_block, b_swapped));
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_swapped, _MM_SHUFFLE(0, 3, 2, 1))));
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_swapped, _MM_SHUFFLE(1, 0, 3, 2))));
  equal = _mm256_or_si256(
      equal, _mm256_cmpeq_epi32(a_block, _mm256_shuffle_epi32(b_swapped, _MM_SHUFFLE(2, 1, 0, 3))));
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(equal)));
}

__attribute__((target("avx2"))) inline __m256i load_block(const VertexId* at) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
}

// Writes the lanes of `block` selected by `mask`, in order, to out[count, count + popcount) and
// returns the new count. A full-width store is used when out has room for 8 more elements
// (capacity is what the caller guaranteed); near the end the lanes go through a local buffer.
__attribute__((target("avx2"))) inline std::size_t append_lanes(__m256i block, unsigned mask,
                                                                VertexId* out, std::size_t count,
                                                                std::size_t capacity) {
  const __m256i indices = _mm256_cvtepu8_epi32(
      _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&kCompactionTable[mask])));
  const __m256i packed = _mm256_permutevar8x32_epi32(block, indices);
  const auto selected = static_cast<std::size_t>(__builtin_popcount(mask));
  if (count + kBlock <= capacity) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + count), packed);
  } else {
    alignas(32) VertexId lanes[kBlock];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), packed);
    std::copy(lanes, lanes + selected, out + count);
  }
  return count + selected;
}

// Up to 8 consecutive elements of a list as one vector. When fewer than 8 are left, the
// missing lanes repeat the list's last element (a masked load reads nothing past the span),
// `valid` marks the lanes that hold elements of their own, and `max` is still the block's
// largest element.
struct Block {
  __m256i lanes;
  unsigned valid;
  VertexId max;
};

__attribute__((target("avx2"))) inline Block full_block(VertexSpan list, std::size_t at) {
  return {load_block(list.data() + at), 0xFFu, list[at + kBlock - 1]};
}

__attribute__((target("avx2"))) inline Block tail_block(VertexSpan list, std::size_t at) {
  const std::size_t left = list.size() - at;
  if (left >= kBlock) return full_block(list, at);
  const __m256i inside = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const VertexId last = list.back();
  const __m256i loaded =
      _mm256_maskload_epi32(reinterpret_cast<const int*>(list.data() + at), inside);
  return {_mm256_blendv_epi8(_mm256_set1_epi32(static_cast<int>(last)), loaded, inside),
          (1u << left) - 1, last};
}

// One step of the block merge below: compares the two blocks, keeps (or counts) the matching
// lanes of a's that hold elements, and advances the block with the smaller maximum (both on a
// tie).
template <bool kWrite>
__attribute__((target("avx2"))) inline void merge_blocks(Block a_block, Block b_block,
                                                         std::size_t& i, std::size_t& j,
                                                         std::size_t& count, VertexId* out,
                                                         std::size_t capacity) {
  const unsigned mask = match_mask(a_block.lanes, b_block.lanes) & a_block.valid;
  if constexpr (kWrite) {
    if (mask != 0) count = append_lanes(a_block.lanes, mask, out, count, capacity);
  } else {
    count += static_cast<std::size_t>(__builtin_popcount(mask));
  }
  i += a_block.max <= b_block.max ? kBlock : 0;
  j += b_block.max <= a_block.max ? kBlock : 0;
}

// Block merge: every pair of blocks whose value ranges overlap is compared exactly once, so
// each common value is found once, and in increasing order. The last, partly filled block of
// each list takes part like the others: its repeated lanes in b match only a value that its
// own lane matches too, and those in a are not kept. So short lists and tails are merged 8
// lanes at a time as well, never element by element.
template <bool kWrite>
__attribute__((target("avx2"))) std::size_t intersect_avx2(VertexSpan a, VertexSpan b,
                                                           VertexId* out) {
  const std::size_t capacity = std::min(a.size(), b.size());
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t count = 0;
  while (i + kBlock <= a.size() && j + kBlock <= b.size())
    merge_blocks<kWrite>(full_block(a, i), full_block(b, j), i, j, count, out, capacity);
  while (i < a.size() && j < b.size())
    merge_blocks<kWrite>(tail_block(a, i), tail_block(b, j), i, j, count, out, capacity);
  return count;
}

// One step of the walk below: the matches of the current a block are collected over all the
// b blocks it overlaps, and its unmatched lanes that hold elements are written when it
// advances.
__attribute__((target("avx2"))) inline void difference_blocks(Block a_block, Block b_block,
                                                              std::size_t& i, std::size_t& j,
                                                              unsigned& matched, std::size_t& count,
                                                              VertexId* out, std::size_t capacity) {
  matched |= match_mask(a_block.lanes, b_block.lanes);
  if (a_block.max <= b_block.max) {
    count = append_lanes(a_block.lanes, ~matched & a_block.valid, out, count, capacity);
    matched = 0;
    i += kBlock;
  }
  if (b_block.max <= a_block.max) j += kBlock;
}

// The same walk as the intersection's. When b runs out first, the unmatched lanes of the
// current a block and the rest of a are what is left.
__attribute__((target("avx2"))) std::size_t difference_avx2(VertexSpan a, VertexSpan b,
                                                            VertexId* out) {
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t count = 0;
  unsigned matched = 0;
  while (i + kBlock <= a.size() && j + kBlock <= b.size()) {
    difference_blocks(full_block(a, i), full_block(b, j), i, j, matched, count, out, a.size());
  }
  while (i < a.size() && j < b.size()) {
    difference_blocks(tail_block(a, i), tail_block(b, j), i, j, matched, count, out, a.size());
  }
  if (i < a.size()) {
    const Block a_block = tail_block(a, i);
    count = append_lanes(a_block.lanes, ~matched & a_block.valid, out, count, a.size());
    i += kBlock;
  }
  if (i < a.size()) count = std::copy(a.begin() + i, a.end(), out + count) - out;
  return count;
}

}  // namespace

// ---- Public API ------------------------------------------------------------------------------

namespace scalar {

std::size_t intersect(VertexSpan a, VertexSpan b, VertexId* out) {
  return intersect_merge<true>(a, b, out);
}

std::size_t intersect_count(VertexSpan a, VertexSpan b) {
  return intersect_merge<false>(a, b, nullptr);
}

std::size_t difference(VertexSpan a, VertexSpan b, VertexId* out) {
  return difference_merge<true>(a, b, out);
}

std::size_t difference_count(VertexSpan a, VertexSpan b) {
  return difference_merge<false>(a, b, nullptr);
}

}  // namespace scalar

bool vertex_set_simd_enabled() {
  return cpu_has_avx2();
}

VertexSpan clip(VertexSpan list, VertexId low, VertexId high) {
  if (low >= high) return {};
  const auto begin = std::lower_bound(list.begin(), list.end(), low);
  const auto end = std::lower_bound(begin, list.end(), high);
  return {begin, end};
}

bool contains(VertexSpan list, VertexId v) {
  return std::binary_search(list.begin(), list.end(), v);
}

std::size_t intersect(VertexSpan a, VertexSpan b, VertexId* out) {
  if (a.size() > b.size()) std::swap(a, b);
  if (a.empty()) return 0;
  if (very_unequal(a.size(), b.size())) return intersect_galloping<true>(a, b, out);
  if (cpu_has_avx2()) return intersect_avx2<true>(a, b, out);
  return intersect_merge<true>(a, b, out);
}

std::size_t intersect_count(VertexSpan a, VertexSpan b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (a.empty()) return 0;
  if (very_unequal(a.size(), b.size())) return intersect_galloping<false>(a, b, nullptr);
  if (cpu_has_avx2()) return intersect_avx2<false>(a, b, nullptr);
  return intersect_merge<false>(a, b, nullptr);
}

std::size_t difference(VertexSpan a, VertexSpan b, VertexId* out) {
  if (b.empty() || a.empty()) {
    std::copy(a.begin(), a.end(), out);
    return a.size();
  }
  if (very_unequal(a.size(), b.size())) return difference_galloping_short_a(a, b, out);
  if (very_unequal(b.size(), a.size())) return difference_galloping_short_b(a, b, out);
  if (cpu_has_avx2()) return difference_avx2(a, b, out);
  return difference_merge<true>(a, b, out);
}

// |a \ b| = |a| - |a ∩ b|, so the count reuses the intersection count (never writes).
std::size_t difference_count(VertexSpan a, VertexSpan b) {
  return a.size() - intersect_count(a, b);
}

std::size_t intersect_below(VertexSpan a, VertexSpan b, VertexId bound, VertexId* out) {
  return intersect(below(a, bound), below(b, bound), out);
}

std::size_t intersect_count_below(VertexSpan a, VertexSpan b, VertexId bound) {
  return intersect_count(below(a, bound), below(b, bound));
}

// Clipping b too is not needed for correctness but shortens the merge.
std::size_t difference_below(VertexSpan a, VertexSpan b, VertexId bound, VertexId* out) {
  return difference(below(a, bound), below(b, bound), out);
}

std::size_t difference_count_below(VertexSpan a, VertexSpan b, VertexId bound) {
  return difference_count(below(a, bound), below(b, bound));
}

}  // namespace graphmini
