// Vertex-set operations: small cases with exact answers first, then property tests that run
// every default function (galloping, AVX2 or scalar, whichever the sizes and the CPU pick) on
// thousands of random pairs and compare it with the scalar merge (the oracle) and with
// std::set_intersection / std::set_difference. Outputs are sized exactly as the contract says
// (min(|a|, |b|) or |a|) so that the sanitizer build catches any write past them.
#include "runtime/vertex_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace graphmini {
namespace {

using Ids = std::vector<VertexId>;

using testing::as_vector;

constexpr VertexId kMaxId = std::numeric_limits<VertexId>::max();

Ids reference_intersection(const Ids& a, const Ids& b) {
  Ids result;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(result));
  return result;
}

Ids reference_difference(const Ids& a, const Ids& b) {
  Ids result;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(result));
  return result;
}

Ids only_below(const Ids& list, VertexId bound) {
  return {list.begin(), std::lower_bound(list.begin(), list.end(), bound)};
}

// Each function writes into a buffer of exactly the size the contract promises.
Ids run_intersect(const Ids& a, const Ids& b) {
  Ids out(std::min(a.size(), b.size()));
  out.resize(intersect(a, b, out.data()));
  return out;
}

Ids run_scalar_intersect(const Ids& a, const Ids& b) {
  Ids out(std::min(a.size(), b.size()));
  out.resize(scalar::intersect(a, b, out.data()));
  return out;
}

Ids run_intersect_below(const Ids& a, const Ids& b, VertexId bound) {
  Ids out(std::min(a.size(), b.size()));
  out.resize(intersect_below(a, b, bound, out.data()));
  return out;
}

Ids run_difference(const Ids& a, const Ids& b) {
  Ids out(a.size());
  out.resize(difference(a, b, out.data()));
  return out;
}

Ids run_scalar_difference(const Ids& a, const Ids& b) {
  Ids out(a.size());
  out.resize(scalar::difference(a, b, out.data()));
  return out;
}

Ids run_difference_below(const Ids& a, const Ids& b, VertexId bound) {
  Ids out(a.size());
  out.resize(difference_below(a, b, bound, out.data()));
  return out;
}

// Every unbounded function on (a, b), against the standard library and the scalar oracle.
void expect_unbounded_agree(const Ids& a, const Ids& b) {
  const Ids common = reference_intersection(a, b);
  const Ids only_a = reference_difference(a, b);

  ASSERT_EQ(run_scalar_intersect(a, b), common);
  ASSERT_EQ(scalar::intersect_count(a, b), common.size());
  ASSERT_EQ(run_scalar_difference(a, b), only_a);
  ASSERT_EQ(scalar::difference_count(a, b), only_a.size());

  ASSERT_EQ(run_intersect(a, b), common);
  ASSERT_EQ(intersect_count(a, b), common.size());
  ASSERT_EQ(run_difference(a, b), only_a);
  ASSERT_EQ(difference_count(a, b), only_a.size());
}

// Every bounded function on (a, b) with one bound.
void expect_bounded_agree(const Ids& a, const Ids& b, VertexId bound) {
  SCOPED_TRACE("bound " + std::to_string(bound));
  const Ids common = reference_intersection(only_below(a, bound), only_below(b, bound));
  const Ids only_a = reference_difference(only_below(a, bound), b);

  ASSERT_EQ(run_intersect_below(a, b, bound), common);
  ASSERT_EQ(intersect_count_below(a, b, bound), common.size());
  ASSERT_EQ(run_difference_below(a, b, bound), only_a);
  ASSERT_EQ(difference_count_below(a, b, bound), only_a.size());
}

void expect_clip_agrees(const Ids& list, VertexId low, VertexId high) {
  Ids expected;
  for (const VertexId v : list) {
    if (low <= v && v < high) expected.push_back(v);
  }
  ASSERT_EQ(as_vector(clip(list, low, high)), expected)
      << "clip to [" << low << ", " << high << ")";
}

// ---- Small cases with exact answers -------------------------------------------------------

