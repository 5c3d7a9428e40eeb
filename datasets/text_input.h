// Fast line-oriented text input shared by every reader.
//
// TextInput reads an Input (runtime/input.h: a file, pipe, FIFO or standard input, plain or
// gzip-compressed, opened once) in large chunks that always end on a line boundary, so a
// reader can split a chunk into blocks and parse them in parallel. Line numbers are not
// tracked while parsing: when a parser finds an error it reports the byte position, and
// error_at() counts the newlines in front of it. That keeps the hot loop free of bookkeeping
// (text parsing runs at hundreds of MB/s per core). A line longer than kMaxLineBytes is an
// error, so input without newlines (/dev/zero, a binary file, a decompression bomb) costs a
// bounded amount of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"
#include "runtime/input.h"

namespace graphmini::datasets {

class TextInput {
 public:
  // A run of whole lines (the last line of a file may lack its newline).
  struct Chunk {
    std::string_view text;
    std::uint64_t first_line = 1;  // 1-based number of the chunk's first line
  };

  // Chunks are at most kMaxLineBytes long; a line longer than that is an error.
  static constexpr std::size_t kMaxLineBytes = std::size_t{16} << 20;
  static constexpr std::size_t kDefaultChunkBytes = kMaxLineBytes;

  // Reads `input`, which may have been peeked at (format detection) but not read from.
  explicit TextInput(Input input, std::size_t chunk_bytes = kDefaultChunkBytes);
  // Opens `path` ("-": standard input). Throws IoError when it cannot be opened.
  explicit TextInput(const std::filesystem::path& path,
                     std::size_t chunk_bytes = kDefaultChunkBytes);
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;
  ~TextInput();

  // The next chunk, or false at the end of the file. The view is valid until the next call.
  // Throws ParseError for a line longer than kMaxLineBytes, FormatError for corrupt
  // compressed data.
  bool next(Chunk& chunk);

  const std::string& name() const { return name_; }

  // A ParseError naming the line that holds `position` (a pointer into chunk.text).
  ParseError error_at(const Chunk& chunk, const char* position, const std::string& message) const;

 private:
  std::string name_;
  struct State;
  std::unique_ptr<State> state_;
};

// Splits a chunk into about `pieces` parts that each end on a line boundary.
std::vector<std::string_view> split_lines(std::string_view text, std::size_t pieces);

// Reads the whole file (plain or gzip) into memory; for small inputs such as split files.
// Throws FormatError when it holds more than `limit` bytes.
std::string read_text_file(const std::filesystem::path& path,
                           std::size_t limit = std::size_t{1} << 30);

// The name a dataset folder gives its dataset: its last component ("cora" for "data/cora/").
std::string folder_name(const std::filesystem::path& folder);

}  // namespace graphmini::datasets
