// Fast line-oriented text input shared by every reader.
//
// TextInput reads a plain or gzip-compressed file (detected from its first bytes, not its
// name) in large chunks that always end on a line boundary, so a reader can split a chunk
// into blocks and parse them in parallel. Line numbers are not tracked while parsing: when a
// parser finds an error it reports the byte position, and error_at() counts the newlines in
// front of it. That keeps the hot loop free of bookkeeping (text parsing runs at hundreds of
// MB/s per core).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"

namespace graphmini::datasets {

class TextInput {
 public:
  // A run of whole lines (the last line of a file may lack its newline).
  struct Chunk {
    std::string_view text;
    std::uint64_t first_line = 1;  // 1-based number of the chunk's first line
  };

  // Throws IoError when the file cannot be opened.
  explicit TextInput(std::filesystem::path path, std::size_t chunk_bytes = std::size_t{32} << 20);
  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;
  ~TextInput();

  // The next chunk, or false at the end of the file. The view is valid until the next call.
  // Throws ParseError for corrupt compressed data.
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
std::string read_text_file(const std::filesystem::path& path);

}  // namespace graphmini::datasets
