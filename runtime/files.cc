#include "runtime/files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <vector>

#include "runtime/error.h"

namespace graphmini {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kWriteBuffer = std::size_t{1} << 20;
constexpr int kMaxSymlinkHops = 40;

// ---- temporary paths -------------------------------------------------------------------------

// The temporary paths this process has not committed or removed yet. Never destroyed, so that
// a signal arriving while the process exits still finds it.
struct Registry {
  std::mutex mutex;
  std::vector<fs::path> paths;
  bool closed = false;  // remove_temporary_files() ran: the process is ending

  // Call with the mutex held, before creating a temporary path.
  void check_open(const std::string& name) const {
    if (closed) throw Error("'" + name + "' is not written: graphmini is ending");
  }
};

Registry& registry() {
  static Registry* const instance = new Registry;
  return *instance;
}

void forget(const fs::path& path) {
  Registry& r = registry();
  const auto found = std::find(r.paths.begin(), r.paths.end(), path);
  if (found != r.paths.end()) r.paths.erase(found);
}

// The host name as it appears in temporary names: letters, digits, '.' and '_'.
const std::string& host_name() {
  static const std::string name = [] {
    std::array<char, 256> buffer{};
    std::string host = ::gethostname(buffer.data(), buffer.size() - 1) == 0 ? buffer.data() : "";
    for (char& c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';
    }
    return host.empty() ? std::string("host") : host.substr(0, 64);
  }();
  return name;
}

std::string temporary_prefix(const fs::path& target) {
  return "." + target.filename().string() + ".graphmini-";
}

fs::path temporary_path(const fs::path& target) {
  static std::mutex mutex;
  static std::mt19937_64 random{std::random_device{}()};
  constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string tag(8, ' ');
  {
    std::lock_guard lock(mutex);
    for (char& c : tag)
      c = kLetters[random() % (sizeof kLetters - 1)];
  }
  return target.parent_path() / (temporary_prefix(target) + host_name() + "-" +
                                 std::to_string(::getpid()) + "-" + tag + ".tmp");
}

// Removes temporary files and folders of `target` left by processes of this host that are
// gone (killed, crashed). Others' are left alone: they may be writing right now.
void remove_stale_temporaries(const fs::path& target) {
  const std::string prefix = temporary_prefix(target) + host_name() + "-";
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".tmp")) continue;
    const std::string rest = name.substr(prefix.size(), name.size() - prefix.size() - 4);
    const auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    const std::string pid_text = rest.substr(0, dash);
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!std::all_of(pid_text.begin(), pid_text.end(), is_digit) || pid_text.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to tell
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

// The path with symbolic links in its last component followed (those in its folders need no
// following: writing through them reaches the same folder).
fs::path follow_links(const fs::path& destination, const std::string& name) {
  fs::path path = destination;
  for (int hop = 0; hop < kMaxSymlinkHops; ++hop) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0 || !S_ISLNK(status.st_mode)) return path;
    std::error_code error;
    const fs::path link = fs::read_symlink(path, error);
    if (error) throw IoError("cannot read the link", name, error.value());
    path = link.is_absolute() ? link : path.parent_path() / link;
  }
  throw IoError("cannot follow", name, ELOOP);
}

// A destination with any trailing '/' removed ("out/" names the folder "out").
fs::path without_trailing_slash(fs::path path) {
  while (!path.has_filename() && path.has_parent_path() && path != path.root_path())
    path = path.parent_path();
  return path;
}

void write_all(int fd, const char* data, std::size_t size, const std::string& name) {
  while (size > 0) {
    const ssize_t done = ::write(fd, data, size);
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) throw IoError("cannot write", name, errno);
    data += done;
    size -= static_cast<std::size_t>(done);
  }
}

