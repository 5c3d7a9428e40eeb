// Number formatting for human-readable output.
#pragma once

#include <cstdint>
#include <string>

namespace graphmini::cli {

// 1234567 -> "1,234,567".
std::string with_commas(std::uint64_t value);
// 1700000 -> "1.6 MiB".
std::string human_bytes(std::uint64_t bytes);

}  // namespace graphmini::cli