TEST(VertexSet, IntersectionOfSmallLists) {
  const Ids a = {1, 3, 4, 7, 9};
  const Ids b = {2, 3, 4, 8, 9, 10};
  EXPECT_EQ(run_intersect(a, b), (Ids{3, 4, 9}));
  EXPECT_EQ(run_intersect(b, a), (Ids{3, 4, 9}));
  EXPECT_EQ(intersect_count(a, b), 3u);
  EXPECT_EQ(run_scalar_intersect(a, b), (Ids{3, 4, 9}));
  EXPECT_EQ(scalar::intersect_count(a, b), 3u);
}

TEST(VertexSet, DifferenceOfSmallLists) {
  const Ids a = {1, 3, 4, 7, 9};
  const Ids b = {2, 3, 4, 8, 9, 10};
  EXPECT_EQ(run_difference(a, b), (Ids{1, 7}));
  EXPECT_EQ(run_difference(b, a), (Ids{2, 8, 10}));
  EXPECT_EQ(difference_count(a, b), 2u);
  EXPECT_EQ(difference_count(b, a), 3u);
  EXPECT_EQ(run_scalar_difference(a, b), (Ids{1, 7}));
  EXPECT_EQ(scalar::difference_count(b, a), 3u);
}

TEST(VertexSet, EmptyInputs) {
  const Ids empty;
  const Ids some = {0, 5, kMaxId};
  EXPECT_EQ(run_intersect(empty, empty), Ids{});
  EXPECT_EQ(run_intersect(empty, some), Ids{});
  EXPECT_EQ(run_intersect(some, empty), Ids{});
  EXPECT_EQ(intersect_count(some, empty), 0u);
  EXPECT_EQ(run_difference(empty, some), Ids{});
  EXPECT_EQ(run_difference(some, empty), some);
  EXPECT_EQ(difference_count(some, empty), 3u);
  EXPECT_EQ(difference_count(empty, empty), 0u);
  EXPECT_EQ(as_vector(clip(empty, 0, 10)), Ids{});
  EXPECT_FALSE(contains(empty, 0));
}

TEST(VertexSet, SingleElements) {
  EXPECT_EQ(run_intersect({7}, {7}), (Ids{7}));
  EXPECT_EQ(run_intersect({7}, {8}), Ids{});
  EXPECT_EQ(run_difference({7}, {7}), Ids{});
  EXPECT_EQ(run_difference({7}, {8}), (Ids{7}));
  EXPECT_EQ(run_intersect({kMaxId}, {0, 1, kMaxId}), (Ids{kMaxId}));
}

TEST(VertexSet, EqualListsAtEverySizeAroundTheBlockWidth) {
  for (VertexId n = 0; n <= 40; ++n) {
    Ids list(n);
    for (VertexId i = 0; i < n; ++i)
      list[i] = 3 * i + 1;
    SCOPED_TRACE("n = " + std::to_string(n));
    EXPECT_EQ(run_intersect(list, list), list);
    EXPECT_EQ(intersect_count(list, list), n);
    EXPECT_EQ(run_difference(list, list), Ids{});
    EXPECT_EQ(difference_count(list, list), 0u);
  }
}

TEST(VertexSet, DisjointLists) {
  Ids evens;
  Ids odds;
  for (VertexId i = 0; i < 100; ++i) {
    evens.push_back(2 * i);
    odds.push_back(2 * i + 1);
  }
  Ids low(evens.begin(), evens.begin() + 50);
  Ids high(50);
  for (VertexId i = 0; i < 50; ++i)
    high[i] = 1000 + i;
  for (const auto& [a, b] : {std::pair{evens, odds}, std::pair{low, high}, std::pair{high, low}}) {
    EXPECT_EQ(run_intersect(a, b), Ids{});
    EXPECT_EQ(intersect_count(a, b), 0u);
    EXPECT_EQ(run_difference(a, b), a);
    EXPECT_EQ(difference_count(a, b), a.size());
  }
}

