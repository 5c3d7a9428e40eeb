// One strict reading of numbers typed by users (command-line options, generator specs such as
// kron:scale=16), so that every numeric setting is checked the same way: the whole text must
// be a decimal number of the type, unsigned types take no sign (so "-1" never wraps around to
// 18446744073709551615), floating-point values must be finite, and the value must lie in
// [min, max]. Out-of-range values are refused, never clamped.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>

namespace graphmini {

template <typename T>
requires std::integral<T> || std::floating_point<T> std::optional<T> parse_number(
    std::string_view text, T min, T max) {
  if (text.empty() || text.front() == '+') return std::nullopt;
  if (std::unsigned_integral<T> && text.front() == '-') return std::nullopt;
  T value{};
  const char* end = text.data() + text.size();
  std::from_chars_result result;
  if constexpr (std::floating_point<T>) {
    result = std::from_chars(text.data(), end, value, std::chars_format::general);
    if (result.ec == std::errc() && !std::isfinite(value)) return std::nullopt;
  } else {
    result = std::from_chars(text.data(), end, value);
  }
  if (result.ec != std::errc() || result.ptr != end) return std::nullopt;
  if (!(value >= min && value <= max)) return std::nullopt;
  return value;
}

// "[1, 16]", for help texts.
template <typename T>
std::string range_text(T min, T max) {
  const auto text = [](T value) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
  };
  return "[" + text(min) + ", " + text(max) + "]";
}

// "an integer in [1, 16]" or "a number in [0, 1]", for messages.
template <typename T>
std::string describe_range(T min, T max) {
  return std::string(std::integral<T> ? "an integer" : "a number") + " in " + range_text(min, max);
}

}  // namespace graphmini
