#include "datasets/text_input.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::datasets {
namespace {

using graphmini::testing::expect_parse_error;
using graphmini::testing::ScratchDir;

// TextInput's buffer never goes below 4 KiB, so asking for one byte gives the smallest chunks.
constexpr std::size_t kTinyChunk = 1;
constexpr std::size_t kSmallestBuffer = 4096;

std::vector<TextInput::Chunk> read_chunks(TextInput& input, std::vector<std::string>& texts) {
  std::vector<TextInput::Chunk> chunks;
  TextInput::Chunk chunk;
  while (input.next(chunk)) {
    chunks.push_back(chunk);
    texts.emplace_back(chunk.text);  // the view dies with the next call
  }
  return chunks;
}

std::uint64_t count_newlines(std::string_view text) {
  return static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

// Lines of every length from 0 to 199 characters, so that chunk boundaries fall at every
// position within a line.
std::string lines_of_varied_length(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    text += std::to_string(i);
    text += std::string(static_cast<std::size_t>(i * 37 % 200), 'x');
    text += '\n';
  }
  return text;
}

TEST(TextInput, ChunksAreWholeLinesThatTogetherAreTheFile) {
  ScratchDir dir;
  const std::string text = lines_of_varied_length(2000);  // about 200 KB: dozens of chunks
  const auto path = dir.write("lines.txt", text);

  TextInput input(path, kTinyChunk);
  std::vector<std::string> texts;
  const auto chunks = read_chunks(input, texts);

  ASSERT_GT(chunks.size(), 10u);
  std::string joined;
  std::uint64_t expected_first_line = 1;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_FALSE(texts[i].empty());
    EXPECT_LE(texts[i].size(), kSmallestBuffer);
    EXPECT_EQ(texts[i].back(), '\n') << "chunk " << i << " splits a line";
    EXPECT_EQ(chunks[i].first_line, expected_first_line) << "chunk " << i;
    expected_first_line += count_newlines(texts[i]);
    joined += texts[i];
  }
  EXPECT_EQ(joined, text);
}

TEST(TextInput, LineLongerThanTheBufferComesWholeInOneChunk) {
  ScratchDir dir;
  const std::string long_line(3 * kSmallestBuffer, 'y');
  const std::string text = "short\n" + long_line + "\nlast\n";
  TextInput input(dir.write("long.txt", text), kTinyChunk);
  std::vector<std::string> texts;
  const auto chunks = read_chunks(input, texts);

  const auto holding = std::find_if(texts.begin(), texts.end(), [&](const std::string& chunk) {
    return chunk.find(long_line + "\n") != std::string::npos;
  });
  ASSERT_NE(holding, texts.end()) << "the long line was split across chunks";
  std::string joined;
  for (const auto& chunk : texts)
    joined += chunk;
  EXPECT_EQ(joined, text);
}

TEST(TextInput, LastLineMayLackItsNewline) {
  ScratchDir dir;
  TextInput input(dir.write("no-newline.txt", "1 2\n3 4"), kTinyChunk);
  std::vector<std::string> texts;
  const auto chunks = read_chunks(input, texts);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(texts[0], "1 2\n3 4");
  EXPECT_EQ(chunks[0].first_line, 1u);
}

TEST(TextInput, LastLineWithoutNewlineAfterManyChunks) {
  ScratchDir dir;
  const std::string text = lines_of_varied_length(500) + "tail without newline";
  TextInput input(dir.write("tail.txt", text), kTinyChunk);
  std::vector<std::string> texts;
  const auto chunks = read_chunks(input, texts);
  ASSERT_GT(chunks.size(), 1u);
  EXPECT_TRUE(texts.back().ends_with("\ntail without newline"));
  EXPECT_EQ(chunks.back().first_line + count_newlines(texts.back()), 501u);
}

TEST(TextInput, CarriageReturnsArePassedThroughAndLinesEndAtLineFeeds) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text += std::to_string(i) + "\t" + std::to_string(i + 1) + "\r\n";
  TextInput input(dir.write("crlf.txt", text), kTinyChunk);
  std::vector<std::string> texts;
  const auto chunks = read_chunks(input, texts);
  ASSERT_GT(chunks.size(), 1u);
  std::string joined;
  for (const auto& chunk : texts) {
    EXPECT_TRUE(chunk.ends_with("\r\n"));
    joined += chunk;
  }
  EXPECT_EQ(joined, text);
}