// The eight elements of a match in two different blocks of b: the second batch of matches must
// not be written with a full-width store, since out has room for exactly 8.
TEST(VertexSet, MatchesOfOneBlockSpreadOverTwoBlocksOfTheOther) {
  const Ids a = {0, 2, 4, 6, 8, 10, 12, 14};
  Ids b(16);
  for (VertexId i = 0; i < 16; ++i)
    b[i] = i;
  EXPECT_EQ(run_intersect(a, b), a);
  EXPECT_EQ(run_intersect(b, a), a);
  EXPECT_EQ(run_difference(a, b), Ids{});
  EXPECT_EQ(run_difference(b, a), (Ids{1, 3, 5, 7, 9, 11, 13, 15}));
}

// One list 1000x longer than the other: the galloping path, from both sides.
TEST(VertexSet, VeryUnequalSizes) {
  Ids large(10000);
  for (VertexId i = 0; i < 10000; ++i)
    large[i] = 2 * i;
  const Ids small = {0, 1, 9998, 9999, 19998, 19999, 20000};
  EXPECT_EQ(run_intersect(small, large), (Ids{0, 9998, 19998}));
  EXPECT_EQ(run_intersect(large, small), (Ids{0, 9998, 19998}));
  EXPECT_EQ(intersect_count(large, small), 3u);
  EXPECT_EQ(run_difference(small, large), (Ids{1, 9999, 19999, 20000}));
  EXPECT_EQ(difference_count(small, large), 4u);
  const Ids large_minus_small = run_difference(large, small);
  EXPECT_EQ(large_minus_small.size(), 9997u);
  EXPECT_EQ(large_minus_small.front(), 2u);
  EXPECT_EQ(large_minus_small.back(), 19996u);
  EXPECT_EQ(difference_count(large, small), 9997u);
}

TEST(VertexSet, BoundedVariantsKeepOnlyElementsBelowTheBound) {
  const Ids a = {1, 3, 4, 7, 9};
  const Ids b = {2, 3, 4, 8, 9, 10};
  EXPECT_EQ(run_intersect_below(a, b, 9), (Ids{3, 4}));
  EXPECT_EQ(run_intersect_below(a, b, 10), (Ids{3, 4, 9}));
  EXPECT_EQ(run_intersect_below(a, b, 0), Ids{});
  EXPECT_EQ(run_intersect_below(a, b, kMaxId), (Ids{3, 4, 9}));
  EXPECT_EQ(intersect_count_below(a, b, 4), 1u);
  EXPECT_EQ(run_difference_below(a, b, 8), (Ids{1, 7}));
  EXPECT_EQ(run_difference_below(a, b, 7), (Ids{1}));
  EXPECT_EQ(run_difference_below(a, b, 0), Ids{});
  EXPECT_EQ(difference_count_below(b, a, 10), 2u);  // 2, 8
  EXPECT_EQ(difference_count_below(b, a, kMaxId), 3u);
}

TEST(VertexSet, ClipSlicesToHalfOpenRange) {
  const Ids list = {0, 2, 4, 6, kMaxId};
  EXPECT_EQ(as_vector(clip(list, 2, 6)), (Ids{2, 4}));
  EXPECT_EQ(as_vector(clip(list, 1, 7)), (Ids{2, 4, 6}));
  EXPECT_EQ(as_vector(clip(list, 0, 1)), (Ids{0}));
  EXPECT_EQ(as_vector(clip(list, 0, kMaxId)), (Ids{0, 2, 4, 6}));
  EXPECT_EQ(as_vector(clip(list, 7, kMaxId)), Ids{});
  EXPECT_EQ(as_vector(clip(list, 4, 4)), Ids{});
  EXPECT_EQ(as_vector(clip(list, 6, 2)), Ids{});
  EXPECT_EQ(as_vector(clip(list, kMaxId, 0)), Ids{});
}

TEST(VertexSet, ContainsByBinarySearch) {
  const Ids list = {0, 2, 4, 6, kMaxId};
  for (const VertexId v : list)
    EXPECT_TRUE(contains(list, v)) << v;
  for (const VertexId v : {1u, 3u, 5u, 7u, kMaxId - 1})
    EXPECT_FALSE(contains(list, v)) << v;
}

