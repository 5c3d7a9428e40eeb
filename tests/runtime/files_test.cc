// MappedFile (read-only maps) and AtomicFile (output that appears only when complete).
#include "runtime/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::string> temporary_files(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") != std::string::npos) names.push_back(name);
  }
  return names;
}

template <typename Body>
std::string io_error(const Body& body) {
  try {
    body();
  } catch (const IoError& error) {
    return error.what();
  }
  return "";
}

// --- MappedFile -------------------------------------------------------------------------------

TEST(MappedFile, MapsTheWholeFile) {
  const ScratchDir dir;
  const MappedFile file(dir.write("a.txt", "hello, graph"));
  EXPECT_EQ(text_of(file.bytes()), "hello, graph");
  EXPECT_EQ(file.path(), dir / "a.txt");
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

// --- AtomicFile -------------------------------------------------------------------------------

TEST(AtomicFile, DestinationAppearsOnlyAtCommit) {
  const ScratchDir dir;
  const auto path = dir / "out.txt";
  AtomicFile file(path);
  file.write(std::string_view("first line\n"));
  file.write(std::as_bytes(std::span(std::string_view("second line\n"))));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(temporary_files(dir.path()).size(), 1u);
  EXPECT_EQ(file.bytes_written(), 23u);
  file.commit();
  EXPECT_EQ(testing::read_file(path), "first line\nsecond line\n");
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(AtomicFile, CommittedFileIsReadableByEveryone) {
  // mkstemp creates 0600 files; outputs are ordinary 0644 files.
  const ScratchDir dir;
  AtomicFile file(dir / "out.txt");
  file.commit();
  using std::filesystem::perms;
  EXPECT_EQ(std::filesystem::status(dir / "out.txt").permissions(),
            perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
}

TEST(AtomicFile, DestructionWithoutCommitLeavesNoFile) {
  const ScratchDir dir;
  {
    AtomicFile file(dir / "out.txt");
    file.write(std::string_view("never committed"));
  }
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(AtomicFile, AbandonedRewriteKeepsTheOldFile) {
  const ScratchDir dir;
  const auto path = dir.write("out.txt", "old");
  {
    AtomicFile file(path);
    file.write(std::string_view("new"));
  }
  EXPECT_EQ(testing::read_file(path), "old");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

TEST(AtomicFile, CommitReplacesAnExistingFile) {
  const ScratchDir dir;
  const auto path = dir.write("out.txt", "an older and longer content");
  AtomicFile file(path);
  file.write(std::string_view("new"));
  file.commit();
  EXPECT_EQ(testing::read_file(path), "new");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

// Writes of every size around the 1 MiB buffer: small pieces that fill it and cross its end,
// one write far larger than it, and a tail left in the buffer until commit.
TEST(AtomicFile, WritesOfAnySizeArriveInOrder) {
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
  AtomicFile file(dir / "big.bin");
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

TEST(AtomicFile, MissingFolderIsAnIoErrorNamingTheDestination) {
  const ScratchDir dir;
  const auto path = dir / "no" / "out.txt";
  EXPECT_EQ(io_error([&] { AtomicFile file(path); }),
            "cannot create a file beside '" + path.string() + "': No such file or directory");
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(AtomicFile, FailedRenameLeavesNoTemporaryFile) {
  const ScratchDir dir;
  std::filesystem::create_directory(dir / "out");
  dir.write("out/inside", "x");
  {
    AtomicFile file(dir / "out");
    file.write(std::string_view("data"));
    EXPECT_EQ(io_error([&] {
                file.commit();
              }).rfind("cannot rename a temporary file to '" + (dir / "out").string() + "': ", 0),
              0u);
  }
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

}  // namespace
}  // namespace graphmini
