#include "runtime/binary_graph.h"

#include <tbb/parallel_for.h>
#include <zlib.h>

#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/checksum.h"
#include "runtime/error.h"
#include "runtime/files.h"

namespace graphmini {
namespace {

static_assert(std::endian::native == std::endian::little,
              ".gmg files are little-endian and mapped as they are");

constexpr std::array<char, 8> kMagic = {'G', 'M', 'G', 'R', 'A', 'P', 'H', '\0'};
static_assert(std::string_view(kMagic.data(), kMagic.size()) == kBinaryGraphMagic);
constexpr std::uint64_t kAlignment = 64;

constexpr std::uint64_t kOriented = 1u << 0;
constexpr std::uint64_t kLabelled = 1u << 1;
constexpr std::uint64_t kOriginalIds = 1u << 2;
constexpr std::uint64_t kKnownFlags = kOriented | kLabelled | kOriginalIds;

struct Header {
  std::array<char, 8> magic;
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint64_t flags;
  std::uint64_t num_vertices;
  std::uint64_t num_adjacency_entries;
  std::uint64_t num_edges;
  std::uint64_t offsets_at;
  std::uint64_t adjacency_at;
  std::uint64_t labels_at;
  std::uint64_t original_ids_at;
  std::uint64_t file_bytes;
  std::uint32_t payload_crc;
  std::uint32_t header_crc;
  std::array<std::uint8_t, 32> reserved;
};
static_assert(sizeof(Header) == 128);

std::uint32_t crc_update(std::uint32_t crc, std::span<const std::byte> bytes) {
  return static_cast<std::uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::uint32_t header_crc(Header header) {
  header.header_crc = 0;
  return crc_update(0, std::as_bytes(std::span(&header, 1)));
}

std::uint64_t align_up(std::uint64_t value) {
  return (value + kAlignment - 1) / kAlignment * kAlignment;
}

// The payload: each array at an aligned position, zero padding in between.
struct Segment {
  std::uint64_t at;
  std::span<const std::byte> bytes;
};

std::vector<Segment> layout(const Graph& graph, Header& header) {
  std::vector<Segment> segments;
  std::uint64_t at = sizeof(Header);
  auto place = [&](std::span<const std::byte> bytes) {
    if (bytes.empty()) return std::uint64_t{0};
    at = align_up(at);
    segments.push_back({at, bytes});
    const std::uint64_t placed = at;
    at += bytes.size();
    return placed;
  };
  header.offsets_at = place(std::as_bytes(graph.offsets()));
  header.adjacency_at = place(std::as_bytes(graph.adjacency()));
  header.labels_at = place(std::as_bytes(graph.labels()));
  header.original_ids_at = place(std::as_bytes(graph.original_ids()));
  header.file_bytes = at;
  return segments;
}

}  // namespace

void write_binary_graph(const Graph& graph, const std::filesystem::path& path) {
  Header header{};
  header.magic = kMagic;
  header.version = kBinaryGraphVersion;
  header.header_bytes = sizeof(Header);
  header.flags = (graph.orientation() == Orientation::oriented ? kOriented : std::uint64_t{0}) |
                 (graph.has_labels() ? kLabelled : std::uint64_t{0}) |
                 (graph.has_original_ids() ? kOriginalIds : std::uint64_t{0});
  header.num_vertices = graph.num_vertices();
  header.num_adjacency_entries = graph.adjacency().size();
  header.num_edges = graph.num_edges();
  const std::vector<Segment> segments = layout(graph, header);

  static constexpr std::array<std::byte, kAlignment> kZeros{};
  auto padding = [&](std::size_t i, std::uint64_t end_of_previous) {
    return std::span(kZeros).first(segments[i].at - end_of_previous);
  };
  std::uint32_t crc = 0;
  std::uint64_t end = sizeof(Header);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    crc = crc_update(crc, padding(i, end));
    crc = crc32_combine(crc, crc32_of(segments[i].bytes), segments[i].bytes.size());
    end = segments[i].at + segments[i].bytes.size();
  }
  header.payload_crc = crc;
  header.header_crc = header_crc(header);

  OutputFile file(path);
  file.write(std::as_bytes(std::span(&header, 1)));
  end = sizeof(Header);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    file.write(padding(i, end));
    file.write(segments[i].bytes);
    end = segments[i].at + segments[i].bytes.size();
  }
  file.commit();
}

namespace {

// Bytes read from a stream, 8-byte aligned as the arrays inside need.
struct StreamedBytes {
  std::vector<std::uint64_t> words;
  std::size_t size = 0;
  std::span<const std::byte> bytes() const { return std::as_bytes(std::span(words)).first(size); }
};

// Reads exactly `count` more bytes into `into`, growing it only as data arrives (a forged
// header cannot make it allocate what the stream does not hold). False when the data ends
// first.
bool read_exactly(Input& input, StreamedBytes& into, std::uint64_t count) {
  constexpr std::size_t kStep = std::size_t{16} << 20;
  const std::uint64_t end = into.size + count;
  while (into.size < end) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kStep, end - into.size));
    into.words.resize((into.size + want + 7) / 8);
    auto* at = reinterpret_cast<char*>(into.words.data()) + into.size;
    const std::size_t got = input.read(std::span(at, want));
    if (got == 0) return false;
    into.size += got;
  }
  return true;
}

Graph graph_from_bytes(std::span<const std::byte> bytes, std::shared_ptr<const void> owner,
                       const std::string& name, Verification verification);

}  // namespace

Graph map_binary_graph(const std::filesystem::path& path, Verification verification) {
  Input input(path);
  return read_binary_graph(input, verification);
}

