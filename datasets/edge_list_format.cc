// How the reader keeps up with memory: TextInput hands out chunks of whole lines, each chunk
// is cut into pieces on line boundaries, and the pieces are parsed in parallel into their own
// endpoint buffers, which are then appended in file order (so the result does not depend on
// the thread count). Inside a piece a fast loop takes the common line, "digits blank digits
// newline": ids of up to seven digits eight bytes at a time, longer ones digit by digit, with
// no bounds checks (every line it sees ends in a newline, which stops every scan) and no line
// count. Any other line (comments, extra blanks, errors, a last line without newline) goes to
// a general line parser. A piece stops at its first error and remembers where; only the
// earliest piece's error is turned into a line number.
#include "datasets/edge_list_format.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/text_input.h"
#include "datasets/text_parsing.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/memory.h"
#include "runtime/parallel.h"

namespace graphmini::datasets {
namespace {

// Pieces are small enough that a chunk gives every thread a few to balance, and chunks are
// no larger than that needs: a larger chunk only costs fresh memory (the chunk buffer and the
// piece buffers are touched once, then reused chunk after chunk).
constexpr std::size_t kPieceBytes = std::size_t{256} << 10;
constexpr std::size_t kPiecesPerThread = 4;
constexpr std::size_t kMinChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxChunkBytes = TextInput::kMaxLineBytes;

// Typical SNAP lines ("123456\t654321\n") take about seven bytes per endpoint; the estimate
// errs low so the endpoint array is rarely reserved much larger than it ends up.
constexpr std::size_t kTypicalBytesPerEndpoint = 6;

// An id of up to 19 decimal digits always fits in 64 bits.
constexpr std::ptrdiff_t kSafeDigits = 19;

struct Piece {
  // Room for text.size() / 2 + 2 endpoints: every endpoint takes at least a digit and a
  // blank or newline, so the fast loop never checks for space. Left uninitialised, so only
  // the part written is ever touched.
  std::unique_ptr<std::uint64_t[]> buffer;
  std::size_t capacity = 0;
  std::size_t count = 0;
  const char* error_position = nullptr;  // where the first malformed token starts
  std::string error;
};

inline bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

inline bool is_separator(char c) {
  return c == ' ' || c == '\t';
}

std::string quoted_token(const char* at, const char* end) {
  Cursor cursor{at, end};
  return quote(scan_word(cursor));
}

// Parses the line that starts at `p` whatever its shape, writing its two ids (if it is an
// edge) at `out`. Returns the start of the next line, or nullptr after recording an error.
const char* parse_line(const char* p, const char* end, std::uint64_t*& out, Piece& piece) {
  Cursor cursor{p, end};
  auto fail = [&](const char* at, std::string message) -> const char* {
    piece.error_position = at;
    piece.error = std::move(message);
    return nullptr;
  };
  auto read_id = [&](std::uint64_t& id) {
    const char* const start = cursor.at;
    const auto value = scan_unsigned(cursor);
    if (!value && is_digit(*start)) {
      fail(start, "vertex id " + quoted_token(start, end) + " does not fit in 64 bits");
      return false;
    }
    if (!value || (!cursor.done() && *cursor.at != '\n' && !is_blank(*cursor.at))) {
      fail(start, "expected a vertex id (an unsigned integer), found " + quoted_token(start, end));
      return false;
    }
    id = *value;
    return true;
  };

  if (!skip_blanks(cursor) || cursor.peek() == '\n' || cursor.peek() == '#' ||
      cursor.peek() == '%') {
    take_line(cursor);  // blank line or comment
    return cursor.at;
  }
  const char* const first = cursor.at;
  std::uint64_t source = 0;
  std::uint64_t target = 0;
  if (!read_id(source)) return nullptr;
  if (at_line_end(cursor)) {
    return fail(first, "line has one vertex id (" + quoted_token(first, end) + "); expected two");
  }
  if (!read_id(target)) return nullptr;
  if (!at_line_end(cursor)) {
    return fail(cursor.at,
                "unexpected third token " + quoted_token(cursor.at, end) + " after two vertex ids");
  }
  take_line(cursor);
  out[0] = source;
  out[1] = target;
  out += 2;
  return cursor.at;
}

// Parses a line of the common shape, "digits blanks digits [CR] newline", into out[0] and
// out[1]. Returns the start of the next line, or nullptr for a line of any other shape (which
// the general parser then reads or rejects). The caller guarantees that the line ends in a
// newline, which stops every scan, so nothing here compares against the end of the text.
inline const char* parse_common_line(const char* p, std::uint64_t* out) {
  const char* q = p;
  if (!is_digit(*q)) return nullptr;
  std::uint64_t source = static_cast<std::uint64_t>(*q++ - '0');
  while (is_digit(*q))
    source = source * 10 + static_cast<std::uint64_t>(*q++ - '0');
  if (q - p > kSafeDigits || !is_separator(*q)) return nullptr;
  ++q;
  while (is_separator(*q))
    ++q;
  const char* const target_start = q;
  if (!is_digit(*q)) return nullptr;
  std::uint64_t target = static_cast<std::uint64_t>(*q++ - '0');
  while (is_digit(*q))
    target = target * 10 + static_cast<std::uint64_t>(*q++ - '0');
  if (q - target_start > kSafeDigits) return nullptr;
  if (*q == '\r') ++q;
  if (*q != '\n') return nullptr;
  out[0] = source;
  out[1] = target;
  return q + 1;
}

// The same line shape with ids of 1 to 7 digits (nearly every SNAP id), eight bytes at a
// time: the digits of an id are counted and converted without a branch per digit, so the
// varying id lengths cost no mispredicted loop exits. Reads the kWordLineSpan bytes from
// `p`. Returns nullptr where parse_common_line must decide.
constexpr std::ptrdiff_t kWordLineSpan = 16;
constexpr bool kParseByWords = std::endian::native == std::endian::little;

inline std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;  // little-endian: the first character is the lowest byte
}

// How many of the word's first bytes are decimal digits (8 if all are).
inline int leading_digits(std::uint64_t word) {
  // A byte is a digit exactly when its high nibble is 3 and adding 6 keeps it so.
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ull;
  const std::uint64_t nibbles = (word & kHigh) | (((word + 0x0606060606060606ull) & kHigh) >> 4);
  const std::uint64_t not_digit = nibbles ^ 0x3333333333333333ull;
  return not_digit == 0 ? 8 : std::countr_zero(not_digit) / 8;
}

// The value of the first `digits` (1..7) characters of `word`, all decimal digits.
inline std::uint64_t word_value(std::uint64_t word, int digits) {
  // Move the digits to the top bytes, so that the bytes below read as leading zeros, then
  // combine pairs, quads and the two halves (Lemire's eight-digit conversion).
  std::uint64_t value = (word - 0x3030303030303030ull) << (8 * (8 - digits));
  value = value * 10 + (value >> 8);
  constexpr std::uint64_t kMask = 0x000000FF000000FFull;
  value = ((value & kMask) * (100 + (1000000ull << 32)) +
           ((value >> 16) & kMask) * (1 + (10000ull << 32))) >>
          32;
  return value;
}

inline const char* parse_common_line_by_words(const char* p, std::uint64_t* out) {
  const std::uint64_t source_word = load_word(p);
  const int source_digits = leading_digits(source_word);
  if (source_digits == 0 || source_digits == 8 || !is_separator(p[source_digits])) return nullptr;
  const char* const target = p + source_digits + 1;
  const std::uint64_t target_word = load_word(target);
  const int target_digits = leading_digits(target_word);
  if (target_digits == 0 || target_digits == 8) return nullptr;
  const char* q = target + target_digits;
  if (*q == '\r') ++q;
  if (*q != '\n') return nullptr;
  out[0] = word_value(source_word, source_digits);
  out[1] = word_value(target_word, target_digits);
  return q + 1;
}

void parse_piece(std::string_view text, Piece& piece) {
  const std::size_t needed = text.size() / 2 + 2;
  if (piece.capacity < needed) {
    piece.buffer = std::make_unique_for_overwrite<std::uint64_t[]>(needed);
    piece.capacity = needed;
  }
  piece.error_position = nullptr;
  std::uint64_t* out = piece.buffer.get();

  const char* p = text.data();
  const char* const end = p + text.size();
  // Every line before `lines_end` ends in a newline inside the piece.
  const void* last_newline = memrchr(p, '\n', text.size());
  const char* const lines_end =
      last_newline == nullptr ? p : static_cast<const char*>(last_newline) + 1;

  while (p != lines_end) {
    const char* next = kParseByWords && lines_end - p >= kWordLineSpan
                           ? parse_common_line_by_words(p, out)
                           : nullptr;
    if (next == nullptr) next = parse_common_line(p, out);
    if (next != nullptr) {
      out += 2;
      p = next;
    } else {
      p = parse_line(p, end, out, piece);
      if (p == nullptr) break;
    }
  }
  while (p != nullptr && p != end)  // a last line without newline
    p = parse_line(p, end, out, piece);
  piece.count = static_cast<std::size_t>(out - piece.buffer.get());
}

std::size_t chunk_bytes() {
  return std::clamp(worker_threads() * kPiecesPerThread * kPieceBytes, kMinChunkBytes,
                    kMaxChunkBytes);
}

void append_id(std::string& out, std::uint64_t id) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, id);
  out.append(digits, result.ptr);
}

