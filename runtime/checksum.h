// CRC-32 checksums of large arrays (graph files, checkpoints, dataset fingerprints), computed
// over chunks in parallel with oneTBB and combined in order, so the value is zlib's crc32()
// of the whole span whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace graphmini {

std::uint32_t crc32_of(std::span<const std::byte> bytes);

// The CRC-32 of A followed by B, from crc32_of(A), crc32_of(B) and B's size.
std::uint32_t crc32_combine(std::uint32_t a, std::uint32_t b, std::uint64_t b_bytes);

// The CRC-32 of the elements of `values`, as bytes.
template <typename T>
std::uint32_t crc32_of_array(std::span<const T> values) {
  return crc32_of(std::as_bytes(values));
}

}  // namespace graphmini