void sync_folder(const fs::path& path) {
  // Makes a rename durable. Best effort: some file systems refuse to sync a folder.
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

// ---- MappedFile --------------------------------------------------------------------------------

MappedFile::MappedFile(const fs::path& path) : name_(path.string()) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected in map().
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw IoError("cannot open", name_, errno);
  try {
    map(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);  // the mapping keeps the file alive
}

MappedFile::MappedFile(int fd, std::string name) : name_(std::move(name)) {
  map(fd);
}

void MappedFile::map(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) throw IoError("cannot stat", name_, errno);
  if (!S_ISREG(status.st_mode))
    throw IoError("cannot map", name_, S_ISDIR(status.st_mode) ? EISDIR : ENODEV);
  size_ = static_cast<std::size_t>(status.st_size);
  if (size_ == 0) return;
  void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) throw IoError("cannot map", name_, errno);
  data_ = static_cast<const std::byte*>(data);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : name_(std::move(other.name_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

// ---- OutputFile --------------------------------------------------------------------------------

OutputFile::OutputFile(fs::path destination, Writing writing) {
  if (destination == kStandardOutput) {
    name_ = "standard output";
    fd_ = STDOUT_FILENO;
    owns_fd_ = false;
    return;
  }
  name_ = destination.string();
  target_ = follow_links(without_trailing_slash(std::move(destination)), name_);
  struct stat status {};
  const bool exists = ::stat(target_.c_str(), &status) == 0;
  if (!exists && errno != ENOENT) throw IoError("cannot write", name_, errno);
  if (exists && S_ISDIR(status.st_mode)) throw IoError("cannot write", name_, EISDIR);
  if (exists && S_ISBLK(status.st_mode)) {
    throw Error("'" + name_ + "' is a block device; graphmini does not write onto disks");
  }
  if (exists && !S_ISREG(status.st_mode)) {
    // A device, FIFO or socket: written straight, never replaced.
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot open", name_, errno);
    return;
  }
  if (writing == Writing::streamed) {
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) throw IoError("cannot create", name_, errno);
    return;
  }
  remove_stale_temporaries(target_);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.check_open(name_);
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temporary_ = temporary_path(target_);
    // Created with 0666 so that the kernel applies the umask (and any default ACL).
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt == 16))
      throw IoError("cannot create a file beside", name_, errno);
  }
  r.paths.push_back(temporary_);
  sync_ = true;
  durable_ = writing != Writing::snapshot;
  if (exists) {
    // The replacement keeps the mode (a 0600 checkpoint stays private) and, where the
    // process may, the owner of the file it replaces.
    ::fchmod(fd_, status.st_mode & 07777);
    if (status.st_uid != ::geteuid() || status.st_gid != ::getegid()) [[maybe_unused]]
      const int ignored = ::fchown(fd_, status.st_uid, status.st_gid);
  }
  buffer_.reserve(kWriteBuffer);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0 && owns_fd_) ::close(fd_);
  if (!temporary_.empty() && !committed_) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    ::unlink(temporary_.c_str());
    forget(temporary_);
  }
}

void OutputFile::write(std::span<const std::byte> bytes) {
  written_ += bytes.size();
  if (buffer_.size() + bytes.size() <= kWriteBuffer) {
    buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return;
  }
  flush();
  write_all(fd_, reinterpret_cast<const char*>(bytes.data()), bytes.size(), name_);
}

void OutputFile::flush() {
  write_all(fd_, buffer_.data(), buffer_.size(), name_);
  buffer_.clear();
}

void OutputFile::commit() {
  flush();
  if (!sync_) {
    if (owns_fd_) {
      const int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0 && errno != EINTR) throw IoError("cannot write", name_, errno);
    }
    committed_ = true;
    return;
  }
  if (durable_ && ::fsync(fd_) != 0) throw IoError("cannot sync", name_, errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw IoError("cannot close", name_, errno);
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
      throw IoError("cannot rename a temporary file to", name_, errno);
    }
    forget(temporary_);
    committed_ = true;
  }
  if (durable_) sync_folder(target_);
}

// ---- OutputFolder ------------------------------------------------------------------------------

