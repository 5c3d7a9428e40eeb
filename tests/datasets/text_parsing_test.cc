// scan_float reads short integers itself and everything else with std::from_chars: either
// way every token must read as from_chars reads it (the reference), to the same bits and the
// same end, whatever follows it.
#include "datasets/text_parsing.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graphmini::datasets {
namespace {

struct Scanned {
  std::optional<std::uint32_t> bits;  // nothing: rejected
  std::size_t length = 0;             // characters taken

  bool operator==(const Scanned&) const = default;
};

Scanned scan(std::string_view text) {
  Cursor cursor{text.data(), text.data() + text.size()};
  const std::optional<float> value = scan_float(cursor);
  if (!value) return {std::nullopt, 0};
  return {std::bit_cast<std::uint32_t>(*value), static_cast<std::size_t>(cursor.at - text.data())};
}

// from_chars with the plus sign and the refusal of nan and infinities that scan_float adds.
Scanned reference(std::string_view text) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  float value = 0;
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || !std::isfinite(value)) return {std::nullopt, 0};
  return {std::bit_cast<std::uint32_t>(value), static_cast<std::size_t>(stop - text.data())};
}

TEST(ScanFloat, ReadsEveryTokenAsFromCharsDoes) {
  const char* const tokens[] = {"0",
                                "1",
                                "7",
                                "42",
                                "007",
                                "0000000",
                                "1234567",
                                "9999999",
                                "12345678",
                                "16777217",
                                "99999999",
                                "123456789012",
                                "0.5",
                                "1.",
                                ".5",
                                "1e3",
                                "1E3",
                                "1e",
                                "1e-3",
                                "2.5e+2",
                                "-0",
                                "-1",
                                "+1",
                                "+0",
                                "+",
                                "-",
                                "0x1f",
                                "1x",
                                "3.40282347e38",
                                "1e39",
                                "1e-50",
                                "inf",
                                "nan",
                                "abc",
                                ""};
  for (const char* token : tokens) {
    for (const char* after : {"", ",", "\n", " ", "\r\n", ",2"}) {
      const std::string text = std::string(token) + after;
      SCOPED_TRACE("'" + text + "'");
      EXPECT_EQ(scan(text), reference(text));
    }
  }
}

TEST(ScanFloat, ShortIntegersAreExact) {
  EXPECT_EQ(scan("0,1"), (Scanned{std::bit_cast<std::uint32_t>(0.0f), 1}));
  EXPECT_EQ(scan("1\n"), (Scanned{std::bit_cast<std::uint32_t>(1.0f), 1}));
  EXPECT_EQ(scan("9999999"), (Scanned{std::bit_cast<std::uint32_t>(9999999.0f), 7}));
  // Eight digits round: 16777217 is not a float, the nearest even one is 16777216.
  EXPECT_EQ(scan("16777217"), (Scanned{std::bit_cast<std::uint32_t>(16777216.0f), 8}));
}

}  // namespace
}  // namespace graphmini::datasets
