// The header (banner, comments, size line) is read line by line; the entries, which are
// nearly the whole file, are parsed in parallel pieces like the SNAP reader's, each piece
// into its own edge buffer, appended in file order. Entry counts are only known per piece, so
// "more entries than declared" is located by scanning the one piece where the count crosses.
#include "datasets/matrix_market.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/text_input.h"
#include "datasets/text_parsing.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{16} << 20;
constexpr std::size_t kEntryPieceBytes = std::size_t{256} << 10;

enum class Field { pattern, real, integer };

struct Header {
  Field field = Field::pattern;
  std::uint64_t size = 0;     // rows == columns
  std::uint64_t entries = 0;  // declared
};

struct EntryPiece {
  std::vector<std::uint64_t> endpoints;  // two 1-based indices per entry
  const char* error_position = nullptr;
  std::string error;
};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);  // ASCII letters only, as in the banner
         });
}

bool is_digit_run(std::string_view word) {
  return !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_comment_or_blank(Cursor cursor) {
  return !skip_blanks(cursor) || cursor.peek() == '\n' || cursor.peek() == '%';
}

// Reads one entry line at `cursor` (which is not blank or a comment). Returns the error
// message, or an empty string after storing the entry's row and column in `indices`.
std::string parse_entry(Cursor& cursor, const Header& header, std::uint64_t (&indices)[2]) {
  for (std::uint64_t& index_out : indices) {
    skip_blanks(cursor);
    const char* const start = cursor.at;
    const auto index = scan_unsigned(cursor);
    Cursor word_cursor{start, cursor.end};
    const std::string_view word = scan_word(word_cursor);
    if (start == cursor.end || *start == '\n') return "expected two indices, found end of line";
    const bool number = index ? word_cursor.at == cursor.at : is_digit_run(word);
    if (!number) return "expected an index (a positive integer), found " + quote(word);
    if (!index || *index == 0 || *index > header.size) {
      return "index " + std::string(word) + " is out of range 1.." + std::to_string(header.size);
    }
    index_out = *index;
  }
  if (header.field == Field::pattern) {
    if (!at_line_end(cursor)) {
      Cursor word_cursor = cursor;
      return "unexpected token " + quote(scan_word(word_cursor)) +
             " after the two indices of a pattern matrix entry";
    }
  } else {
    if (at_line_end(cursor)) return "expected a value after the two indices, found end of line";
    Cursor word_cursor = cursor;
    const std::string_view word = scan_word(word_cursor);
    // The value is checked, not kept. from_chars takes no plus sign, so skip one.
    const char* const begin = word.data() + (!word.empty() && word.front() == '+');
    const char* const end = word.data() + word.size();
    bool valid = false;
    if (header.field == Field::integer) {
      std::int64_t value = 0;
      const auto [p, error] = std::from_chars(begin, end, value);
      valid = error == std::errc() && p == end;
    } else {
      double value = 0;
      const auto [p, error] = std::from_chars(begin, end, value);
      valid = error == std::errc() && p == end;
    }
    if (!valid) {
      return std::string("expected ") +
             (header.field == Field::integer ? "an integer" : "a real number") + " value, found " +
             quote(word);
    }
    cursor.at = word_cursor.at;
    if (!at_line_end(cursor)) {
      Cursor extra = cursor;
      return "unexpected token " + quote(scan_word(extra)) + " after the entry's value";
    }
  }
  take_line(cursor);
  return {};
}

void parse_piece(std::string_view text, const Header& header, EntryPiece& piece) {
  piece.endpoints.clear();
  piece.error_position = nullptr;
  Cursor cursor{text.data(), text.data() + text.size()};
  while (!cursor.done()) {
    if (is_comment_or_blank(cursor)) {
      take_line(cursor);
      continue;
    }
    const char* const line = cursor.at;
    std::uint64_t indices[2];
    std::string error = parse_entry(cursor, header, indices);
    if (!error.empty()) {
      piece.error_position = line;
      piece.error = std::move(error);
      return;
    }
    piece.endpoints.push_back(indices[0]);
    piece.endpoints.push_back(indices[1]);
  }
}

// The start of the `k`-th entry line (0-based) of a text known to hold more than k entries.
const char* find_entry(std::string_view text, std::uint64_t k) {
  Cursor cursor{text.data(), text.data() + text.size()};
  while (true) {
    if (!is_comment_or_blank(cursor) && k-- == 0) return cursor.at;
    take_line(cursor);
  }
}

// Reads the banner, the comments and the size line from the front of each chunk until the
// size line has been read; the header may straddle chunks.
class HeaderReader {
 public:
  explicit HeaderReader(const TextInput& input) : input_(input) {}

  bool done() const { return stage_ == Stage::entries; }
  const Header& header() const { return header_; }

  void read(const TextInput::Chunk& chunk, Cursor& cursor) {
    while (!done() && !cursor.done()) {
      const char* const line_start = cursor.at;
      const std::string_view line = take_line(cursor);
      if (stage_ == Stage::banner) {
        read_banner(chunk, line_start, line);
        stage_ = Stage::size;
      } else if (!is_comment_or_blank(Cursor{line.data(), line.data() + line.size()})) {
        read_size(chunk, line_start, line);
        stage_ = Stage::entries;
      }
    }
  }

 private:
  enum class Stage { banner, size, entries };

  void read_banner(const TextInput::Chunk& chunk, const char* at, std::string_view line) {
    Cursor cursor{line.data(), line.data() + line.size()};
    std::string_view words[5];
    for (auto& word : words) {
      skip_blanks(cursor);
      word = scan_word(cursor);
    }
    if (words[0] != "%%MatrixMarket") {
      throw input_.error_at(chunk, at,
                            "expected the banner '%%MatrixMarket matrix coordinate <field> "
                            "<symmetry>', found " +
                                quote(line.substr(0, 60)));
    }
    if (!equals_ignoring_case(words[1], "matrix")) {
      throw input_.error_at(chunk, at,
                            "unsupported object " + quote(words[1]) + "; expected 'matrix'");
    }
    if (!equals_ignoring_case(words[2], "coordinate")) {
      throw input_.error_at(chunk, at,
                            "unsupported format " + quote(words[2]) +
                                "; only 'coordinate' matrices can be read as graphs");
    }
    if (equals_ignoring_case(words[3], "pattern")) {
      header_.field = Field::pattern;
    } else if (equals_ignoring_case(words[3], "real")) {
      header_.field = Field::real;
    } else if (equals_ignoring_case(words[3], "integer")) {
      header_.field = Field::integer;
    } else {
      throw input_.error_at(
          chunk, at,
          "unsupported field " + quote(words[3]) + "; expected 'pattern', 'real' or 'integer'");
    }
    if (!equals_ignoring_case(words[4], "general") &&
        !equals_ignoring_case(words[4], "symmetric")) {
      throw input_.error_at(
          chunk, at,
          "unsupported symmetry " + quote(words[4]) + "; expected 'general' or 'symmetric'");
    }
    if (!at_line_end(cursor)) {
      Cursor extra = cursor;
      throw input_.error_at(chunk, at,
                            "unexpected token " + quote(scan_word(extra)) + " in the banner");
    }
  }

  void read_size(const TextInput::Chunk& chunk, const char* at, std::string_view line) {
    Cursor cursor{line.data(), line.data() + line.size()};
    std::uint64_t numbers[3] = {0, 0, 0};
    for (std::uint64_t& number : numbers) {
      skip_blanks(cursor);
      const auto value = scan_unsigned(cursor);
      if (!value || !(cursor.done() || is_blank(cursor.peek()))) {
        throw input_.error_at(
            chunk, at,
            "expected the size line 'rows columns entries', found " + quote(line.substr(0, 60)));
      }
      number = *value;
    }
    if (!at_line_end(cursor)) {
      throw input_.error_at(
          chunk, at,
          "expected the size line 'rows columns entries', found " + quote(line.substr(0, 60)));
    }
    if (numbers[0] != numbers[1]) {
      throw input_.error_at(chunk, at,
                            "matrix is " + std::to_string(numbers[0]) + " x " +
                                std::to_string(numbers[1]) +
                                "; only square matrices can be read as graphs");
    }
    if (numbers[0] > kMaxVertices) {
      throw input_.error_at(chunk, at,
                            "matrix has " + std::to_string(numbers[0]) + " rows; at most " +
                                std::to_string(kMaxVertices) + " vertices are supported");
    }
    header_.size = numbers[0];
    header_.entries = numbers[2];
  }

  const TextInput& input_;
  Stage stage_ = Stage::banner;
  Header header_;
};

}  // namespace

