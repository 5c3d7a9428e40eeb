#include "datasets/text_input.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

namespace graphmini::datasets {
namespace {

// Leaves new elements uninitialised, so that the chunk buffer costs page faults only for the
// bytes actually read into it: zero-filling a 32 MB buffer took about 0.1 s per opened file on
// a virtual machine, more than reading a small file.
template <typename T>
struct UninitialisedAllocator : std::allocator<T> {
  UninitialisedAllocator() = default;
  template <typename U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* place) noexcept {
    ::new (static_cast<void*>(place)) U;
  }
};

}  // namespace

// zlib's gz* functions read gzip data and pass plain files through unchanged, so one code
// path serves both.
struct TextInput::State {
  gzFile file = nullptr;
  std::vector<char, UninitialisedAllocator<char>> buffer;
  std::size_t filled = 0;    // bytes of `buffer` holding data
  std::size_t consumed = 0;  // bytes handed out as the previous chunk
  std::uint64_t next_line = 1;
  bool end_of_file = false;
};

TextInput::TextInput(std::filesystem::path path, std::size_t chunk_bytes)
    : name_(path.string()), state_(std::make_unique<State>()) {
  if (std::filesystem::is_directory(path)) throw IoError("cannot read", name_, EISDIR);
  errno = 0;
  state_->file = gzopen(name_.c_str(), "rb");
  if (state_->file == nullptr) throw IoError("cannot open", name_, errno != 0 ? errno : ENOMEM);
  gzbuffer(state_->file, 1u << 18);
  state_->buffer.resize(std::max<std::size_t>(chunk_bytes, 1u << 12));
}

TextInput::~TextInput() {
  if (state_->file != nullptr) gzclose(state_->file);
}

bool TextInput::next(Chunk& chunk) {
  State& s = *state_;
  // Count the lines of the chunk handed out last, then keep its unfinished tail.
  s.next_line +=
      static_cast<std::uint64_t>(std::count(s.buffer.data(), s.buffer.data() + s.consumed, '\n'));
  std::memmove(s.buffer.data(), s.buffer.data() + s.consumed, s.filled - s.consumed);
  s.filled -= s.consumed;
  s.consumed = 0;

  while (true) {
    while (!s.end_of_file && s.filled < s.buffer.size()) {
      const auto want =
          static_cast<unsigned>(std::min<std::size_t>(s.buffer.size() - s.filled, 1u << 30));
      const int got = gzread(s.file, s.buffer.data() + s.filled, want);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(s.file, &code);
        throw ParseError(name_, s.next_line, std::string("cannot decompress: ") + message);
      }
      if (got == 0) {
        int code = 0;
        gzerror(s.file, &code);
        // Z_BUF_ERROR here means the file ended inside a gzip stream (a truncated download).
        if (code == Z_BUF_ERROR) {
          throw ParseError(name_, s.next_line, "cannot decompress: the gzip data is truncated");
        }
        if (code != Z_OK) {
          throw ParseError(name_, s.next_line, "cannot decompress: corrupt gzip data");
        }
        s.end_of_file = true;
      }
      s.filled += static_cast<std::size_t>(got);
    }
    if (s.filled == 0) return false;
    if (s.end_of_file) {
      s.consumed = s.filled;
      break;
    }
    const char* data = s.buffer.data();
    const char* last_newline = static_cast<const char*>(memrchr(data, '\n', s.filled));
    if (last_newline != nullptr) {
      s.consumed = static_cast<std::size_t>(last_newline - data) + 1;
      break;
    }
    s.buffer.resize(s.buffer.size() * 2);  // one line longer than the buffer
  }
  chunk.text = std::string_view(s.buffer.data(), s.consumed);
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

std::string read_text_file(const std::filesystem::path& path) {
  TextInput input(path);
  std::string text;
  TextInput::Chunk chunk;
  while (input.next(chunk))
    text.append(chunk.text);
  return text;
}

}  // namespace graphmini::datasets
