#include "runtime/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/error.h"

namespace graphmini {
namespace {

constexpr std::size_t kRawBuffer = std::size_t{256} << 10;

bool is_gzip_magic(const char* bytes) {
  return static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

}  // namespace

// The stream: raw bytes from the file descriptor, through zlib's inflate for gzip data, into
// the caller's buffer; bytes that were peeked wait in `peeked` until they are read.
struct Input::State {
  std::string name;
  int fd = -1;
  bool owns_fd = true;
  bool regular = false;
  bool starts_at_zero = false;  // a regular file read from its first byte
  bool gzip_name = false;       // the name ends in .gz

  // Left uninitialised: zero-filling it cost more than opening and reading a small file.
  std::unique_ptr<char[]> raw = std::make_unique_for_overwrite<char[]>(kRawBuffer);
  std::size_t raw_begin = 0;  // raw[raw_begin, raw_end) is read and not yet used
  std::size_t raw_end = 0;
  bool raw_eof = false;
  std::uint64_t raw_total = 0;
  std::uint64_t inflated_from = 0;  // compressed bytes inflate has used

  enum class Kind { unknown, plain, gzip } kind = Kind::unknown;
  z_stream zlib{};
  bool zlib_ready = false;
  bool stream_end = false;  // all data produced

  std::string peeked;
  std::uint64_t produced = 0;  // bytes of data produced (decompressed for gzip)
  std::uint64_t consumed = 0;  // bytes handed to read()

  ~State() {
    if (zlib_ready) inflateEnd(&zlib);
    if (fd >= 0 && owns_fd) ::close(fd);
  }

  std::size_t raw_available() const { return raw_end - raw_begin; }

  // Reads more raw bytes; false at the end of the file.
  bool fill_raw() {
    if (raw_eof) return false;
    if (raw_begin == raw_end) raw_begin = raw_end = 0;
    if (raw_end == kRawBuffer) {
      std::memmove(raw.get(), raw.get() + raw_begin, raw_available());
      raw_end -= raw_begin;
      raw_begin = 0;
    }
    while (true) {
      const ssize_t got = ::read(fd, raw.get() + raw_end, kRawBuffer - raw_end);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read", name, errno);
      if (got == 0) {
        raw_eof = true;
        return false;
      }
      raw_end += static_cast<std::size_t>(got);
      raw_total += static_cast<std::uint64_t>(got);
      return true;
    }
  }