Graph read_matrix_market_graph(const std::filesystem::path& path) {
  TextInput input(path, kChunkBytes);
  return read_matrix_market_graph(input);
}

Graph read_matrix_market_graph(TextInput& input) {
  HeaderReader header_reader(input);
  std::vector<std::uint64_t> endpoints;
  std::vector<EntryPiece> pieces;
  TextInput::Chunk chunk;
  std::uint64_t last_line = 0;  // lines seen so far, for errors found after the last chunk
  while (input.next(chunk)) {
    Cursor cursor{chunk.text.data(), chunk.text.data() + chunk.text.size()};
    header_reader.read(chunk, cursor);
    const auto newlines =
        static_cast<std::uint64_t>(std::count(chunk.text.begin(), chunk.text.end(), '\n'));
    last_line = chunk.first_line + newlines - (chunk.text.back() == '\n' ? 1 : 0);
    if (cursor.done()) continue;
    const Header& header = header_reader.header();

    const std::string_view rest(cursor.at, static_cast<std::size_t>(cursor.end - cursor.at));
    const auto texts = split_lines(rest, std::max<std::size_t>(1, rest.size() / kEntryPieceBytes));
    if (pieces.size() < texts.size()) pieces.resize(texts.size());
    tbb::parallel_for(std::size_t{0}, texts.size(),
                      [&](std::size_t i) { parse_piece(texts[i], header, pieces[i]); });
    for (std::size_t i = 0; i < texts.size(); ++i) {
      // A piece stops at its first malformed line, so an entry beyond the declared count
      // among the lines it did read comes before that line.
      const EntryPiece& piece = pieces[i];
      const std::uint64_t entries_before = endpoints.size() / 2;
      if (entries_before + piece.endpoints.size() / 2 > header.entries) {
        const char* extra = find_entry(texts[i], header.entries - entries_before);
        throw input.error_at(chunk, extra,
                             "more entries than the " + std::to_string(header.entries) +
                                 " declared in the size line");
      }
      if (piece.error_position != nullptr) {
        throw input.error_at(chunk, piece.error_position, piece.error);
      }
      endpoints.insert(endpoints.end(), piece.endpoints.begin(), piece.endpoints.end());
    }
  }
  if (!header_reader.done()) {
    throw ParseError(input.name(), std::max<std::uint64_t>(last_line, 1),
                     last_line == 0 ? "empty file; expected a '%%MatrixMarket' banner"
                                    : "file ends before the size line 'rows columns entries'");
  }
  const Header& header = header_reader.header();
  if (endpoints.size() / 2 < header.entries) {
    throw ParseError(input.name(), last_line,
                     "file ends after " + std::to_string(endpoints.size() / 2) + " of the " +
                         std::to_string(header.entries) + " entries declared in the size line");
  }
  // Numbering only the indices that occur (rather than all declared rows) keeps memory in
  // proportion to the entries, whatever the size line claims; the indices stay as the
  // original ids.
  try {
    return build_graph(compact_vertex_ids(std::move(endpoints)));
  } catch (const InvalidArgument& error) {  // too many distinct vertices: bad input, not usage
    throw FormatError(input.name(), error.what());
  }
}

}  // namespace graphmini::datasets
