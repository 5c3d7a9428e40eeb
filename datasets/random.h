// Counter-based random numbers for the generators.
//
// Every value is a pure function of (seed, stream, index, draw): `stream` names one purpose
// inside a generator (edge draws, vertex scrambling, features, ...), `index` one item of that
// purpose (an edge, a node) and `draw` the position in that item's own short sequence. A
// generator can therefore hand any range of items to any thread, in any order, and produce
// bit-identical output for every thread count and every split of the work. There is no state to
// share, seed or advance between threads.
//
// The mixer is SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): value = Mix13(key + (counter + 1) * golden gamma), where Mix13 is Stafford's
// variant of the MurmurHash3 finaliser. Keys are chained the same way: the key of a stream is a
// SplitMix64 output of the seed's key, the key of an item a SplitMix64 output of its stream's
// key, so neighbouring seeds, streams and items are decorrelated by a full avalanche. For a fixed
// key the map from counter to value is a bijection of 64-bit words.
//
// On top of the raw bits:
//  * uniform doubles in [0, 1) from the top 53 bits (every value a multiple of 2^-53);
//  * uniform integers in [0, n) with no modulo bias, by Lemire's multiply-and-reject method
//    (Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019), which
//    almost never needs a second draw;
//  * standard normals by the Box–Muller transform (Box, Muller, Ann. Math. Stat. 29, 1958), two
//    per pair of uniforms.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <utility>

namespace graphmini::datasets {

// SplitMix64's increment: the odd integer closest to 2^64 / golden ratio.
inline constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// Stafford's Mix13: a bijective 64-bit finaliser in which every input bit affects every output
// bit with probability close to 1/2.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The SplitMix64 output number `counter` of the generator seeded with `key`.
constexpr std::uint64_t splitmix64(std::uint64_t key, std::uint64_t counter) {
  return mix64(key + (counter + 1) * kGoldenGamma);
}

// The draws of one item, in order: draw 0, draw 1, ... A small value type; copy it to replay.
class RandomDraws {
 public:
  constexpr explicit RandomDraws(std::uint64_t item_key) : key_(item_key) {}

  // The next 64 uniformly distributed bits.
  constexpr std::uint64_t bits() { return splitmix64(key_, next_++); }

  // Uniform in [0, 1): the top 53 bits scaled by 2^-53.
  constexpr double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) for n >= 1, without modulo bias (Lemire 2019). The 128-bit product
  // bits() * n has its high word uniform over [0, n) once the low word is outside the
  // 2^64 mod n values that would over-represent some results; those are redrawn.
  constexpr std::uint64_t below(std::uint64_t n) {
    __extension__ using Wide = unsigned __int128;
    Wide product = static_cast<Wide>(bits()) * n;
    auto low = static_cast<std::uint64_t>(product);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (low < threshold) {
        product = static_cast<Wide>(bits()) * n;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::uint64_t>(product >> 64);
  }

  // True with probability p (p <= 0: never; p >= 1: always).
  constexpr bool bernoulli(double p) { return uniform() < p; }

  // Two independent standard normals from two uniforms (Box–Muller). The radius uses
  // 1 - uniform() in (0, 1], so the logarithm is always finite.
  std::pair<double, double> normal_pair() {
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    return {radius * std::cos(angle), radius * std::sin(angle)};
  }

  // One standard normal (the second value of the pair is dropped).
  double normal() { return normal_pair().first; }

 private:
  std::uint64_t key_;
  std::uint64_t next_ = 0;
};

// Keeps seed 0 away from the mixer's fixed point (mix64(0) == 0).
inline constexpr std::uint64_t kSeedSalt = 0x6A09E667F3BCC909ull;

// Draw number `draw` of item `index` in `stream` under `seed`: the function every generator's
// output is built from. RandomStream and RandomDraws compute the same values incrementally.
constexpr std::uint64_t random_bits(std::uint64_t seed, std::uint64_t stream, std::uint64_t index,
                                    std::uint64_t draw = 0) {
  return splitmix64(splitmix64(splitmix64(mix64(seed ^ kSeedSalt), stream), index), draw);
}

// The random numbers of one purpose (stream) under one seed.
class RandomStream {
 public:
  constexpr RandomStream(std::uint64_t seed, std::uint64_t stream)
      : key_(splitmix64(mix64(seed ^ kSeedSalt), stream)) {}

  // The draws of item `index`; they do not depend on which other items were drawn, or where.
  constexpr RandomDraws item(std::uint64_t index) const {
    return RandomDraws(splitmix64(key_, index));
  }

  // The first draw of item `index`, for items that need a single value.
  constexpr std::uint64_t bits(std::uint64_t index) const { return item(index).bits(); }

 private:
  std::uint64_t key_;
};

}  // namespace graphmini::datasets