// ---- Property tests ---------------------------------------------------------------------------

class RandomLists {
 public:
  explicit RandomLists(std::uint64_t seed) : engine_(seed) {}

  std::size_t size_up_to(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n)(engine_);
  }

  // About `size` distinct sorted ids from [base, base + range) (exactly `size` when the range
  // is small enough to sample without replacement; range >= size).
  Ids sorted_ids(std::size_t size, std::uint64_t base, std::uint64_t range) {
    Ids ids;
    ids.reserve(size);
    if (range <= 4 * size + 64) {
      // Selection sampling (Knuth's algorithm S): each value kept with probability
      // needed / remaining, so the result is sorted and of exactly `size` elements.
      std::size_t needed = size;
      for (std::uint64_t v = 0; v < range && needed > 0; ++v) {
        if (std::uniform_int_distribution<std::uint64_t>(0, range - v - 1)(engine_) < needed) {
          ids.push_back(static_cast<VertexId>(base + v));
          --needed;
        }
      }
      return ids;
    }
    std::uniform_int_distribution<std::uint64_t> value(base, base + range - 1);
    for (std::size_t i = 0; i < size; ++i)
      ids.push_back(static_cast<VertexId>(value(engine_)));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  // A value range for lists of up to `largest` elements: from the densest (every id taken, so
  // the lists nearly coincide) to the whole 32-bit space, placed low, in the middle or at the
  // top of the id space.
  std::pair<std::uint64_t, std::uint64_t> value_range(std::size_t largest) {
    static constexpr double kSpread[] = {1.0, 1.1, 1.5, 2.0, 4.0, 16.0, 1000.0};
    const std::size_t choice = size_up_to(std::size(kSpread));
    const std::uint64_t space = std::uint64_t{kMaxId} + 1;
    std::uint64_t range = space;
    if (choice < std::size(kSpread)) {
      range = std::min<std::uint64_t>(
          space, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(largest * kSpread[choice])));
    }
    std::uint64_t base = 0;
    switch (size_up_to(2)) {
      case 0:
        base = 0;
        break;
      case 1:
        base = (space - range) / 2;
        break;
      default:
        base = space - range;
        break;
    }
    return {base, range};
  }

  // A bound to test: 0, an element of either list, one past it, or past every element.
  VertexId bound_for(const Ids& a, const Ids& b) {
    switch (size_up_to(4)) {
      case 0:
        return 0;
      case 1:
        return kMaxId;
      case 2:
        return a.empty() ? 0 : a[size_up_to(a.size() - 1)];
      case 3:
        return b.empty() ? 1 : b[size_up_to(b.size() - 1)] + 1;
      default:
        return b.empty() || b.back() == kMaxId ? kMaxId : b.back() + 1;
    }
  }

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

TEST(VertexSetProperty, RandomPairsOfSimilarSizeAgreeWithTheOracle) {
  RandomLists random(20240601);
  for (int round = 0; round < 3000; ++round) {
    const std::size_t size_a = random.size_up_to(2000);
    const std::size_t size_b = random.size_up_to(1) == 0 ? size_a : random.size_up_to(2000);
    const auto [base, range] = random.value_range(std::max(size_a, size_b));
    const Ids a = random.sorted_ids(std::min<std::uint64_t>(size_a, range), base, range);
    const Ids b = random.sorted_ids(std::min<std::uint64_t>(size_b, range), base, range);
    SCOPED_TRACE("round " + std::to_string(round) + ": |a| = " + std::to_string(a.size()) +
                 ", |b| = " + std::to_string(b.size()) + ", range " + std::to_string(range));
    expect_unbounded_agree(a, b);
    expect_unbounded_agree(b, a);
    expect_bounded_agree(a, b, random.bound_for(a, b));
    expect_bounded_agree(b, a, random.bound_for(b, a));
    const VertexId low = random.bound_for(a, b);
    const VertexId high = random.bound_for(a, b);
    expect_clip_agrees(a, low, high);
    expect_clip_agrees(b, std::min(low, high), std::max(low, high));
  }
}

