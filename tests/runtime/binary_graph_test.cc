// The .gmg binary format: round trips, the exact layout and checksums, and rejection of every
// damaged file (truncated at any length, any single bit flipped, wrong magic or version,
// headers and payloads crafted with valid checksums around bad contents) with FormatError,
// never a crash; and atomic writes that leave no temporary file behind.
#include "runtime/binary_graph.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;

using testing::as_vector;
using testing::expect_same_graph;
using testing::house;
using testing::kHouseAdjacency;
using testing::kHouseOffsets;
using testing::temporary_files;

// The house of test_support.h, with labels and original ids.
const std::vector<Label> kHouseLabels = {5, 6, 5, 6, 7};
const std::vector<std::uint64_t> kHouseOriginalIds = {10, 20, 30, 40, 0xFFFFFFFFFFFFFFFFull};

Graph labelled_house() {
  return Graph(kHouseOffsets, kHouseAdjacency, Orientation::undirected, kHouseLabels,
               kHouseOriginalIds);
}
Graph oriented_house() {
  return Graph({0, 2, 3, 5, 6, 6}, {1, 3, 2, 3, 4, 4}, Orientation::oriented);
}

// Positions of the header fields (runtime/binary_graph.cc, struct Header).
constexpr std::size_t kVersionAt = 8;
constexpr std::size_t kFlagsAt = 16;
constexpr std::size_t kNumVerticesAt = 24;
constexpr std::size_t kNumEdgesAt = 40;
constexpr std::size_t kAdjacencyAtAt = 56;
constexpr std::size_t kFileBytesAt = 80;
constexpr std::size_t kPayloadCrcAt = 88;
constexpr std::size_t kHeaderCrcAt = 92;
constexpr std::size_t kHeaderBytes = 128;

// Standard CRC-32 (the reflected 0xEDB88320 polynomial, as zlib computes it), bit by bit: an
// independent oracle for the checksums in the files.
std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