Graph read_binary_graph(Input& input, Verification verification) {
  const std::string& name = input.name();
  if (auto mapped = input.map()) {
    const auto bytes = mapped->bytes();
    return graph_from_bytes(bytes, std::move(mapped), name, verification);
  }
  auto streamed = std::make_shared<StreamedBytes>();
  if (!read_exactly(input, *streamed, sizeof(Header))) {
    throw FormatError(name, "truncated: " + std::to_string(streamed->size) +
                                " bytes is shorter than a .gmg header (128 bytes)");
  }
  Header header;
  std::memcpy(&header, streamed->bytes().data(), sizeof(Header));
  // Only a header that is intact says how much to read.
  if (header.magic == kMagic && header.version == kBinaryGraphVersion &&
      header.header_bytes == sizeof(Header) && header_crc(header) == header.header_crc &&
      header.file_bytes > sizeof(Header)) {
    read_exactly(input, *streamed, header.file_bytes - sizeof(Header));
    std::array<char, 1> more{};
    if (streamed->size == header.file_bytes && input.read(more) != 0) {
      throw FormatError(name, "trailing data: header says " + std::to_string(header.file_bytes) +
                                  " bytes, the input holds more");
    }
  }
  const auto bytes = streamed->bytes();
  return graph_from_bytes(bytes, std::move(streamed), name, verification);
}

namespace {

Graph graph_from_bytes(std::span<const std::byte> bytes, std::shared_ptr<const void> owner,
                       const std::string& name, Verification verification) {
  if (bytes.size() < sizeof(Header)) {
    throw FormatError(name, "truncated: " + std::to_string(bytes.size()) +
                                " bytes is shorter than a .gmg header (128 bytes)");
  }
  Header header;
  std::memcpy(&header, bytes.data(), sizeof(Header));
  if (header.magic != kMagic) throw FormatError(name, "not a graphmini .gmg graph (bad magic)");
  if (header.version != kBinaryGraphVersion) {
    throw FormatError(name, "format version " + std::to_string(header.version) +
                                " is not supported; this build reads version " +
                                std::to_string(kBinaryGraphVersion));
  }
  if (header.header_bytes != sizeof(Header) || header_crc(header) != header.header_crc) {
    throw FormatError(name, "header checksum mismatch: the file is corrupted");
  }
  if (header.file_bytes != bytes.size()) {
    throw FormatError(name, (bytes.size() < header.file_bytes ? "truncated: " : "trailing data: ") +
                                std::string("header says ") + std::to_string(header.file_bytes) +
                                " bytes, file has " + std::to_string(bytes.size()));
  }
  if ((header.flags & ~kKnownFlags) != 0 || header.num_vertices > kMaxVertices) {
    throw FormatError(name, "header holds unknown flags or too many vertices");
  }

  // Recompute where each array must lie from the counts; the header must agree.
  const std::uint64_t n = header.num_vertices;
  auto expected = [n, &header] {
    Header check{};
    std::uint64_t at = sizeof(Header);
    auto place = [&](std::uint64_t size) {
      if (size == 0) return std::uint64_t{0};
      at = align_up(at);
      const std::uint64_t placed = at;
      at += size;
      return placed;
    };
    check.offsets_at = place((n + 1) * sizeof(EdgeOffset));
    check.adjacency_at = place(header.num_adjacency_entries * sizeof(VertexId));
    check.labels_at = place(header.flags & kLabelled ? n * sizeof(Label) : 0);
    check.original_ids_at = place(header.flags & kOriginalIds ? n * sizeof(std::uint64_t) : 0);
    check.file_bytes = at;
    return check;
  }();
  if (header.num_adjacency_entries > bytes.size() || expected.offsets_at != header.offsets_at ||
      expected.adjacency_at != header.adjacency_at || expected.labels_at != header.labels_at ||
      expected.original_ids_at != header.original_ids_at ||
      expected.file_bytes != header.file_bytes) {
    throw FormatError(name,
                      "header array positions do not match its counts: the file is corrupted");
  }
  if (verification == Verification::full &&
      crc32_of(bytes.subspan(sizeof(Header))) != header.payload_crc) {
    throw FormatError(name, "payload checksum mismatch: the file is corrupted");
  }

  auto array = [&]<typename T>(std::uint64_t at, std::uint64_t count, const T*) {
    if (count == 0) return std::span<const T>{};
    return std::span<const T>(reinterpret_cast<const T*>(bytes.data() + at), count);
  };
  GraphArrays arrays{
      array(header.offsets_at, n + 1, static_cast<const EdgeOffset*>(nullptr)),
      array(header.adjacency_at, header.num_adjacency_entries,
            static_cast<const VertexId*>(nullptr)),
      array(header.labels_at, header.flags & kLabelled ? n : 0, static_cast<const Label*>(nullptr)),
      array(header.original_ids_at, header.flags & kOriginalIds ? n : 0,
            static_cast<const std::uint64_t*>(nullptr))};
  const auto orientation =
      header.flags & kOriented ? Orientation::oriented : Orientation::undirected;
  try {
    Graph graph(arrays, orientation, std::move(owner),
                verification == Verification::full ? Graph::Check::full : Graph::Check::trusted);
    if (graph.num_edges() != header.num_edges) {
      throw InvalidGraph("header says " + std::to_string(header.num_edges) +
                         " edges, arrays hold " + std::to_string(graph.num_edges()));
    }
    return graph;
  } catch (const InvalidGraph& error) {
    throw FormatError(name, std::string("invalid graph: ") + error.what());
  }
}

}  // namespace

bool is_binary_graph(std::string_view first_bytes) {
  return first_bytes.starts_with(kBinaryGraphMagic);
}

}  // namespace graphmini
