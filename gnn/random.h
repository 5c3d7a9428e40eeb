// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): the counter-based generator behind dropout
// and sampling. Its stream from a state s is mix(s + k * gamma) for k = 1, 2, ..., so any
// position of it is computed directly, which makes parallel draws independent of the thread
// count.
#pragma once

#include <cstdint>

namespace graphmini::gnn {

inline constexpr std::uint64_t kSplitMixGamma = 0x9e3779b97f4a7c15u;

// The SplitMix64 output function: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// A key for the stream of one part of a computation (a seed, then ids that name the part).
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t id) {
  return mix64(seed + kSplitMixGamma * (id + 1));
}

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  std::uint64_t next() { return mix64(state_ += kSplitMixGamma); }
  // Uniform in [0, n) for n < 2^32 (Lemire's multiply-shift; the bias is below 2^-32 * n).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }

 private:
  std::uint64_t state_;
};

}  // namespace graphmini::gnn