template <typename T>
T peek(const std::string& bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

template <typename T>
void poke(std::string& bytes, std::size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

// Recomputes the header checksum after the header was edited, as a careful forger would.
void reseal_header(std::string& bytes) {
  poke<std::uint32_t>(bytes, kHeaderCrcAt, 0);
  poke<std::uint32_t>(bytes, kHeaderCrcAt, crc32(std::string_view(bytes).substr(0, kHeaderBytes)));
}

// Recomputes both checksums after the payload was edited.
void reseal(std::string& bytes) {
  poke<std::uint32_t>(bytes, kPayloadCrcAt, crc32(std::string_view(bytes).substr(kHeaderBytes)));
  reseal_header(bytes);
}

// The FormatError message of mapping `bytes` ("" when the file maps).
std::string format_error(const ScratchDir& dir, const std::string& bytes,
                         Verification verification = Verification::full) {
  const auto path = dir.write("damaged.gmg", bytes);
  try {
    map_binary_graph(path, verification);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

// A copy of a file whose bytes can be changed one at a time in place. Rewriting the whole file
// for each of thousands of variants (truncate + write) costs far more than mapping it.
class PatchableFile {
 public:
  PatchableFile(const ScratchDir& dir, const std::string& bytes)
      : path_(dir.write("patched.gmg", bytes)), fd_(::open(path_.c_str(), O_WRONLY)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path_.string());
  }
  PatchableFile(const PatchableFile&) = delete;
  PatchableFile& operator=(const PatchableFile&) = delete;
  ~PatchableFile() { ::close(fd_); }

  void set(std::size_t at, char byte) {
    if (::pwrite(fd_, &byte, 1, static_cast<off_t>(at)) != 1) {
      throw std::runtime_error("cannot write " + path_.string());
    }
  }
  void truncate(std::size_t length) {
    if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) {
      throw std::runtime_error("cannot truncate " + path_.string());
    }
  }
  // The FormatError message of mapping the file as it is now ("" when it maps).
  std::string format_error(Verification verification) const {
    try {
      map_binary_graph(path_, verification);
    } catch (const FormatError& error) {
      return error.what();
    }
    return "";
  }

 private:
  std::filesystem::path path_;
  int fd_;
};

// --- Round trips and layout -------------------------------------------------------------------

struct RoundTripCase {
  const char* name;
  Graph (*make)();
};

class BinaryGraphRoundTrip
    : public ::testing::TestWithParam<std::tuple<RoundTripCase, Verification>> {};

TEST_P(BinaryGraphRoundTrip, MapsBackTheSameArrays) {
  const auto& [graph_case, verification] = GetParam();
  const ScratchDir dir;
  const Graph graph = graph_case.make();
  write_binary_graph(graph, dir / "graph.gmg");
  const Graph mapped = map_binary_graph(dir / "graph.gmg", verification);
  expect_same_graph(mapped, graph);
  EXPECT_EQ(mapped.memory_bytes(), graph.memory_bytes());
  EXPECT_NO_THROW(mapped.validate());
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, BinaryGraphRoundTrip,
    ::testing::Combine(
        ::testing::Values(RoundTripCase{"undirected", [] { return house(); }},
                          RoundTripCase{"oriented", oriented_house},
                          RoundTripCase{"labelled_with_original_ids", labelled_house},
                          RoundTripCase{"labelled_only",
                                        [] {
                                          return Graph(kHouseOffsets, kHouseAdjacency,
                                                       Orientation::undirected, kHouseLabels);
                                        }},
                          RoundTripCase{"original_ids_only",
                                        [] {
                                          return Graph(kHouseOffsets, kHouseAdjacency,
                                                       Orientation::undirected, {},
                                                       kHouseOriginalIds);
                                        }},
                          RoundTripCase{"no_vertices",
                                        [] { return Graph({0}, {}, Orientation::undirected); }},
                          RoundTripCase{"vertices_without_edges",
                                        [] {
                                          return Graph({0, 0, 0, 0}, {}, Orientation::undirected);
                                        }}),
        ::testing::Values(Verification::full, Verification::header)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) +
             (std::get<1>(info.param) == Verification::full ? "_full" : "_header");
    });

TEST(BinaryGraph, LayoutIsTheDocumentedOne) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the oracle is the standard CRC-32
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  // Header 128; offsets 6 x 8 at 128; adjacency 12 x 4 at 192; labels 5 x 4 at 256; original
  // ids 5 x 8 at 320; each array on a 64-byte boundary; no padding at the end.
  ASSERT_EQ(bytes.size(), 360u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("GMGRAPH\0", 8));
  EXPECT_EQ(peek<std::uint32_t>(bytes, kVersionAt), kBinaryGraphVersion);
  EXPECT_EQ(peek<std::uint32_t>(bytes, 12), kHeaderBytes);
  EXPECT_EQ(peek<std::uint64_t>(bytes, kFlagsAt), 0b110u);  // labelled, original ids
  EXPECT_EQ(peek<std::uint64_t>(bytes, kNumVerticesAt), 5u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, 32), 12u);  // adjacency entries
  EXPECT_EQ(peek<std::uint64_t>(bytes, kNumEdgesAt), 6u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, 48), 128u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, kAdjacencyAtAt), 192u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, 64), 256u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, 72), 320u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, kFileBytesAt), 360u);
  EXPECT_EQ(peek<EdgeOffset>(bytes, 128 + 3 * 8), 7u);
  EXPECT_EQ(peek<VertexId>(bytes, 192 + 6 * 4), 4u);
  EXPECT_EQ(peek<Label>(bytes, 256 + 4 * 4), 7u);
  EXPECT_EQ(peek<std::uint64_t>(bytes, 320 + 4 * 8), 0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(peek<std::uint32_t>(bytes, kPayloadCrcAt),
            crc32(std::string_view(bytes).substr(kHeaderBytes)));
  std::string header = bytes.substr(0, kHeaderBytes);
  poke<std::uint32_t>(header, kHeaderCrcAt, 0);
  EXPECT_EQ(peek<std::uint32_t>(bytes, kHeaderCrcAt), crc32(header));
}

TEST(BinaryGraph, OrientedFlagIsBitZero) {
  const ScratchDir dir;
  write_binary_graph(oriented_house(), dir / "g.gmg");
  EXPECT_EQ(peek<std::uint64_t>(testing::read_file(dir / "g.gmg"), kFlagsAt), 1u);
}

TEST(BinaryGraph, IsBinaryGraphLooksAtTheMagic) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "house.gmg");
  EXPECT_TRUE(is_binary_graph(testing::read_file(dir / "house.gmg")));
  EXPECT_FALSE(is_binary_graph("0 1\n1 2\n"));
  EXPECT_FALSE(is_binary_graph("GMGR"));
  EXPECT_FALSE(is_binary_graph(""));
}

// Pipes, FIFOs and standard input cannot be mapped: the graph is read into memory, and is the
// same graph.
TEST(BinaryGraph, StreamedInputReadsTheSameGraphAsTheMappedFile) {
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  {
    const testing::FifoFeeder fifo(dir / "fifo", bytes);
    expect_same_graph(map_binary_graph(dir / "fifo"), labelled_house());
  }
  const testing::PipeFeeder pipe(bytes);
  expect_same_graph(map_binary_graph(pipe.path()), labelled_house());
  const auto gzipped = dir.write("house.gmg.gz", testing::gzip(bytes));
  expect_same_graph(map_binary_graph(gzipped), labelled_house());
}

