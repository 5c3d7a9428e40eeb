#include "runtime/checksum.h"

#include <tbb/parallel_for.h>
#include <zlib.h>

#include <algorithm>
#include <vector>

namespace graphmini {
namespace {

constexpr std::size_t kChunk = std::size_t{4} << 20;

std::uint32_t serial_crc(std::span<const std::byte> bytes) {
  return static_cast<std::uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

}  // namespace

std::uint32_t crc32_combine(std::uint32_t a, std::uint32_t b, std::uint64_t b_bytes) {
  return static_cast<std::uint32_t>(::crc32_combine(a, b, static_cast<z_off_t>(b_bytes)));
}

std::uint32_t crc32_of(std::span<const std::byte> bytes) {
  const std::size_t chunks = (bytes.size() + kChunk - 1) / kChunk;
  if (chunks <= 1) return serial_crc(bytes);
  std::vector<std::uint32_t> chunk_crc(chunks);
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t i) {
    chunk_crc[i] =
        serial_crc(bytes.subspan(i * kChunk, std::min(kChunk, bytes.size() - i * kChunk)));
  });
  std::uint32_t crc = 0;
  for (std::size_t i = 0; i < chunks; ++i)
    crc = crc32_combine(crc, chunk_crc[i], std::min(kChunk, bytes.size() - i * kChunk));
  return crc;
}

}  // namespace graphmini