  // Reads plain data straight into `out`; 0 at the end of the file.
  std::size_t read_direct(char* out, std::size_t size) {
    while (true) {
      const ssize_t got = ::read(fd, out, size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read", name, errno);
      if (got == 0) raw_eof = true;
      raw_total += static_cast<std::uint64_t>(got);
      return static_cast<std::size_t>(got);
    }
  }

  // Tells gzip from plain data by the first two bytes.
  void detect() {
    if (kind != Kind::unknown) return;
    while (raw_available() < 2 && fill_raw()) {
    }
    if (raw_available() >= 2 && is_gzip_magic(raw.get() + raw_begin)) {
      kind = Kind::gzip;
      start_member();
    } else if (gzip_name) {
      throw FormatError(name, raw_total == 0 ? "empty file; a .gz file holds gzip data"
                                             : "not gzip data, though the name ends in .gz");
    } else {
      kind = Kind::plain;
    }
  }

  void start_member() {
    if (!zlib_ready) {
      if (inflateInit2(&zlib, 16 + MAX_WBITS) != Z_OK)
        throw FormatError(name, "cannot start decompressing (out of memory)");
      zlib_ready = true;
    } else if (inflateReset(&zlib) != Z_OK) {
      throw FormatError(name, "cannot continue decompressing");
    }
  }

  // Produces up to `size` bytes of data at `out`; 0 only at the end.
  std::size_t produce(char* out, std::size_t size) {
    detect();
    if (size == 0 || stream_end) return 0;
    std::size_t made = 0;
    if (kind == Kind::plain) {
      if (raw_available() == 0 && size >= kRawBuffer) {
        made = read_direct(out, size);  // no copy through the raw buffer
        if (made == 0) stream_end = true;
      } else {
        if (raw_available() == 0 && !fill_raw()) {
          stream_end = true;
          return 0;
        }
        made = std::min(size, raw_available());
        std::memcpy(out, raw.get() + raw_begin, made);
        raw_begin += made;
      }
    } else {
      made = inflate_into(out, size);
    }
    produced += made;
    if (kind == Kind::gzip && produced > kExpansionFreeBytes &&
        produced / std::max<std::uint64_t>(inflated_from, 1) > kMaxExpansion) {
      throw FormatError(name, "decompresses to more than " + std::to_string(kMaxExpansion) +
                                  " times its size; refusing it as a likely decompression "
                                  "bomb (decompress it yourself if it is real data)");
    }
    return made;
  }

  std::size_t inflate_into(char* out, std::size_t size) {
    zlib.next_out = reinterpret_cast<Bytef*>(out);
    zlib.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    while (zlib.avail_out > 0) {
      if (raw_available() == 0 && !fill_raw()) {
        throw FormatError(name, "the gzip data is truncated (the file ends inside a stream)");
      }
      zlib.next_in = reinterpret_cast<Bytef*>(raw.get() + raw_begin);
      zlib.avail_in = static_cast<uInt>(raw_available());
      const int status = inflate(&zlib, Z_NO_FLUSH);
      inflated_from += raw_available() - zlib.avail_in;
      raw_begin = raw_end - zlib.avail_in;
      if (status == Z_STREAM_END) {
        // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is an
        // error, so that damaged data is never read as complete.
        while (raw_available() < 2 && fill_raw()) {
        }
        if (raw_available() == 0) {
          stream_end = true;
          break;
        }
        if (raw_available() < 2 || !is_gzip_magic(raw.get() + raw_begin))
          throw FormatError(name, "data follows the end of the gzip stream");
        start_member();
        continue;
      }
      if (status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_STREAM_ERROR) {
        throw FormatError(name, std::string("corrupt gzip data (") +
                                    (zlib.msg != nullptr ? zlib.msg : "bad data") + ")");
      }
      if (status == Z_MEM_ERROR) throw FormatError(name, "out of memory while decompressing");
      // Z_OK or Z_BUF_ERROR: more input needed, or output space used up.
    }
    return size - zlib.avail_out;
  }
};

Input::Input(const std::filesystem::path& path)
    : name_(path == kStandardInput ? "standard input" : path.string()),
      state_(std::make_unique<State>()) {
  State& s = *state_;
  s.name = name_;
  if (path == kStandardInput) {
    s.fd = STDIN_FILENO;
    s.owns_fd = false;
  } else {
    s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (s.fd < 0) throw IoError("cannot open", name_, errno);
    s.gzip_name = path.extension() == ".gz";
  }
  struct stat status {};
  if (::fstat(s.fd, &status) != 0) throw IoError("cannot read", name_, errno);
  if (S_ISDIR(status.st_mode)) throw IoError("cannot read", name_, EISDIR);
  s.regular = S_ISREG(status.st_mode);
  s.starts_at_zero = s.regular && ::lseek(s.fd, 0, SEEK_CUR) == 0;
}

Input::Input(Input&& other) noexcept = default;
Input::~Input() = default;

bool Input::compressed() {
  state_->detect();
  return state_->kind == State::Kind::gzip;
}

std::string_view Input::peek(std::size_t count) {
  State& s = *state_;
  while (s.peeked.size() < count) {
    const std::size_t before = s.peeked.size();
    s.peeked.resize(count);
    const std::size_t made = s.produce(s.peeked.data() + before, count - before);
    s.peeked.resize(before + made);
    if (made == 0) break;
  }
  return std::string_view(s.peeked).substr(0, std::min(count, s.peeked.size()));
}

std::size_t Input::read(std::span<char> buffer) {
  State& s = *state_;
  std::size_t done = 0;
  if (!s.peeked.empty()) {
    done = std::min(buffer.size(), s.peeked.size());
    std::memcpy(buffer.data(), s.peeked.data(), done);
    s.peeked.erase(0, done);
  }
  while (done < buffer.size()) {
    const std::size_t made = s.produce(buffer.data() + done, buffer.size() - done);
    if (made == 0) break;
    done += made;
    // A pipe delivers what its writer wrote so far; hand that out rather than waiting for
    // the whole buffer, so that interactive or slow writers are read as they write.
    if (s.kind == State::Kind::plain && !s.regular) break;
  }
  s.consumed += done;
  return done;
}

std::string Input::read_all(std::size_t limit, std::string_view what) {
  std::string text;
  std::vector<char> buffer(std::size_t{64} << 10);
  while (const std::size_t got = read(buffer)) {
    if (text.size() + got > limit) {
      throw FormatError(name_,
                        std::string(what) + " is longer than " + std::to_string(limit) + " bytes");
    }
    text.append(buffer.data(), got);
  }
  return text;
}

bool is_readable_entry(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  return !error && std::filesystem::exists(status) && !std::filesystem::is_directory(status);
}

std::shared_ptr<const MappedFile> Input::map() {
  State& s = *state_;
  if (!s.regular || !s.starts_at_zero || s.consumed != 0 || compressed()) return nullptr;
  return std::make_shared<const MappedFile>(s.fd, name_);
}

}  // namespace graphmini