TEST(BinaryGraph, StreamedInputThatIsShortOrLongIsAFormatError) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  for (const std::string& damaged :
       {bytes.substr(0, 100), bytes.substr(0, bytes.size() - 8), bytes + "extra", std::string()}) {
    const testing::PipeFeeder pipe(damaged);
    EXPECT_THROW(map_binary_graph(pipe.path()), FormatError) << damaged.size() << " bytes";
  }
}

// --- Damaged files ------------------------------------------------------------------------------

TEST(BinaryGraphDamage, EveryTruncationIsAFormatError) {
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  EXPECT_NE(format_error(dir, bytes + '\0')
                .find("trailing data: header says 360 bytes, file "
                      "has 361"),
            std::string::npos);
  PatchableFile file(dir, bytes);
  for (std::size_t length = bytes.size(); length-- > 0;) {
    file.truncate(length);
    for (const Verification verification : {Verification::full, Verification::header}) {
      const std::string message = file.format_error(verification);
      ASSERT_NE(message.find("truncated"), std::string::npos)
          << "length " << length << ": " << (message.empty() ? "mapped" : message);
    }
  }
}

TEST(BinaryGraphDamage, EverySingleBitFlipIsDetectedByFullVerification) {
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  PatchableFile file(dir, bytes);
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      file.set(at, static_cast<char>(bytes[at] ^ (1 << bit)));
      ASSERT_NE(file.format_error(Verification::full), "") << "byte " << at << " bit " << bit;
    }
    file.set(at, bytes[at]);
  }
  EXPECT_EQ(file.format_error(Verification::full), "");  // restored: maps again
}

TEST(BinaryGraphDamage, EveryHeaderBitFlipIsDetectedEvenByHeaderVerification) {
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  PatchableFile file(dir, bytes);
  for (std::size_t at = 0; at < kHeaderBytes; ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      file.set(at, static_cast<char>(bytes[at] ^ (1 << bit)));
      ASSERT_NE(file.format_error(Verification::header), "") << "byte " << at << " bit " << bit;
    }
    file.set(at, bytes[at]);
  }
}

TEST(BinaryGraphDamage, PayloadChecksumMismatchIsNamed) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "house.gmg");
  std::string bytes = testing::read_file(dir / "house.gmg");
  bytes[192] ^= 1;  // the first adjacency entry
  EXPECT_EQ(format_error(dir, bytes),
            (dir / "damaged.gmg").string() + ": payload checksum mismatch: the file is corrupted");
}

TEST(BinaryGraphDamage, WrongMagicIsNotAGraph) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "house.gmg");
  std::string bytes = testing::read_file(dir / "house.gmg");
  bytes[0] = 'X';
  EXPECT_EQ(format_error(dir, bytes),
            (dir / "damaged.gmg").string() + ": not a graphmini .gmg graph (bad magic)");
}

TEST(BinaryGraphDamage, WrongVersionIsNamedEvenThoughTheChecksumNoLongerMatches) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "house.gmg");
  std::string bytes = testing::read_file(dir / "house.gmg");
  poke<std::uint32_t>(bytes, kVersionAt, 2);
  for (const Verification verification : {Verification::full, Verification::header}) {
    EXPECT_EQ(format_error(dir, bytes, verification),
              (dir / "damaged.gmg").string() +
                  ": format version 2 is not supported; this build reads version 1");
  }
}

// Headers with a valid checksum around impossible contents: the structural checks, not the
// checksum, must catch them, and nothing may be read outside the file.
TEST(BinaryGraphDamage, ForgedHeadersAreRejected) {
  const ScratchDir dir;
  write_binary_graph(labelled_house(), dir / "house.gmg");
  const std::string bytes = testing::read_file(dir / "house.gmg");
  const auto forged = [&](std::size_t at, std::uint64_t value) {
    std::string copy = bytes;
    poke<std::uint64_t>(copy, at, value);
    reseal_header(copy);
    return copy;
  };
  const std::string positions = "header array positions do not match its counts";
  for (const Verification verification : {Verification::full, Verification::header}) {
    SCOPED_TRACE(verification == Verification::full ? "full" : "header");
    EXPECT_NE(format_error(dir, forged(kNumVerticesAt, 6), verification).find(positions),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(32, 1ull << 62), verification).find(positions),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(kAdjacencyAtAt, 196), verification).find(positions),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(kFlagsAt, 0b1110), verification)
                  .find("header holds unknown flags or too many vertices"),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(kNumVerticesAt, 1ull << 40), verification)
                  .find("header holds unknown flags or too many vertices"),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(kFileBytesAt, 1ull << 40), verification)
                  .find("truncated: header says 1099511627776 bytes, file has 360"),
              std::string::npos);
    EXPECT_NE(format_error(dir, forged(kNumEdgesAt, 7), verification)
                  .find("invalid graph: header says 7 edges, arrays hold 6"),
              std::string::npos);
  }
}

