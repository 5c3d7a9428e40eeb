// Error types of the graphmini libraries.
//
// Libraries never print or exit: every failure is an exception derived from graphmini::Error
// whose message names the file, line or argument at fault, so that the command line can turn
// it into one line on stderr and embedding programs can catch it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace graphmini {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed a value the library cannot work with (a bad option, an out-of-range size).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// An operating-system call on a file failed (open, read, write, rename, mmap).
class IoError : public Error {
 public:
  // `what` is the operation ("cannot open"), `path` the file; the errno text is appended.
  IoError(const std::string& what, const std::string& path, int errno_value);
};

// A text input does not follow its format. The message reads "FILE:LINE: MESSAGE".
class ParseError : public Error {
 public:
  ParseError(std::string path, std::uint64_t line, const std::string& message);

  const std::string& path() const { return path_; }
  std::uint64_t line() const { return line_; }

 private:
  std::string path_;
  std::uint64_t line_;
};

// A binary file (graph, checkpoint) is truncated, corrupted or of another version.
class FormatError : public Error {
 public:
  FormatError(const std::string& path, const std::string& message);
};

// Arrays handed to a constructor violate an invariant (unsorted lists, ids out of range).
class InvalidGraph : public Error {
 public:
  using Error::Error;
};

// Input echoed in a message: `text` with control characters (and C1 controls or bytes that are
// not UTF-8) escaped as \n, \t, \xNN, so that hostile input never reaches a terminal as
// escape sequences.
std::string printable(std::string_view text);

// 'value' for a message: printable(), and shortened to its first kQuotedBytes bytes followed by
// "... (N bytes)" when longer, so that a 50 MB token costs one short line.
inline constexpr std::size_t kQuotedBytes = 48;
std::string quote(std::string_view value);

}  // namespace graphmini