TEST(TextInput, EmptyFileHasNoChunks) {
  ScratchDir dir;
  TextInput input(dir.write("empty.txt", ""));
  TextInput::Chunk chunk;
  EXPECT_FALSE(input.next(chunk));
  EXPECT_FALSE(input.next(chunk));  // and stays at the end
}

TEST(TextInput, GzipAndPlainGiveIdenticalChunks) {
  ScratchDir dir;
  const std::string text = lines_of_varied_length(3000) + "last";
  TextInput plain(dir.write("lines.txt", text), kTinyChunk);
  // The name says nothing: compression is recognised from the content.
  TextInput gzip(dir.write_gzip("lines.txt.data", text), kTinyChunk);
  std::vector<std::string> plain_texts;
  std::vector<std::string> gzip_texts;
  const auto plain_chunks = read_chunks(plain, plain_texts);
  const auto gzip_chunks = read_chunks(gzip, gzip_texts);

  ASSERT_EQ(plain_texts.size(), gzip_texts.size());
  for (std::size_t i = 0; i < plain_texts.size(); ++i) {
    EXPECT_EQ(plain_texts[i], gzip_texts[i]) << "chunk " << i;
    EXPECT_EQ(plain_chunks[i].first_line, gzip_chunks[i].first_line) << "chunk " << i;
  }
}

TEST(TextInput, ErrorAtNamesTheFileAndTheLineOfThePosition) {
  ScratchDir dir;
  // Lines 1..1000, each "line N"; find "line 777" and report an error there.
  std::string text;
  for (int i = 1; i <= 1000; ++i)
    text += "line " + std::to_string(i) + "\n";
  const auto path = dir.write("numbered.txt", text);
  TextInput input(path, kTinyChunk);
  TextInput::Chunk chunk;
  bool found = false;
  while (!found && input.next(chunk)) {
    const auto at = chunk.text.find("line 777\n");
    if (at == std::string_view::npos) continue;
    found = true;
    EXPECT_GT(chunk.first_line, 1u) << "the test wants line 777 beyond the first chunk";
    const ParseError error = input.error_at(chunk, chunk.text.data() + at + 5, "bad number");
    EXPECT_EQ(error.path(), path.string());
    EXPECT_EQ(error.line(), 777u);
    EXPECT_EQ(std::string(error.what()), path.string() + ":777: bad number");
  }
  EXPECT_TRUE(found);
}

TEST(TextInput, ErrorAtTheStartOfAChunkIsItsFirstLine) {
  ScratchDir dir;
  TextInput input(dir.write("three.txt", "a\nb\nc\n"));
  TextInput::Chunk chunk;
  ASSERT_TRUE(input.next(chunk));
  EXPECT_EQ(input.error_at(chunk, chunk.text.data(), "x").line(), 1u);
  EXPECT_EQ(input.error_at(chunk, chunk.text.data() + 2, "x").line(), 2u);  // 'b'
  EXPECT_EQ(input.error_at(chunk, chunk.text.data() + 5, "x").line(), 3u);  // the last '\n'
}

TEST(TextInput, CorruptGzipIsAFormatErrorNamingTheFile) {
  ScratchDir dir;
  const auto path = dir.write_gzip("corrupt.txt.gz", lines_of_varied_length(3000));
  std::string bytes = graphmini::testing::read_file(path);
  ASSERT_GT(bytes.size(), 200u);
  for (std::size_t i = 100; i < 140; ++i)
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  dir.write("corrupt.txt.gz", bytes);
  try {
    read_text_file(path);
    FAIL() << "corrupt gzip data was accepted";
  } catch (const FormatError& error) {
    EXPECT_TRUE(std::string(error.what()).starts_with(path.string() + ": corrupt gzip data"))
        << error.what();
  }
}

