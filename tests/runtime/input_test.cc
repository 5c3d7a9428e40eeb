// Input: every kind of input (file, pipe, FIFO, /dev/fd/N, gzip or plain) opened once and read
// as one stream, with peeking that consumes nothing, and bounded on hostile data.
#include "runtime/input.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;

std::string read_everything(Input& input, std::size_t piece = 4096) {
  std::string text;
  std::string buffer(piece, '\0');
  while (const std::size_t got = input.read(buffer))
    text.append(buffer.data(), got);
  return text;
}

std::string lines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i)
    text += std::to_string(i) + " " + std::to_string(i * 7 % 1000) + "\n";
  return text;
}

template <typename Body>
std::string format_error(const Body& body) {
  return testing::message_of<FormatError>(body);
}

// The bug this class fixes: detection read the first 64 KiB of a pipe, then the reader opened
// it again and saw only the rest (1,914 triangles instead of 6,202). Peeking consumes nothing.
TEST(Input, PeekThenReadGivesEverythingFromTheStart) {
  const ScratchDir dir;
  const std::string text = lines(50000);  // far more than one peek
  const testing::FifoFeeder fifo(dir / "fifo", text);
  Input input(dir / "fifo");
  EXPECT_EQ(input.peek(10), text.substr(0, 10));
  EXPECT_EQ(input.peek(std::size_t{1} << 16), text.substr(0, std::size_t{1} << 16));
  EXPECT_EQ(read_everything(input), text);
}

TEST(Input, FilePipeFifoAndGzipGiveTheSameBytes) {
  const ScratchDir dir;
  const std::string text = lines(30000);
  const auto file = dir.write("a.txt", text);
  const auto gzipped = dir.write("a.txt.gz", testing::gzip(text));
  const auto unnamed_gzip = dir.write("a.data", testing::gzip(text));  // told by content
  for (const auto& path : {file, gzipped, unnamed_gzip}) {
    Input input(path);
    EXPECT_EQ(read_everything(input, 1000), text) << path;
  }
  {
    const testing::FifoFeeder fifo(dir / "fifo", testing::gzip(text));
    Input input(dir / "fifo");
    EXPECT_TRUE(input.compressed());
    EXPECT_EQ(read_everything(input), text);
  }
  const testing::PipeFeeder pipe(text);
  Input input(pipe.path());
  EXPECT_FALSE(input.compressed());
  EXPECT_EQ(read_everything(input), text);
}

TEST(Input, ConcatenatedGzipMembersAreReadInTurn) {
  const ScratchDir dir;
  const auto path = dir.write("two.gz", testing::gzip("0 1\n") + testing::gzip("1 2\n"));
  Input input(path);
  EXPECT_EQ(read_everything(input), "0 1\n1 2\n");
}

TEST(Input, EmptyOrPlainFileNamedGzIsAFormatError) {
  const ScratchDir dir;
  const auto empty = dir.write("empty.txt.gz", "");
  EXPECT_EQ(format_error([&] { Input(empty).peek(1); }),
            empty.string() + ": empty file; a .gz file holds gzip data");
  const auto plain = dir.write("plain.txt.gz", "0 1\n");
  EXPECT_EQ(format_error([&] { Input(plain).peek(1); }),
            plain.string() + ": not gzip data, though the name ends in .gz");
}

TEST(Input, DamagedGzipIsAFormatError) {
  const ScratchDir dir;
  const std::string gzipped = testing::gzip(lines(3000));
  const auto truncated = dir.write("t.gz", gzipped.substr(0, gzipped.size() / 2));
  EXPECT_NE(format_error([&] {
              Input input(truncated);
              read_everything(input);
            }).find("the gzip data is truncated"),
            std::string::npos);
  const auto trailing = dir.write("trailing.gz", gzipped + "junk");
  EXPECT_NE(format_error([&] {
              Input input(trailing);
              read_everything(input);
            }).find("data follows the end of the gzip stream"),
            std::string::npos);
  std::string corrupt = gzipped;
  for (std::size_t i = 40; i < 80; ++i)
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  const auto damaged = dir.write("corrupt.gz", corrupt);
  EXPECT_NE(format_error([&] {
              Input input(damaged);
              read_everything(input);
            }).find("corrupt gzip data"),
            std::string::npos);
}

// A 200 MB run of one line, compressed to about 200 KB: refused after the first 64 MiB instead
// of being read to the end (a bomb of gigabytes costs the same).
TEST(Input, DecompressionBombIsRefused) {
  const ScratchDir dir;
  std::string text;
  text.reserve(200u << 20);
  while (text.size() < (200u << 20))
    text += "1 2\n";
  const auto bomb = dir.write("bomb.txt.gz", testing::gzip(text));
  text.clear();
  text.shrink_to_fit();
  ASSERT_GT((200u << 20) / std::filesystem::file_size(bomb), Input::kMaxExpansion);
  Input input(bomb);
  std::string buffer(1 << 20, '\0');
  std::uint64_t read = 0;
  EXPECT_NE(format_error([&] {
              while (const std::size_t got = input.read(buffer))
                read += got;
            }).find("refusing it as a likely decompression bomb"),
            std::string::npos);
  EXPECT_LE(read, Input::kExpansionFreeBytes + buffer.size());
}

TEST(Input, ReadAllStopsAtItsLimit) {
  const ScratchDir dir;
  const auto path = dir.write("a", "0123456789");
  EXPECT_EQ(Input(path).read_all(10, "a file"), "0123456789");
  EXPECT_EQ(format_error([&] { Input(path).read_all(9, "a pattern file"); }),
            path.string() + ": a pattern file is longer than 9 bytes");
}

TEST(Input, OnlyUntouchedPlainRegularFilesAreMapped) {
  const ScratchDir dir;
  const auto path = dir.write("a.txt", "hello");
  {
    Input input(path);
    input.peek(3);  // peeking is fine
    const auto mapped = input.map();
    ASSERT_NE(mapped, nullptr);
    EXPECT_EQ(mapped->bytes().size(), 5u);
  }
  {
    Input input(path);
    std::array<char, 2> two{};
    input.read(two);
    EXPECT_EQ(input.map(), nullptr);  // the reader has begun; the rest is read as a stream
  }
  EXPECT_EQ(Input(dir.write("a.gz", testing::gzip("hello"))).map(), nullptr);
  const testing::PipeFeeder pipe("hello");
  EXPECT_EQ(Input(pipe.path()).map(), nullptr);
}

TEST(Input, MissingFileAndFolderAreIoErrors) {
  const ScratchDir dir;
  EXPECT_THROW(Input(dir / "missing"), IoError);
  EXPECT_THROW(Input(dir.path()), IoError);
}

TEST(Input, EmptyPlainInputIsEmpty) {
  const ScratchDir dir;
  Input input(dir.write("empty.txt", ""));
  EXPECT_EQ(input.peek(10), "");
  EXPECT_EQ(read_everything(input), "");
}

}  // namespace
}  // namespace graphmini