// Skews from 1:2 to 1:10000, on both sides of the galloping threshold.
TEST(VertexSetProperty, RandomSkewedPairsAgreeWithTheOracle) {
  RandomLists random(77);
  static constexpr std::size_t kRatios[] = {2, 4, 16, 31, 32, 33, 64, 100, 1000, 10000};
  for (int round = 0; round < 2000; ++round) {
    const std::size_t ratio = kRatios[random.size_up_to(std::size(kRatios) - 1)];
    const std::size_t small_size = random.size_up_to(std::min<std::size_t>(2000, 10000 / ratio));
    const std::size_t large_size =
        std::max<std::size_t>(1, small_size * ratio) + random.size_up_to(ratio / 2);
    const auto [base, range] = random.value_range(large_size);
    Ids small = random.sorted_ids(std::min<std::uint64_t>(small_size, range), base, range);
    const Ids large = random.sorted_ids(std::min<std::uint64_t>(large_size, range), base, range);
    // Half the time the short list is drawn from the long one, so that most of it matches.
    if (random.size_up_to(1) == 0 && !large.empty()) {
      small.clear();
      std::sample(large.begin(), large.end(), std::back_inserter(small), small_size,
                  random.engine());
    }
    SCOPED_TRACE("round " + std::to_string(round) + ": |small| = " + std::to_string(small.size()) +
                 ", |large| = " + std::to_string(large.size()));
    expect_unbounded_agree(small, large);
    expect_unbounded_agree(large, small);
    expect_bounded_agree(small, large, random.bound_for(small, large));
    expect_bounded_agree(large, small, random.bound_for(large, small));
  }
}

// The shapes of a pattern kernel's calls: a short list against one a few times longer, most of
// the short one in the long one, at every pair of sizes. Most of these merges end in partly
// filled blocks (the lanes past a list's end repeat its last element), so the lists often share
// their last element too, and sit low or at the top of the id space.
TEST(VertexSetProperty, EveryPairOfShortSizesAgreesWithTheOracle) {
  RandomLists random(1205);
  for (std::size_t short_size = 0; short_size <= 24; ++short_size) {
    for (std::size_t long_size = short_size; long_size <= 100; ++long_size) {
      const std::uint64_t range = 2 * long_size + 2;
      const std::uint64_t base = random.size_up_to(1) == 0 ? 0 : kMaxId - range + 1;
      const Ids large = random.sorted_ids(long_size, base, range);
      Ids small = random.sorted_ids(short_size, base, range);
      if (random.size_up_to(3) != 0) {
        // Mostly members of the long list, and often its last element.
        small.clear();
        std::sample(large.begin(), large.end(), std::back_inserter(small), short_size,
                    random.engine());
        if (!small.empty() && random.size_up_to(1) == 0) small.back() = large.back();
        small.erase(std::unique(small.begin(), small.end()), small.end());
      }
      SCOPED_TRACE("|small| = " + std::to_string(small.size()) + ", |large| = " +
                   std::to_string(large.size()) + ", base " + std::to_string(base));
      expect_unbounded_agree(small, large);
      expect_unbounded_agree(large, small);
    }
  }
}

// Lists of millions of elements through every path (AVX2 block merge, galloping).
TEST(VertexSetProperty, MillionsOfElements) {
  RandomLists random(5);
  const Ids a = random.sorted_ids(2'000'000, 0, 5'000'000);
  const Ids b = random.sorted_ids(3'000'000, 0, 5'000'000);
  const Ids c = random.sorted_ids(20'000, 0, 5'000'000);
  expect_unbounded_agree(a, b);
  expect_unbounded_agree(b, a);
  expect_unbounded_agree(a, c);
  expect_unbounded_agree(c, a);
  expect_bounded_agree(a, b, 2'500'000);
  expect_bounded_agree(c, b, 4'000'000);
}

}  // namespace
}  // namespace graphmini
