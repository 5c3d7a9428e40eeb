#include "runtime/files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/error.h"

namespace graphmini {
namespace {

constexpr std::size_t kWriteBuffer = std::size_t{1} << 20;

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw IoError("cannot open", path.string(), errno);
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int error = errno;
    ::close(fd);
    throw IoError("cannot stat", path.string(), error);
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd);
    throw IoError("cannot map", path.string(), S_ISDIR(status.st_mode) ? EISDIR : ENODEV);
  }
  size_ = static_cast<std::size_t>(status.st_size);
  if (size_ > 0) {
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw IoError("cannot map", path.string(), error);
    }
    data_ = static_cast<const std::byte*>(data);
  }
  ::close(fd);  // the mapping keeps the file alive
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

AtomicFile::AtomicFile(std::filesystem::path destination) : destination_(std::move(destination)) {
  std::string pattern = destination_.string() + ".tmp.XXXXXX";
  fd_ = ::mkstemp(pattern.data());
  if (fd_ < 0) throw IoError("cannot create a file beside", destination_.string(), errno);
  ::fchmod(fd_, 0644);
  temporary_ = pattern;
  buffer_.reserve(kWriteBuffer);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  written_ += bytes.size();
  if (buffer_.size() + bytes.size() <= kWriteBuffer) {
    buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return;
  }
  flush();
  const char* data = reinterpret_cast<const char*>(bytes.data());
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t done = ::write(fd_, data, left);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) throw IoError("cannot write", destination_.string(), errno);
    data += done;
    left -= static_cast<std::size_t>(done);
  }
}

void AtomicFile::flush() {
  std::size_t at = 0;
  while (at < buffer_.size()) {
    const ssize_t done = ::write(fd_, buffer_.data() + at, buffer_.size() - at);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) throw IoError("cannot write", destination_.string(), errno);
    at += static_cast<std::size_t>(done);
  }
  buffer_.clear();
}

void AtomicFile::commit() {
  flush();
  if (::fsync(fd_) != 0) throw IoError("cannot sync", destination_.string(), errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw IoError("cannot close", destination_.string(), errno);
  if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
    throw IoError("cannot rename a temporary file to", destination_.string(), errno);
  }
  committed_ = true;
  // Make the rename itself durable. Best effort: some file systems refuse to sync a folder.
  const auto folder =
      destination_.parent_path().empty() ? std::filesystem::path(".") : destination_.parent_path();
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd >= 0) {
    ::fsync(folder_fd);
    ::close(folder_fd);
  }
}

}  // namespace graphmini
