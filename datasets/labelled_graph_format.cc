// Vertex lines may come after the edges that use them, so endpoints are only checked once the
// whole file is read. To keep no line number per edge, the line of an edge that names an
// undeclared vertex is found by reading the file a second time, on that error path only.
#include "datasets/labelled_graph_format.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/text_input.h"
#include "datasets/text_parsing.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "runtime/parallel.h"

namespace graphmini::datasets {
namespace {

struct Vertex {
  std::uint64_t id;
  Label label;
  std::uint64_t line;  // for "declared twice" errors
};

// Reads the lines of a .lg file one at a time, with their numbers.
class LineReader {
 public:
  explicit LineReader(TextInput& input) : input_(input) {}

  // The next line without its newline, or nullopt at the end of the file.
  std::optional<std::string_view> next() {
    if (cursor_.done()) {
      if (!input_.next(chunk_)) return std::nullopt;
      cursor_ = Cursor{chunk_.text.data(), chunk_.text.data() + chunk_.text.size()};
      line_ = chunk_.first_line - 1;
    }
    ++line_;
    return take_line(cursor_);
  }

  std::uint64_t line() const { return line_; }
  const std::string& name() const { return input_.name(); }

  ParseError error(const std::string& message) const {
    return ParseError(input_.name(), line_, message);
  }

 private:
  TextInput& input_;
  TextInput::Chunk chunk_;
  Cursor cursor_{nullptr, nullptr};
  std::uint64_t line_ = 0;
};

class LineParser {
 public:
  LineParser(std::string_view line, const LineReader& reader)
      : cursor_{line.data(), line.data() + line.size()}, reader_(reader) {}

  // The next blank-separated word, empty at the end of the line.
  std::string_view word() {
    skip_blanks(cursor_);
    return scan_word(cursor_);
  }

  std::uint64_t number(const char* what, std::uint64_t max) {
    const std::string_view token = word();
    if (token.empty()) throw reader_.error(std::string("expected ") + what + ", found end of line");
    Cursor digits{token.data(), token.data() + token.size()};
    const auto value = scan_unsigned(digits);
    if (!value &&
        std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw reader_.error(std::string(what) + " " + quote(token) + " is too large");
    }
    if (!value || !digits.done()) {
      throw reader_.error(std::string("expected ") + what + " (an unsigned integer), found " +
                          quote(token));
    }
    if (*value > max) {
      throw reader_.error(std::string(what) + " " + quote(token) + " is larger than " +
                          std::to_string(max));
    }
    return *value;
  }

  void expect_end(const char* after) {
    const std::string_view extra = word();
    if (!extra.empty()) {
      throw reader_.error("unexpected token " + quote(extra) + " after " + after);
    }
  }

 private:
  Cursor cursor_;
  const LineReader& reader_;
};

constexpr std::uint64_t kAnyId = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kAnyLabel = std::numeric_limits<Label>::max();

}  // namespace

Graph read_labelled_graph(const std::filesystem::path& path) {
  TextInput input(path);
  return read_labelled_graph(input);
}

Graph read_labelled_graph(TextInput& input) {
  LineReader reader(input);
  std::vector<Vertex> vertices;
  std::vector<std::uint64_t> endpoints;   // ids as in the file, two per edge
  std::vector<std::uint64_t> edge_lines;  // for errors found after reading (the input may be
                                          // a pipe, which cannot be read twice)
  std::uint64_t header_line = 0;
  bool seen_body = false;
  while (const auto line = reader.next()) {
    LineParser parser(*line, reader);
    const std::string_view kind = parser.word();
    if (kind.empty()) continue;  // blank line
    if (kind == "v") {
      const std::uint64_t id = parser.number("vertex id", kAnyId);
      const auto label = static_cast<Label>(parser.number("vertex label", kAnyLabel));
      parser.expect_end("'v <id> <label>'");
      vertices.push_back({id, label, reader.line()});
      seen_body = true;
    } else if (kind == "e") {
      endpoints.push_back(parser.number("vertex id", kAnyId));
      endpoints.push_back(parser.number("vertex id", kAnyId));
      parser.word();  // the edge label, if any, is ignored
      parser.expect_end("'e <u> <v> [label]'");
      edge_lines.push_back(reader.line());
      seen_body = true;
    } else if (kind == "t") {
      if (header_line != 0) {
        throw reader.error("a second graph header (the first is on line " +
                           std::to_string(header_line) + "); a file may hold only one graph");
      }
      if (seen_body) {
        throw reader.error(
            "graph header after vertex or edge lines; a file may hold only one graph");
      }
      if (parser.word() != "#") throw reader.error("expected a graph header 't # <number>'");
      parser.number("graph number", kAnyId);
      parser.expect_end("'t # <number>'");
      header_line = reader.line();
    } else {
      throw reader.error("unknown line type " + quote(kind) + "; expected 't', 'v' or 'e'");
    }
  }

  // Dense ids in increasing order of the file's ids, as for every other reader.
  tbb::parallel_sort(vertices.begin(), vertices.end(), [](const Vertex& a, const Vertex& b) {
    return a.id != b.id ? a.id < b.id : a.line < b.line;
  });
  const Vertex* repeated = nullptr;  // the repeated declaration that comes first in the file
  for (std::size_t i = 1; i < vertices.size(); ++i) {
    if (vertices[i].id == vertices[i - 1].id &&
        (repeated == nullptr || vertices[i].line < repeated->line)) {
      repeated = &vertices[i];
    }
  }
  if (repeated != nullptr) {
    const Vertex& first = *(repeated - 1);
    throw ParseError(reader.name(), repeated->line,
                     "vertex " + std::to_string(repeated->id) + " declared twice (first on line " +
                         std::to_string(first.line) + ")");
  }

  auto dense_id = [&](std::uint64_t id) {
    return static_cast<std::uint64_t>(
        std::lower_bound(vertices.begin(), vertices.end(), id,
                         [](const Vertex& v, std::uint64_t value) { return v.id < value; }) -
        vertices.begin());
  };
  auto declared = [&](std::uint64_t id) {
    const std::uint64_t i = dense_id(id);
    return i < vertices.size() && vertices[i].id == id;
  };
  const std::uint64_t bad =
      find_first(endpoints.size(), [&](std::uint64_t i) { return !declared(endpoints[i]); });
  if (bad < endpoints.size()) {
    throw ParseError(
        reader.name(), edge_lines[bad / 2],
        "edge names vertex " + std::to_string(endpoints[bad]) + ", which no 'v' line declares");
  }

  EdgeList list;
  list.num_vertices = vertices.size();
  list.edges.resize(endpoints.size() / 2);
  parallel_for_each_index<std::size_t>(list.edges.size(), [&](std::size_t i) {
    list.edges[i] = {static_cast<VertexId>(dense_id(endpoints[2 * i])),
                     static_cast<VertexId>(dense_id(endpoints[2 * i + 1]))};
  });
  std::vector<std::uint64_t>().swap(endpoints);
  list.labels.resize(vertices.size());
  for (std::size_t i = 0; i < vertices.size(); ++i)
    list.labels[i] = vertices[i].label;
  const bool identity = vertices.empty() || vertices.back().id + 1 == vertices.size();
  if (!identity) {
    list.original_ids.resize(vertices.size());
    for (std::size_t i = 0; i < vertices.size(); ++i)
      list.original_ids[i] = vertices[i].id;
  }
  return build_graph(std::move(list));
}

}  // namespace graphmini::datasets