constexpr std::size_t kWriteBatch = std::size_t{1} << 20;

}  // namespace

EdgeList read_edge_list(TextInput& input, std::size_t expected_endpoints);

EdgeList read_edge_list(const std::filesystem::path& path) {
  TextInput input(path, chunk_bytes());
  // Sized from the file so that the array is not regrown (and copied) as it fills; for gzip
  // input this undershoots and the array grows as usual. Reserving touches no memory.
  std::error_code size_unknown;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, size_unknown);
  return read_edge_list(input, size_unknown ? 0 : file_bytes / kTypicalBytesPerEndpoint);
}

EdgeList read_edge_list(TextInput& input) {
  return read_edge_list(input, 0);
}

// Reads the edge list, reserving room for `expected_endpoints` (an estimate from the size of
// the file, 0 when unknown) up front.
EdgeList read_edge_list(TextInput& input, std::size_t expected_endpoints) {
  std::vector<std::uint64_t> endpoints;
  endpoints.reserve(expected_endpoints);

  std::vector<Piece> pieces;
  std::vector<std::size_t> starts;
  TextInput::Chunk chunk;
  while (input.next(chunk)) {
    const std::vector<std::string_view> texts =
        split_lines(chunk.text, std::max<std::size_t>(1, chunk.text.size() / kPieceBytes));
    if (pieces.size() < texts.size()) pieces.resize(texts.size());
    tbb::parallel_for(std::size_t{0}, texts.size(),
                      [&](std::size_t i) { parse_piece(texts[i], pieces[i]); });

    starts.assign(1, endpoints.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (pieces[i].error_position != nullptr) {
        throw input.error_at(chunk, pieces[i].error_position, pieces[i].error);
      }
      starts.push_back(starts.back() + pieces[i].count);
    }
    if (starts.back() > endpoints.capacity()) {
      // An endless stream (`yes 1 2 | graphmini ...`) stops here with an error once the
      // endpoints, and their copy while the graph is built, would not fit the machine.
      const std::size_t capacity = std::max(starts.back(), 2 * endpoints.capacity());
      require_memory(2 * capacity * sizeof(std::uint64_t), "the edge list of " + input.name());
      endpoints.reserve(capacity);
    }
    endpoints.resize(starts.back());
    tbb::parallel_for(std::size_t{0}, texts.size(), [&](std::size_t i) {
      std::copy_n(pieces[i].buffer.get(), pieces[i].count, endpoints.data() + starts[i]);
    });
  }
  pieces.clear();  // release the piece buffers before the ids are compacted
  try {
    return compact_vertex_ids(std::move(endpoints));
  } catch (const InvalidArgument& error) {  // too many distinct vertices: bad input, not usage
    throw FormatError(input.name(), error.what());
  }
}

Graph read_edge_list_graph(const std::filesystem::path& path) {
  return build_graph(read_edge_list(path));
}

Graph read_edge_list_graph(TextInput& input) {
  return build_graph(read_edge_list(input));
}

void write_edge_list(const Graph& graph, const std::filesystem::path& path) {
  OutputFile file(path);
  const bool oriented = graph.orientation() == Orientation::oriented;
  std::string text;
  text.reserve(kWriteBatch + 64);
  text += oriented ? "# graphmini edge list: oriented graph, each arc once\n"
                   : "# graphmini edge list: undirected graph, each edge once\n";
  text += "# Nodes: " + std::to_string(graph.num_vertices()) +
          " Edges: " + std::to_string(graph.num_edges()) + "\n";
  for (const VertexId v : graph.vertices()) {
    for (const VertexId w : graph.neighbours(v)) {
      if (!oriented && w < v) continue;  // the other copy of an undirected edge
      append_id(text, graph.original_id(v));
      text += '\t';
      append_id(text, graph.original_id(w));
      text += '\n';
    }
    if (text.size() >= kWriteBatch) {
      file.write(text);
      text.clear();
    }
  }
  file.write(text);
  file.commit();
}

}  // namespace graphmini::datasets