OutputFolder::OutputFolder(fs::path destination,
                           const std::function<bool(const fs::path&)>& may_replace)
    : name_(destination.string()) {
  if (destination == OutputFile::kStandardOutput)
    throw InvalidArgument("a folder of files cannot be written to standard output");
  destination = without_trailing_slash(std::move(destination));
  const std::string last = destination.filename().string();
  if (last.empty() || last == "." || last == "..") {
    throw InvalidArgument("output folder '" + name_ + "': name a folder of its own");
  }
  target_ = follow_links(destination, name_);
  struct stat status {};
  const bool exists = ::stat(target_.c_str(), &status) == 0;
  if (!exists && errno != ENOENT) throw IoError("cannot write", name_, errno);
  if (exists) {
    if (!S_ISDIR(status.st_mode)) throw IoError("cannot write the folder", name_, ENOTDIR);
    std::error_code error;
    const bool empty = fs::is_empty(target_, error);
    if (!empty && !may_replace(target_)) {
      throw Error("'" + name_ +
                  "' exists and holds something else; graphmini replaces only a folder it "
                  "wrote (remove it or choose another folder)");
    }
    replace_ = true;
  }
  remove_stale_temporaries(target_);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.check_open(name_);
  for (int attempt = 0;; ++attempt) {
    temporary_ = temporary_path(target_);
    if (::mkdir(temporary_.c_str(), 0777) == 0) break;
    if (errno != EEXIST || attempt == 16)
      throw IoError("cannot create a folder beside", name_, errno);
  }
  r.paths.push_back(temporary_);
  if (exists) ::chmod(temporary_.c_str(), status.st_mode & 07777);
}

OutputFolder::~OutputFolder() {
  if (committed_) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::error_code ignored;
  fs::remove_all(temporary_, ignored);
  forget(temporary_);
}

fs::path OutputFolder::subfolder(const fs::path& relative) const {
  fs::path path = temporary_;
  for (const fs::path& part : relative) {
    if (part == ".." || part.has_root_directory())
      throw InvalidArgument("'" + relative.string() + "' is not a folder inside '" + name_ + "'");
    path /= part;
    if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST)
      throw IoError("cannot create folder", path.string(), errno);
  }
  return path;
}

void OutputFolder::commit() {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  if (!replace_) {
    if (::rename(temporary_.c_str(), target_.c_str()) != 0)
      throw IoError("cannot rename a temporary folder to", name_, errno);
    forget(temporary_);
  } else {
    // Swap the two folders in one step; the old one is then at the temporary name, still
    // registered, and is removed below (or, if this process dies first, by the next write).
    if (::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) !=
        0) {
      if (errno != EINVAL && errno != ENOSYS)
        throw IoError("cannot replace the folder", name_, errno);
      // A file system without exchange: move the old folder aside first.
      const fs::path old = temporary_path(target_);
      r.paths.push_back(old);
      if (::rename(target_.c_str(), old.c_str()) != 0)
        throw IoError("cannot move the old folder aside", name_, errno);
      if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
        const int error = errno;
        ::rename(old.c_str(), target_.c_str());  // put the old folder back
        forget(old);
        throw IoError("cannot rename a temporary folder to", name_, error);
      }
      forget(temporary_);
      temporary_ = old;
    }
    lock.unlock();
    std::error_code ignored;
    fs::remove_all(temporary_, ignored);
    lock.lock();
    forget(temporary_);
  }
  committed_ = true;
  lock.unlock();
  sync_folder(target_);
}

void remove_temporary_files() noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.closed = true;
  for (const fs::path& path : r.paths) {
    // Another thread may be writing into a temporary folder right now: a file it creates
    // between remove_all's listing and its final rmdir would leave the folder behind. Renamed
    // first, the folder is out of the writer's reach (it names files by path), and the new
    // name is still one the next write removes should this process die mid-way.
    const std::string name = path.string();
    fs::path doomed = name.substr(0, name.size() - 4) + "-removed.tmp";
    if (::rename(path.c_str(), doomed.c_str()) != 0) doomed = path;
    std::error_code ignored;
    fs::remove_all(doomed, ignored);
  }
  r.paths.clear();
}

std::filesystem::path user_cache_dir() {
  const char* cache_home = std::getenv("XDG_CACHE_HOME");
  if (cache_home != nullptr && *cache_home != '\0')
    return std::filesystem::path(cache_home) / "graphmini";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return std::filesystem::path(home) / ".cache" / "graphmini";
  return {};
}

}  // namespace graphmini