// A payload whose checksum is right but whose arrays break the graph invariants.
TEST(BinaryGraphDamage, StructurallyInvalidArraysWithAValidChecksumAreRejected) {
  const ScratchDir dir;
  // Written from a graph constructed as trusted: the writer checksums what it is given.
  const Graph one_way({0, 1, 1}, {1}, Orientation::undirected, {}, {}, Graph::Check::trusted);
  write_binary_graph(one_way, dir / "one_way.gmg");
  try {
    map_binary_graph(dir / "one_way.gmg");
    FAIL() << "an edge stored in one direction was accepted";
  } catch (const FormatError& error) {
    EXPECT_EQ(std::string(error.what()),
              (dir / "one_way.gmg").string() +
                  ": invalid graph: edge 0-1 is stored in one direction only in an undirected "
                  "graph (0 lists 1, 1 does not list 0)");
  }

  // Patched in the file and resealed: the list of 2 in the house becomes 1 4 3.
  write_binary_graph(house(), dir / "house.gmg");
  std::string bytes = testing::read_file(dir / "house.gmg");
  poke<VertexId>(bytes, 192 + 5 * 4, 4);
  poke<VertexId>(bytes, 192 + 6 * 4, 3);
  reseal(bytes);
  EXPECT_EQ(format_error(dir, bytes),
            (dir / "damaged.gmg").string() +
                ": invalid graph: neighbour list of vertex 2 is not sorted: 4 comes before 3");

  // An out-of-range id, resealed.
  poke<VertexId>(bytes, 192 + 5 * 4, 3);
  poke<VertexId>(bytes, 192 + 6 * 4, 99);
  reseal(bytes);
  EXPECT_EQ(format_error(dir, bytes),
            (dir / "damaged.gmg").string() +
                ": invalid graph: neighbour list of vertex 2 holds out-of-range id 99 (the graph "
                "has 5 vertices)");
}

TEST(BinaryGraphDamage, MissingFileIsAnIoError) {
  const ScratchDir dir;
  try {
    map_binary_graph(dir / "missing.gmg");
    FAIL() << "a missing file mapped";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find((dir / "missing.gmg").string()), std::string::npos);
  }
}

// --- Atomic writes ------------------------------------------------------------------------------

TEST(BinaryGraphWrite, IntoAMissingFolderThrowsIoErrorAndLeavesNothing) {
  const ScratchDir dir;
  const auto path = dir / "no_such_folder" / "graph.gmg";
  try {
    write_binary_graph(house(), path);
    FAIL() << "wrote into a missing folder";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "no_such_folder"));
  EXPECT_EQ(testing::count_files(dir.path()), 0u);
}

TEST(BinaryGraphWrite, LeavesNoTemporaryFileAfterSuccess) {
  const ScratchDir dir;
  write_binary_graph(house(), dir / "graph.gmg");
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
  EXPECT_TRUE(temporary_files(dir.path()).empty());
}

TEST(BinaryGraphWrite, LeavesNoTemporaryFileAfterAFailedRename) {
  // The destination is a folder: the temporary file is written beside it, then the rename
  // fails.
  const ScratchDir dir;
  std::filesystem::create_directory(dir / "graph.gmg");
  dir.write("graph.gmg/inside", "x");
  EXPECT_THROW(write_binary_graph(house(), dir / "graph.gmg"), IoError);
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
  EXPECT_TRUE(std::filesystem::is_directory(dir / "graph.gmg"));
}

TEST(BinaryGraphWrite, OverwritesAtomically) {
  const ScratchDir dir;
  const auto path = dir / "graph.gmg";
  write_binary_graph(house(), path);
  const Graph before = map_binary_graph(path);
  write_binary_graph(labelled_house(), path);
  // The new file replaced the old one by a rename: a reader that mapped the old one still sees
  // it whole, a new reader sees the new one whole.
  expect_same_graph(before, house());
  expect_same_graph(map_binary_graph(path), labelled_house());
  EXPECT_TRUE(temporary_files(dir.path()).empty());
  EXPECT_EQ(testing::count_files(dir.path()), 1u);
}

}  // namespace
}  // namespace graphmini
