// Inputs as graphmini reads them: each opened once and read as one stream, whatever it is.
//
// A path may name a regular file, a pipe or FIFO, a character device or a process
// substitution (/dev/fd/N); "-" is standard input. Each is opened exactly once and never
// reopened: format detection peeks at the first bytes of the same stream that the reader then
// continues, because a second open of a pipe or FIFO misses what the first one read (or
// waits forever for a second writer).
//
// gzip data (RFC 1952, told from its magic bytes, not the file name; several members are
// read one after another) is decompressed on the fly. A file named *.gz must hold gzip data,
// so an empty or truncated .gz file is an error rather than an empty input. Hostile input
// cannot make a reader allocate without bound: data that decompresses to more than
// kMaxExpansion times its compressed size is refused as a decompression bomb, and callers
// read small files through read_all(), which stops at a limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "runtime/files.h"

namespace graphmini {

class Input {
 public:
  // The path that names standard input.
  static constexpr std::string_view kStandardInput = "-";
  // Compressed data may expand this many times, once more than kExpansionFreeBytes came out.
  // Real inputs stay far below it (gzip'd edge lists about 4x, LINQS bag-of-words features
  // 70x to 110x); deflate cannot exceed about 1032x, which bombs approach.
  static constexpr std::uint64_t kMaxExpansion = 500;
  static constexpr std::uint64_t kExpansionFreeBytes = std::uint64_t{64} << 20;

  // Opens `path` ("-": standard input). Throws IoError when it is missing, unreadable or a
  // folder. Opening a FIFO waits for its writer, as any reader of a FIFO does.
  explicit Input(const std::filesystem::path& path);
  Input(Input&& other) noexcept;
  Input& operator=(Input&&) = delete;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input();

  // The path as given, or "standard input".
  const std::string& name() const { return name_; }
  // True when the data is gzip-compressed. Throws like read().
  bool compressed();

  // Up to `count` bytes from the current position (fewer only at the end of the data),
  // without consuming them.
  std::string_view peek(std::size_t count);
  // Reads up to buffer.size() bytes; returns 0 only at the end of the data. Throws IoError
  // when reading fails and FormatError for corrupt, truncated or bomb-like gzip data.
  std::size_t read(std::span<char> buffer);
  // The rest of the data, which must be at most `limit` bytes; throws FormatError naming
  // `what` ("pattern file") when there is more.
  std::string read_all(std::size_t limit, std::string_view what);

  // The whole file mapped read-only when it is a regular, uncompressed file of which nothing
  // has been consumed (peeking is fine); nullptr otherwise, and the caller reads the stream.
  std::shared_ptr<const MappedFile> map();

 private:
  struct State;
  std::string name_;
  std::unique_ptr<State> state_;
};

// Whether `path` names something an Input can read (a file, FIFO or device; through links),
// rather than a folder or nothing: for finding the files of a dataset folder, which may be
// FIFOs as well as files.
bool is_readable_entry(const std::filesystem::path& path);

}  // namespace graphmini
