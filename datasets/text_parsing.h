// Token scanners for the text readers: unsigned and signed integers, floats and words, with
// explicit overflow and syntax checks. A scanner never reads past `end` and reports failure
// by returning false (or an empty optional), leaving error wording to the reader, which knows
// what it expected.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/error.h"

namespace graphmini::datasets {

// A position in a line of text.
struct Cursor {
  const char* at;
  const char* end;

  bool done() const { return at == end; }
  char peek() const { return *at; }
};

inline bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Skips spaces, tabs and carriage returns; returns whether something else follows.
inline bool skip_blanks(Cursor& cursor) {
  while (cursor.at != cursor.end && is_blank(*cursor.at))
    ++cursor.at;
  return cursor.at != cursor.end;
}

// The rest of the line starting at `cursor` (without its newline); moves past the newline.
inline std::string_view take_line(Cursor& cursor) {
  const char* begin = cursor.at;
  while (cursor.at != cursor.end && *cursor.at != '\n')
    ++cursor.at;
  std::string_view line(begin, static_cast<std::size_t>(cursor.at - begin));
  if (cursor.at != cursor.end) ++cursor.at;
  return line;
}

// Moves past the newline that ends the cursor's line, if the text goes on.
inline void skip_newline(Cursor& cursor) {
  if (!cursor.done()) ++cursor.at;
}

// A decimal unsigned 64-bit integer. Fails (without moving) on no digits or overflow.
inline std::optional<std::uint64_t> scan_unsigned(Cursor& cursor) {
  const char* p = cursor.at;
  std::uint64_t value = 0;
  while (p != cursor.end && is_digit(*p)) {
    const std::uint64_t digit = static_cast<std::uint64_t>(*p - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++p;
  }
  if (p == cursor.at) return std::nullopt;
  cursor.at = p;
  return value;
}

// A decimal signed 64-bit integer.
inline std::optional<std::int64_t> scan_signed(Cursor& cursor) {
  std::int64_t value = 0;
  const auto [p, error] = std::from_chars(cursor.at, cursor.end, value);
  if (error != std::errc()) return std::nullopt;
  cursor.at = p;
  return value;
}

// A floating-point number (decimal or scientific; "nan" and "inf" are rejected).
inline std::optional<float> scan_float(Cursor& cursor) {
  // A number of at most 7 digits alone ("0", "1", "42": bag-of-words and count features) is
  // an integer below 2^24, which a float holds exactly: read it here. from_chars takes about
  // 120 instructions even for "0", and 0/1 features are one such number per two bytes.
  const char* digits_end = cursor.at;
  std::uint32_t integer = 0;
  for (; digits_end != cursor.end && digits_end - cursor.at < 7 && is_digit(*digits_end);
       ++digits_end)
    integer = integer * 10 + static_cast<std::uint32_t>(*digits_end - '0');
  const bool number_goes_on =
      digits_end != cursor.end &&
      (is_digit(*digits_end) || *digits_end == '.' || (*digits_end | 0x20) == 'e');
  if (digits_end != cursor.at && !number_goes_on) {
    cursor.at = digits_end;
    return static_cast<float>(integer);
  }
  float value = 0;
  const char* begin = cursor.at;
  if (begin != cursor.end && *begin == '+') ++begin;  // from_chars does not take a plus sign
  const auto [p, error] = std::from_chars(begin, cursor.end, value);
  if (error != std::errc() || value != value || value - value != 0) return std::nullopt;
  cursor.at = p;
  return value;
}

// A maximal run of characters that are neither blank nor a newline nor `separator` (none
// when not given: a NUL byte in the input is part of a word, never a stop that would leave
// the cursor where it was).
inline std::string_view scan_word(Cursor& cursor, std::optional<char> separator = std::nullopt) {
  const char* begin = cursor.at;
  while (cursor.at != cursor.end && !is_blank(*cursor.at) && *cursor.at != '\n' &&
         (!separator || *cursor.at != *separator)) {
    ++cursor.at;
  }
  return {begin, static_cast<std::size_t>(cursor.at - begin)};
}

// Whether the line ends here (only blanks remain before the newline or the end).
inline bool at_line_end(Cursor& cursor) {
  return !skip_blanks(cursor) || cursor.peek() == '\n';
}

// A short quote of the rest of the line at `at` for error messages, e.g. "'abc def'"
// (graphmini::quote: shortened, control characters escaped).
inline std::string quote_token(const char* at, const char* end) {
  const char* stop = at;
  while (stop != end && *stop != '\n' && stop - at <= static_cast<std::ptrdiff_t>(kQuotedBytes))
    ++stop;
  while (stop != at && is_blank(stop[-1]))
    --stop;
  if (stop == at) return "end of line";
  return quote(std::string_view(at, static_cast<std::size_t>(stop - at)));
}

}  // namespace graphmini::datasets
