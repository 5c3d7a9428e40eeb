#include "runtime/error.h"

#include <cstring>

namespace graphmini {
namespace {

// Length of the UTF-8 sequence at text[i] that encodes a printable code point, or 0.
std::size_t printable_utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code = lead & 0x1fu;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code = lead & 0x0fu;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xc0u) != 0x80u) return 0;
    code = (code << 6) | (byte(k) & 0x3fu);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool c1_control = code >= 0x80 && code <= 0x9f;
  const bool surrogate = code >= 0xd800 && code <= 0xdfff;
  if (overlong || c1_control || surrogate || code > 0x10ffff) return 0;
  return length;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (const std::size_t length = c >= 0x80 ? printable_utf8_length(text, i) : 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      ++i;
    }
  }
  return out;
}

std::string quote(std::string_view value) {
  if (value.size() <= kQuotedBytes) return "'" + printable(value) + "'";
  std::size_t cut = kQuotedBytes;  // do not cut a UTF-8 sequence in two
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xc0u) == 0x80u)
    --cut;
  return "'" + printable(value.substr(0, cut)) + "...' (" + std::to_string(value.size()) +
         " bytes)";
}

IoError::IoError(const std::string& what, const std::string& path, int errno_value)
    : Error(what + " '" + printable(path) + "': " + std::strerror(errno_value)) {}

ParseError::ParseError(std::string path, std::uint64_t line, const std::string& message)
    : Error(printable(path) + ":" + std::to_string(line) + ": " + message),
      path_(std::move(path)),
      line_(line) {}

FormatError::FormatError(const std::string& path, const std::string& message)
    : Error(printable(path) + ": " + message) {}

}  // namespace graphmini