TEST(TextInput, TruncatedGzipIsAFormatErrorNotAShorterFile) {
  ScratchDir dir;
  const auto path = dir.write_gzip("truncated.txt.gz", lines_of_varied_length(3000));
  const std::string bytes = graphmini::testing::read_file(path);
  dir.write("truncated.txt.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(read_text_file(path), FormatError);
  // Losing only the trailer (checksum and length) is also caught.
  dir.write("truncated.txt.gz", bytes.substr(0, bytes.size() - 4));
  EXPECT_THROW(read_text_file(path), FormatError);
}

// Input without newlines (/dev/zero, a binary file, a bomb of zeros) would otherwise grow the
// buffer until memory runs out.
TEST(TextInput, LineLongerThanTheLimitIsAParseErrorAfterBoundedReading) {
  ScratchDir dir;
  const auto path =
      dir.write("one-line.txt", "1 2\n" + std::string(TextInput::kMaxLineBytes + 1, 'x'));
  expect_parse_error([&] { read_text_file(path); }, path, 2, {"line is longer than 16 MiB"});
  if (std::filesystem::exists("/dev/zero")) {
    expect_parse_error([] { read_text_file("/dev/zero"); }, "/dev/zero", 1,
                       {"line is longer than 16 MiB (no newline)"});
  }
  // A line of just under the limit is fine, whatever the chunk size.
  const auto fits = dir.write("long.txt", std::string(TextInput::kMaxLineBytes - 1, 'y') + "\n");
  EXPECT_EQ(read_text_file(fits).size(), TextInput::kMaxLineBytes);
}

TEST(ReadTextFile, StopsAtItsLimit) {
  ScratchDir dir;
  const auto path = dir.write("a.txt", "1\n2\n3\n");
  EXPECT_EQ(read_text_file(path, 6), "1\n2\n3\n");
  EXPECT_THROW(read_text_file(path, 5), FormatError);
}

TEST(TextInput, MissingFileIsAnIoErrorNamingIt) {
  ScratchDir dir;
  const auto path = dir / "absent.txt";
  try {
    TextInput input(path);
    FAIL() << "opening a missing file succeeded";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
}

TEST(TextInput, FolderIsAnIoError) {
  ScratchDir dir;
  EXPECT_THROW(TextInput input(dir.path()), IoError);
}

TEST(ReadTextFile, ReadsPlainAndGzipAlike) {
  ScratchDir dir;
  const std::string text = lines_of_varied_length(100);
  EXPECT_EQ(read_text_file(dir.write("a.txt", text)), text);
  EXPECT_EQ(read_text_file(dir.write_gzip("a.txt.gz", text)), text);
}

// split_lines ----------------------------------------------------------------------------

std::string join(const std::vector<std::string_view>& pieces) {
  std::string text;
  for (const auto piece : pieces)
    text += piece;
  return text;
}

TEST(SplitLines, PiecesEndOnLineBoundariesAndCoverTheText) {
  const std::string text = lines_of_varied_length(1000);
  for (const std::size_t wanted : {1u, 2u, 7u, 64u, 1000u}) {
    const auto pieces = split_lines(text, wanted);
    EXPECT_EQ(join(pieces), text) << wanted << " pieces";
    for (const auto piece : pieces) {
      EXPECT_FALSE(piece.empty());
      EXPECT_EQ(piece.back(), '\n') << wanted << " pieces";
    }
    // Every piece but the last is at least text.size() / wanted long and at most one line
    // (here under 210 bytes) longer, so the count is close to what was asked for.
    EXPECT_LE(pieces.size(), wanted + 1) << wanted << " pieces";
    const std::size_t longest_piece = text.size() / wanted + 210;
    EXPECT_GE(pieces.size() * longest_piece, text.size()) << wanted << " pieces";
  }
}

TEST(SplitLines, OnePiecePerLineAtMost) {
  // a\nbb\nccc\n asked for 100 pieces gives one per line.
  const auto pieces = split_lines("a\nbb\nccc\n", 100);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], "a\n");
  EXPECT_EQ(pieces[1], "bb\n");
  EXPECT_EQ(pieces[2], "ccc\n");
}

TEST(SplitLines, LastLineWithoutNewlineStaysInTheLastPiece) {
  const auto pieces = split_lines("1 2\n3 4\n5 6", 3);
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(join(pieces), "1 2\n3 4\n5 6");
  EXPECT_TRUE(pieces.back().ends_with("5 6"));
}

TEST(SplitLines, TextWithoutNewlineIsOnePiece) {
  const auto pieces = split_lines("no newline at all", 4);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], "no newline at all");
}

TEST(SplitLines, EmptyTextHasNoPieces) {
  EXPECT_TRUE(split_lines("", 4).empty());
  EXPECT_EQ(join(split_lines("x\n", 0)), "x\n");  // zero pieces is read as one
}

}  // namespace
}  // namespace graphmini::datasets
