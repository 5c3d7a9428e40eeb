// Files as the rest of graphmini sees them: read-only memory maps, and outputs that never
// destroy what is at their path.
//
// An output path is taken for what it is:
//   * "-" is standard output, written straight;
//   * a symbolic link is followed: its target is written (in the target's folder) and the
//     link stays a link;
//   * an existing character device or FIFO (/dev/null, /dev/stderr, a named pipe) is written
//     straight and never replaced; a folder or block device is refused;
//   * anything else becomes a regular file that appears complete or not at all: it is
//     written to a temporary file beside it and renamed over it by commit(). The new file
//     keeps the mode of the file it replaces; a new one gets 0666 less the umask.
// Temporary files and folders are named ".NAME.graphmini-HOST-PID-RANDOM.tmp". They are
// removed when the writer is destroyed without commit, by remove_temporary_files() (which the
// command line's one SIGINT/SIGTERM handler calls), and, after a SIGKILL or a crash, by the
// next write to the same destination, which removes those whose process is gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace graphmini {

class MappedFile {
 public:
  // Maps the whole regular file read-only. Throws IoError when it cannot be opened or
  // mapped, or is not a regular file (a FIFO is rejected without waiting for a writer).
  explicit MappedFile(const std::filesystem::path& path);
  // Maps the regular file open as `fd` (which stays the caller's); `name` is for errors.
  MappedFile(int fd, std::string name);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::string& name() const { return name_; }

 private:
  void map(int fd);

  std::string name_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

class OutputFile {
 public:
  // The path that names standard output.
  static constexpr std::string_view kStandardOutput = "-";

  enum class Writing {
    atomic,    // a regular file appears at commit(), complete, or not at all
    streamed,  // a regular file is truncated and written as data comes, so that a killed
               // run keeps what was written (logs); flush() after each record
    snapshot,  // as atomic, but not synced to disk: for a file replaced again and again while
               // a run goes on (its state after every epoch), where a stopped process must
               // leave the last whole version and syncing each would cost more than the work
  };

  // Opens the destination as described above. Throws IoError (a missing folder, a folder at
  // the path, no permission) or Error (a block device).
  explicit OutputFile(std::filesystem::path destination, Writing writing = Writing::atomic);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  // Without commit(), removes the temporary file of an atomic output.
  ~OutputFile();

  // Every write is checked: a full disk, a closed pipe (EPIPE) or a failing device throws
  // IoError naming the destination.
  void write(std::span<const std::byte> bytes);
  void write(std::string_view text) { write(std::as_bytes(std::span(text.data(), text.size()))); }
  // Hands what is buffered to the operating system now.
  void flush();
  // Flushes; for an atomic output also syncs and renames the temporary file over the
  // destination (a snapshot is renamed without syncing). Nothing may be written after it.
  void commit();

  const std::string& name() const { return name_; }
  std::uint64_t bytes_written() const { return written_; }

 private:
  std::string name_;
  std::filesystem::path target_;     // the destination with symbolic links followed
  std::filesystem::path temporary_;  // empty unless atomic into a regular file
  int fd_ = -1;
  bool owns_fd_ = true;
  bool sync_ = false;    // a temporary file to rename at commit()
  bool durable_ = true;  // and to sync first
  std::string buffer_;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

// A folder whose files appear together or not at all: they are written into a temporary
// folder beside the destination, which replaces it in one step on commit() (the old folder
// is then removed). So an interrupted rewrite never leaves a mix of old and new files. An
// existing destination is replaced only when `may_replace` accepts it (it holds an earlier
// output of the same kind) or it is empty, so that a mistyped path never deletes a folder of
// the user's.
class OutputFolder {
 public:
  OutputFolder(std::filesystem::path destination,
               const std::function<bool(const std::filesystem::path&)>& may_replace);
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  // Without commit(), removes the temporary folder and what was written into it.
  ~OutputFolder();

  // Where to write the files.
  const std::filesystem::path& path() const { return temporary_; }
  // Creates the folder `relative` (and the folders on its way) inside path(), and returns its
  // path. Never creates path() itself: once a signal has removed it, writing fails instead of
  // bringing back a temporary folder that nothing would remove.
  std::filesystem::path subfolder(const std::filesystem::path& relative) const;
  void commit();

 private:
  std::string name_;
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  bool replace_ = false;
  bool committed_ = false;
};

// graphmini's cache folder (compiled kernels, the machine's measured peaks):
// $XDG_CACHE_HOME/graphmini if XDG_CACHE_HOME is set and non-empty, else $HOME/.cache/graphmini;
// empty when neither variable is set (nothing is then cached).
std::filesystem::path user_cache_dir();

// Removes every temporary file and folder of this process that is not committed yet, and
// refuses new ones from then on (the process is ending). For signal handlers (run it from a
// normal thread, not an asynchronous handler) and crash paths.
void remove_temporary_files() noexcept;

}  // namespace graphmini
