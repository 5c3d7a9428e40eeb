#include "datasets/text_input.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace graphmini::datasets {
namespace {

// The first buffer of a TextInput; it doubles up to the chunk size while the input fills it.
constexpr std::size_t kFirstChunkBytes = std::size_t{64} << 10;

}  // namespace

struct TextInput::State {
  Input input;
  // Left uninitialised (make_unique_for_overwrite): zero-filling a 32 MB buffer took about
  // 0.1 s per opened file on a virtual machine, more than reading a small file. (A vector with
  // an allocator that skips the zero-fill still steps through its elements to construct and
  // destroy them wherever the optimiser does not remove the empty loops, as in the fuzzers.)
  std::unique_ptr<char[]> buffer;
  std::size_t buffer_bytes = 0;
  std::size_t chunk_bytes = 0;
  std::size_t filled = 0;    // bytes of `buffer` holding data
  std::size_t consumed = 0;  // bytes handed out as the previous chunk
  std::uint64_t next_line = 1;
  bool end_of_file = false;

  // A buffer of `bytes`, holding the `filled` bytes of the old one.
  void resize(std::size_t bytes) {
    auto grown = std::make_unique_for_overwrite<char[]>(bytes);
    if (filled > 0) std::memcpy(grown.get(), buffer.get(), filled);
    buffer = std::move(grown);
    buffer_bytes = bytes;
  }
};

TextInput::TextInput(Input input, std::size_t chunk_bytes)
    : name_(input.name()), state_(std::make_unique<State>(State{std::move(input), {}, 0})) {
  // Chunks no larger than the longest line allowed: then a line longer than that never fits
  // the buffer, which is how it is caught (without looking at every line).
  state_->chunk_bytes = std::clamp<std::size_t>(chunk_bytes, 1u << 12, kMaxLineBytes);
  // The buffer starts small and doubles while the input fills it, up to chunk_bytes: a small
  // file never maps (and, under AddressSanitizer, poisons) 16 MiB, and a large one is read in
  // full-size chunks after a few doublings.
  state_->resize(std::min(state_->chunk_bytes, kFirstChunkBytes));
}

TextInput::TextInput(const std::filesystem::path& path, std::size_t chunk_bytes)
    : TextInput(Input(path), chunk_bytes) {}

TextInput::~TextInput() = default;

bool TextInput::next(Chunk& chunk) {
  State& s = *state_;
  // Count the lines of the chunk handed out last, then keep its unfinished tail.
  s.next_line +=
      static_cast<std::uint64_t>(std::count(s.buffer.get(), s.buffer.get() + s.consumed, '\n'));
  // A chunk was handed out and the input went on: it filled the buffer, so take more next time.
  const bool input_filled_the_buffer = s.consumed > 0 && !s.end_of_file;
  std::memmove(s.buffer.get(), s.buffer.get() + s.consumed, s.filled - s.consumed);
  s.filled -= s.consumed;
  s.consumed = 0;
  if (input_filled_the_buffer && s.buffer_bytes < s.chunk_bytes)
    s.resize(std::min(s.buffer_bytes * 2, s.chunk_bytes));

  while (true) {
    while (!s.end_of_file && s.filled < s.buffer_bytes) {
      const std::size_t got =
          s.input.read(std::span(s.buffer.get() + s.filled, s.buffer_bytes - s.filled));
      if (got == 0) s.end_of_file = true;
      s.filled += got;
    }
    if (s.filled == 0) return false;
    if (s.end_of_file) {
      s.consumed = s.filled;
      break;
    }
    const char* data = s.buffer.get();
    const char* last_newline = static_cast<const char*>(memrchr(data, '\n', s.filled));
    if (last_newline != nullptr) {
      s.consumed = static_cast<std::size_t>(last_newline - data) + 1;
      break;
    }
    // One line longer than the buffer: grow it, up to the longest line allowed.
    if (s.filled >= kMaxLineBytes) {
      throw ParseError(name_, s.next_line,
                       "line is longer than " + std::to_string(kMaxLineBytes >> 20) +
                           " MiB (no newline); is this a text file of the expected format?");
    }
    s.resize(std::min(s.buffer_bytes * 2, kMaxLineBytes));
  }
  chunk.text = std::string_view(s.buffer.get(), s.consumed);
  chunk.first_line = s.next_line;
  return true;
}

ParseError TextInput::error_at(const Chunk& chunk, const char* position,
                               const std::string& message) const {
  const auto offset = static_cast<std::size_t>(position - chunk.text.data());
  const auto before = chunk.text.substr(0, std::min(offset, chunk.text.size()));
  return ParseError(
      name_,
      chunk.first_line + static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n')),
      message);
}

std::vector<std::string_view> split_lines(std::string_view text, std::size_t pieces) {
  std::vector<std::string_view> parts;
  const std::size_t target =
      std::max<std::size_t>(text.size() / std::max<std::size_t>(pieces, 1), 1);
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = std::min(begin + target, text.size());
    if (end < text.size()) {
      const std::size_t newline = text.find('\n', end - 1);
      end = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    parts.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return parts;
}

std::string read_text_file(const std::filesystem::path& path, std::size_t limit) {
  TextInput input(path);
  std::string text;
  TextInput::Chunk chunk;
  while (input.next(chunk)) {
    if (text.size() + chunk.text.size() > limit) {
      throw FormatError(input.name(), "is longer than " + std::to_string(limit) +
                                          " bytes, more than it can hold");
    }
    text.append(chunk.text);
  }
  return text;
}

std::string folder_name(const std::filesystem::path& folder) {
  std::filesystem::path normal = folder.lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  return normal.filename().string();
}

}  // namespace graphmini::datasets
