// MappedFile (read-only maps), OutputFile (outputs that never destroy what is at their path:
// atomic regular files, straight devices and FIFOs, followed links, kept modes) and
// OutputFolder (multi-file outputs that appear whole or not at all).
#include "runtime/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;
using testing::temporary_files;

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::filesystem::perms permissions(const std::filesystem::path& path) {
  return std::filesystem::status(path).permissions();
}

// Sets the umask for the life of the object.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

std::string host_name() {
  char buffer[256] = {};
  ::gethostname(buffer, sizeof buffer - 1);
  std::string host = buffer;
  for (char& c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';
  return host.substr(0, 64);
}

// A process id that no process has (a child that has exited and been reaped).
pid_t dead_process() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

template <typename Body>
std::string io_error(const Body& body) {
  return testing::message_of<IoError>(body);
}

// --- MappedFile -------------------------------------------------------------------------------

TEST(MappedFile, MapsTheWholeFile) {
  const ScratchDir dir;
  const MappedFile file(dir.write("a.txt", "hello, graph"));
  EXPECT_EQ(text_of(file.bytes()), "hello, graph");
  EXPECT_EQ(file.name(), (dir / "a.txt").string());
}

TEST(MappedFile, EmptyFileMapsToAnEmptySpan) {
  const ScratchDir dir;
  const MappedFile file(dir.write("empty", ""));
  EXPECT_TRUE(file.bytes().empty());
}

TEST(MappedFile, MissingFileIsAnIoErrorNamingThePath) {
  const ScratchDir dir;
  const auto path = dir / "missing.gmg";
  EXPECT_EQ(io_error([&] { MappedFile file(path); }),
            "cannot open '" + path.string() + "': No such file or directory");
}

TEST(MappedFile, DirectoryIsAnIoErrorNamingThePath) {
  const ScratchDir dir;
  EXPECT_EQ(io_error([&] { MappedFile file(dir.path()); }),
            "cannot map '" + dir.path().string() + "': Is a directory");
}

TEST(MappedFile, FifoIsRejectedWithoutWaitingForAWriter) {
  const ScratchDir dir;
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(io_error([&] { MappedFile file(fifo); }),
            "cannot map '" + fifo.string() + "': No such device");
}

TEST(MappedFile, MappingOutlivesTheFileName) {
  const ScratchDir dir;
  const MappedFile file(dir.write("a.txt", "still here"));
  std::filesystem::remove(dir / "a.txt");
  EXPECT_EQ(text_of(file.bytes()), "still here");
}

TEST(MappedFile, MovingHandsOverTheMapping) {
  const ScratchDir dir;
  MappedFile first(dir.write("a.txt", "abc"));
  const std::byte* data = first.bytes().data();
  const MappedFile second(std::move(first));
  EXPECT_EQ(second.bytes().data(), data);
  EXPECT_EQ(text_of(second.bytes()), "abc");
  EXPECT_TRUE(first.bytes().empty());  // NOLINT(bugprone-use-after-move): specified state
}

// --- OutputFile: regular files --------------------------------------------------------------

TEST(OutputFile, DestinationAppearsOnlyAtCommit) {
  const ScratchDir dir;
  const auto path = dir / "out.txt";
  OutputFile file(path);
  file.write(std::string_view("first line\n"));
  file.write(std::as_bytes(std::span(std::string_view("second line\n"))));
  EXPECT_FALSE(std::filesystem::exists(path));
  const auto temporaries = temporary_files(dir.path());
  ASSERT_EQ(temporaries.size(), 1u);
  // Recognisable: the destination's name, graphmini, this host and this process.
  EXPECT_TRUE(temporaries[0].starts_with(".out.txt.graphmini-" + host_name() + "-" +
                                         std::to_string(::getpid()) + "-"))
      << temporaries[0];
  EXPECT_EQ(file.bytes_written(), 23u);
  file.commit();
  EXPECT_EQ(testing::read_file(path), "first line\nsecond line\n");
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(OutputFile, NewFileModeFollowsTheUmask) {
  const ScratchDir dir;
  using std::filesystem::perms;
  {
    const Umask mask(022);
    OutputFile file(dir / "shared.txt");
    file.commit();
  }
  EXPECT_EQ(permissions(dir / "shared.txt"),
            perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  {
    const Umask mask(077);
    OutputFile file(dir / "private.txt");
    file.commit();
  }
  EXPECT_EQ(permissions(dir / "private.txt"), perms::owner_read | perms::owner_write);
}

TEST(OutputFile, ReplacementKeepsTheModeOfTheFileItReplaces) {
  const ScratchDir dir;
  const Umask mask(022);
  for (const mode_t mode : {0600u, 0640u, 0755u}) {
    const auto path = dir.write("run.ckpt", "old");
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    OutputFile file(path);
    file.write(std::string_view("new"));
    file.commit();
    struct stat status {};
    ASSERT_EQ(::stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, mode);
    EXPECT_EQ(testing::read_file(path), "new");
  }
}

TEST(OutputFile, DestructionWithoutCommitLeavesNoFile) {
  const ScratchDir dir;
  {
    OutputFile file(dir / "out.txt");
    file.write(std::string_view("never committed"));
  }
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(OutputFile, AbandonedRewriteKeepsTheOldFile) {
  const ScratchDir dir;
  const auto path = dir.write("out.txt", "old");
  {
    OutputFile file(path);
    file.write(std::string_view("new"));
  }
  EXPECT_EQ(testing::read_file(path), "old");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(OutputFile, CommitReplacesAnExistingFile) {
  const ScratchDir dir;
  const auto path = dir.write("out.txt", "an older and longer content");
  OutputFile file(path);
  file.write(std::string_view("new"));
  file.commit();
  EXPECT_EQ(testing::read_file(path), "new");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

// Writes of every size around the 1 MiB buffer: small pieces that fill it and cross its end,
// one write far larger than it, and a tail left in the buffer until commit.
TEST(OutputFile, WritesOfAnySizeArriveInOrder) {
  constexpr std::size_t kBuffer = std::size_t{1} << 20;
  const ScratchDir dir;
  std::string expected;
  std::size_t next = 0;
  const auto piece = [&](std::size_t size) {
    std::string text(size, '\0');
    for (char& c : text)
      c = static_cast<char>('a' + next++ % 23);
    expected += text;
    return text;
  };
  OutputFile file(dir / "big.bin");
  file.write(piece(1000));
  file.write(piece(kBuffer - 1000 - 10));  // the buffer now lacks 10 bytes
  file.write(piece(20));                   // crosses its end
  file.write(piece(3 * kBuffer + 7));      // larger than the buffer
  for (int i = 0; i < 10000; ++i)
    file.write(piece(333));  // crosses the end several times
  file.write(piece(kBuffer));
  file.write(piece(5));
  EXPECT_EQ(file.bytes_written(), expected.size());
  file.commit();
  const std::string written = testing::read_file(dir / "big.bin");
  ASSERT_EQ(written.size(), expected.size());
  EXPECT_TRUE(written == expected) << "content differs";
}

TEST(OutputFile, MissingFolderIsAnIoErrorNamingTheDestination) {
  const ScratchDir dir;
  const auto path = dir / "no" / "out.txt";
  EXPECT_EQ(io_error([&] { OutputFile file(path); }),
            "cannot create a file beside '" + path.string() + "': No such file or directory");
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(OutputFile, FolderAtTheDestinationIsAnIoError) {
  const ScratchDir dir;
  std::filesystem::create_directory(dir / "out");
  EXPECT_EQ(io_error([&] { OutputFile file(dir / "out"); }),
            "cannot write '" + (dir / "out").string() + "': Is a directory");
  EXPECT_TRUE(temporary_files(dir.path()).empty());
}

// --- OutputFile: links, devices, FIFOs --------------------------------------------------------

TEST(OutputFile, SymbolicLinkIsFollowedAndStaysALink) {
  const ScratchDir dir;
  std::filesystem::create_directory(dir / "real");
  const auto target = dir.write("real/graph.txt", "old");
  std::filesystem::create_symlink("real/graph.txt", dir / "link.txt");  // relative
  OutputFile file(dir / "link.txt");
  file.write(std::string_view("new"));
  // The temporary file is beside the target, so that the rename stays within its folder.
  EXPECT_EQ(temporary_files(dir / "real").size(), 1u);
  file.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.txt"));
  EXPECT_EQ(testing::read_file(target), "new");
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_TRUE(temporary_files(dir / "real").empty());
}

TEST(OutputFile, DanglingLinkCreatesItsTarget) {
  const ScratchDir dir;
  std::filesystem::create_symlink(dir / "made.txt", dir / "link.txt");  // absolute
  OutputFile file(dir / "link.txt");
  file.write(std::string_view("made"));
  file.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.txt"));
  EXPECT_EQ(testing::read_file(dir / "made.txt"), "made");
}

TEST(OutputFile, LinkLoopIsAnIoError) {
  const ScratchDir dir;
  std::filesystem::create_symlink("b", dir / "a");
  std::filesystem::create_symlink("a", dir / "b");
  EXPECT_NE(io_error([&] { OutputFile file(dir / "a"); }).find("Too many levels of symbolic links"),
            std::string::npos);
}

TEST(OutputFile, CharacterDeviceIsWrittenStraightAndNeverReplaced) {
  const ScratchDir dir;
  // A null device of our own, so that a failure here cannot replace the system's /dev/null.
  const auto device = dir / "null";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "cannot make a device node here (not root, or no CAP_MKNOD)";
  std::filesystem::create_symlink(device, dir / "link");
  for (const auto& path : {device, dir / "link"}) {
    OutputFile file(path);
    file.write(std::string(3 << 20, 'x'));
    EXPECT_TRUE(temporary_files(dir.path()).empty());
    file.commit();
    EXPECT_TRUE(std::filesystem::is_character_file(device));
  }
}

TEST(OutputFile, FullDeviceIsAnIoErrorAtTheWriteThatFails) {
  if (!std::filesystem::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  OutputFile file("/dev/full");
  file.write(std::string_view("buffered"));  // still in the buffer
  EXPECT_EQ(io_error([&] { file.commit(); }), "cannot write '/dev/full': No space left on device");
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/full"));
}

TEST(OutputFile, FifoIsWrittenStraightToItsReader) {
  const ScratchDir dir;
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = testing::read_file(fifo); });
  {
    OutputFile file(fifo);
    file.write(std::string(100000, 'y'));
    file.commit();
  }
  reader.join();
  EXPECT_EQ(received, std::string(100000, 'y'));
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(temporary_files(dir.path()).empty());
}

// --- OutputFile: streamed ---------------------------------------------------------------------

TEST(OutputFile, StreamedFileHoldsWhatWasFlushedBeforeCommit) {
  const ScratchDir dir;
  const auto path = dir.write("run.csv", "an old log, longer than the new one");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  OutputFile log(path, OutputFile::Writing::streamed);
  EXPECT_EQ(testing::read_file(path), "");  // truncated at once
  log.write(std::string_view("epoch 1\n"));
  log.flush();
  EXPECT_EQ(testing::read_file(path), "epoch 1\n");  // a killed run keeps this much
  log.write(std::string_view("epoch 2\n"));
  log.commit();
  EXPECT_EQ(testing::read_file(path), "epoch 1\nepoch 2\n");
  EXPECT_EQ(permissions(path),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(temporary_files(dir.path()).empty());
}

// --- temporary files ---------------------------------------------------------------------------

TEST(OutputFile, StaleTemporariesOfGoneProcessesAreRemovedByTheNextWrite) {
  const ScratchDir dir;
  const std::string prefix = ".out.gmg.graphmini-";
  const std::string host = host_name();
  const auto stale = dir.write(prefix + host + "-" + std::to_string(dead_process()) + "-a.tmp", "");
  const auto stale_folder =
      dir / (prefix + host + "-" + std::to_string(dead_process()) + "-b.tmp");  // a folder's
  std::filesystem::create_directory(stale_folder);
  dir.write(std::filesystem::relative(stale_folder / "raw.csv", dir.path()).string(), "x");
  const auto live = dir.write(prefix + host + "-" + std::to_string(::getppid()) + "-c.tmp", "");
  const auto other_host = dir.write(prefix + "elsewhere-1-d.tmp", "");
  const auto other_file = dir.write(
      ".other.gmg.graphmini-" + host + "-" + std::to_string(dead_process()) + "-e.tmp", "");
  OutputFile file(dir / "out.gmg");
  file.commit();
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_FALSE(std::filesystem::exists(stale_folder));
  EXPECT_TRUE(std::filesystem::exists(live));        // its process may be writing now
  EXPECT_TRUE(std::filesystem::exists(other_host));  // not ours to tell
  EXPECT_TRUE(std::filesystem::exists(other_file));  // another destination's
  EXPECT_EQ(temporary_files(dir.path()).size(), 3u);
}

// What the signal handler does as the process ends, so each case runs in a child process. Exit
// codes: 0 all as it should be, 1 something left behind, 2 a new output was still allowed.
TEST(OutputFile, RemoveTemporaryFilesRemovesWhatIsNotCommittedAndRefusesNewOutputs) {
  const ScratchDir dir;
  EXPECT_EXIT(
      {
        OutputFile file(dir / "a.txt");
        file.write(std::string_view("x"));
        OutputFolder folder(dir / "folder", [](const auto&) { return false; });
        if (temporary_files(dir.path()).size() != 2) std::_Exit(1);
        remove_temporary_files();
        if (testing::count_files(dir.path()) != 0) std::_Exit(1);
        try {
          OutputFile later(dir / "b.txt");
        } catch (const Error&) {
          std::_Exit(0);
        }
        std::_Exit(2);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

// A thread writing files and folders into a temporary folder while it is removed cannot keep
// it alive (the CI failures: a file created between remove_all's listing and its rmdir kept
// the folder; a subfolder created with its parents brought the removed folder back).
TEST(OutputFolder, RemoveTemporaryFilesWinsAgainstAWriterInside) {
  const ScratchDir dir;
  EXPECT_EXIT(
      {
        OutputFolder folder(dir / "out", [](const auto&) { return false; });
        std::atomic<bool> started = false;
        std::thread writer([&] {
          for (int i = 0; i < 100000; ++i) {
            try {
              const auto path = folder.subfolder(std::to_string(i % 7)) / ("f" + std::to_string(i));
              const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
              if (fd < 0) return;  // the folder is gone
              ::close(fd);
            } catch (const IoError&) {
              return;  // the folder is gone
            }
            started = true;
          }
        });
        while (!started)
          std::this_thread::yield();
        remove_temporary_files();
        writer.join();
        std::_Exit(testing::count_files(dir.path()) == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// --- OutputFolder -----------------------------------------------------------------------------

TEST(OutputFolder, SubfoldersAreMadeInsideTheTemporaryFolderAndNeverMakeItAgain) {
  const ScratchDir dir;
  OutputFolder folder(dir / "out", [](const auto&) { return false; });
  EXPECT_EQ(folder.subfolder("split/time"), folder.path() / "split" / "time");
  EXPECT_EQ(folder.subfolder("split"), folder.path() / "split");  // already there
  EXPECT_TRUE(std::filesystem::is_directory(folder.path() / "split" / "time"));
  EXPECT_THROW(folder.subfolder("../escape"), InvalidArgument);
  EXPECT_THROW(folder.subfolder("/tmp/escape"), InvalidArgument);
  std::filesystem::remove_all(folder.path());  // as a signal would
  EXPECT_THROW(folder.subfolder("raw"), IoError);
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(OutputFolder, AppearsWholeAtCommit) {
  const ScratchDir dir;
  OutputFolder folder(dir / "out", [](const auto&) { return false; });
  dir.write(std::filesystem::relative(folder.path() / "a.csv", dir.path()).string(), "a");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  folder.commit();
  EXPECT_EQ(testing::read_file(dir / "out" / "a.csv"), "a");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(OutputFolder, ReplacesAnEarlierOutputWholeKeepingItsMode) {
  const ScratchDir dir;
  dir.write("out/marker", "");
  dir.write("out/stale/old.csv", "from an earlier run");
  ASSERT_EQ(::chmod((dir / "out").c_str(), 0700), 0);
  const auto is_ours = [](const std::filesystem::path& p) {
    return std::filesystem::exists(p / "marker");
  };
  {
    OutputFolder abandoned(dir / "out", is_ours);
    dir.write(std::filesystem::relative(abandoned.path() / "new.csv", dir.path()).string(), "x");
  }
  EXPECT_EQ(testing::read_file(dir / "out" / "stale" / "old.csv"), "from an earlier run");
  OutputFolder folder(dir / "out", is_ours);
  dir.write(std::filesystem::relative(folder.path() / "new.csv", dir.path()).string(), "new");
  folder.commit();
  EXPECT_EQ(testing::count_files(dir / "out"), 1u);  // nothing of the old folder survives
  EXPECT_EQ(testing::read_file(dir / "out" / "new.csv"), "new");
  EXPECT_EQ(permissions(dir / "out"), std::filesystem::perms::owner_all);
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(OutputFolder, RefusesToReplaceAFolderItDidNotWrite) {
  const ScratchDir dir;
  dir.write("notes/thesis.tex", "months of work");
  try {
    OutputFolder folder(dir / "notes", [](const auto&) { return false; });
    FAIL() << "a folder of the user's would have been replaced";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("holds something else"), std::string::npos);
  }
  EXPECT_EQ(testing::read_file(dir / "notes" / "thesis.tex"), "months of work");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(OutputFolder, EmptyFolderIsReplaced) {
  const ScratchDir dir;
  std::filesystem::create_directory(dir / "out");
  OutputFolder folder(dir / "out/", [](const auto&) { return false; });  // trailing slash
  dir.write(std::filesystem::relative(folder.path() / "a", dir.path()).string(), "a");
  folder.commit();
  EXPECT_EQ(testing::read_file(dir / "out" / "a"), "a");
}

TEST(OutputFolder, LinkToAFolderReplacesTheTargetAndStaysALink) {
  const ScratchDir dir;
  dir.write("real/marker", "");
  std::filesystem::create_directory_symlink("real", dir / "link");
  OutputFolder folder(dir / "link",
                      [](const auto& p) { return std::filesystem::exists(p / "marker"); });
  dir.write(std::filesystem::relative(folder.path() / "b", dir.path()).string(), "b");
  folder.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link"));
  EXPECT_EQ(testing::read_file(dir / "real" / "b"), "b");
  EXPECT_FALSE(std::filesystem::exists(dir / "real" / "marker"));
}

TEST(OutputFolder, FileOrCurrentFolderAtTheDestinationIsRefused) {
  const ScratchDir dir;
  const auto file = dir.write("out", "a file");
  EXPECT_EQ(io_error([&] { OutputFolder folder(file, [](const auto&) { return true; }); }),
            "cannot write the folder '" + file.string() + "': Not a directory");
  EXPECT_THROW(OutputFolder(".", [](const auto&) { return true; }), InvalidArgument);
  EXPECT_THROW(OutputFolder(dir / "..", [](const auto&) { return true; }), InvalidArgument);
  EXPECT_EQ(testing::read_file(file), "a file");
}

}  // namespace
}  // namespace graphmini
