// Reader and writer of the OGB node-property-prediction raw layout (Hu et al., "Open Graph
// Benchmark", NeurIPS 2020): raw/*.csv[.gz] and split/<name>/*.csv[.gz].
//
// The raw files run to gigabytes (ogbn-products: 2.4M feature rows of 100 floats, 62M edges),
// so every file is read in TextInput chunks that are split on line boundaries into pieces and
// parsed in parallel with oneTBB. A piece parses into its own reusable buffers and stops at its
// first bad line, remembering only the byte position; the pieces are then merged in file order,
// so the first error in the file is the one reported, with its line number counted only then
// (TextInput::error_at). The hot loops neither allocate (buffers keep their capacity from chunk
// to chunk) nor count lines.
//
// Features: the file spells out every value, but a bag-of-words file is mostly zeros, so the
// rows are gathered sparse until they prove dense (read_features), and stored in the layout
// that runtime/node_data.h's rule picks, as every reader's are.
//
// Reading order: the node count comes first (raw/num-node-list.csv, else the feature rows,
// else the label rows), so that every edge and split id can be checked against it while it is
// parsed. Where both name.csv and name.csv.gz exist the plain file is read: it is the faster to
// parse and holds the same data (the usual cause is `gunzip -k`).
//
// Writing: features are written in the shortest decimal form that reads back to the same float
// (std::to_chars), so write_ogb -> read_ogb reproduces graph, features (bit for bit), labels and
// split. Class names and original ids are not part of the raw layout (OGB keeps them in
// mapping/) and are not written.
#include "datasets/ogb.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "datasets/text_input.h"
#include "datasets/text_parsing.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::pair<const char*, Split>, 3> kSplitFiles{
    {{"train", Split::train}, {"valid", Split::validation}, {"test", Split::test}}};

// ---- locating files ---------------------------------------------------------------------------

// `folder`/`stem`.csv when it exists, else `folder`/`stem`.csv.gz, else nothing.
std::optional<fs::path> find_csv(const fs::path& folder, const std::string& stem) {
  const fs::path plain = folder / (stem + ".csv");
  if (is_readable_entry(plain)) return plain;
  const fs::path gzip = folder / (stem + ".csv.gz");
  if (is_readable_entry(gzip)) return gzip;
  return std::nullopt;
}

fs::path require_csv(const fs::path& folder, const std::string& stem) {
  if (auto found = find_csv(folder, stem)) return *found;
  throw IoError("cannot find", (folder / (stem + ".csv")).string() + "[.gz]", ENOENT);
}

std::vector<std::string> split_folders(const fs::path& root) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory(error)) names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// The split folder to read, or nothing when the dataset has no split at all.
std::optional<fs::path> choose_split(const fs::path& folder, const std::string& split_name) {
  const fs::path root = folder / "split";
  const std::vector<std::string> names = split_folders(root);
  if (!split_name.empty()) {
    if (std::find(names.begin(), names.end(), split_name) == names.end()) {
      throw InvalidArgument("no split " + quote(split_name) + " in '" + root.string() +
                            "' (available: " + joined(names) + ")");
    }
    return root / split_name;
  }
  if (names.empty()) return std::nullopt;
  if (names.size() > 1) {
    throw InvalidArgument("'" + root.string() + "' holds several splits (" + joined(names) +
                          "); name the one to read");
  }
  return root / names.front();
}

// ---- parallel parsing -------------------------------------------------------------------------

// Common part of the per-piece results: the piece's text and its first bad line, if any.
struct PieceBase {
  std::string_view text;
  const char* error_at = nullptr;
  std::string error;

  void reset(std::string_view part) {
    text = part;
    error_at = nullptr;
    error.clear();
  }
  void fail(const char* at, std::string message) {
    error_at = at;
    error = std::move(message);
  }
};

// Reads `input` chunk by chunk: prepare(chunk) sees each chunk first, serially; parse(piece)
// runs on the pieces of the chunk in parallel; consume(chunk, piece) takes them in file order.
// A piece's parse error is thrown after its good lines were consumed, so the earliest error in
// the file wins.
template <typename Piece, typename Prepare, typename Parse, typename Consume>
void parse_in_pieces(TextInput& input, const Prepare& prepare, const Parse& parse,
                     const Consume& consume) {
  const auto wanted = 4 * static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  std::vector<Piece> pieces;
  TextInput::Chunk chunk;
  while (input.next(chunk)) {
    prepare(chunk);
    const std::vector<std::string_view> parts = split_lines(chunk.text, wanted);
    if (pieces.size() < parts.size()) pieces.resize(parts.size());
    tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
      pieces[i].clear();
      pieces[i].reset(parts[i]);
      parse(pieces[i]);
    });
    for (std::size_t i = 0; i < parts.size(); ++i) {
      consume(chunk, pieces[i]);
      if (pieces[i].error_at != nullptr) {
        throw input.error_at(chunk, pieces[i].error_at, pieces[i].error);
      }
    }
  }
}

constexpr auto kNothingToPrepare = [](const TextInput::Chunk&) {};

// The start of the line after the `count`-th line of `text` (error paths only).
const char* skip_lines(std::string_view text, std::uint64_t count) {
  const char* at = text.data();
  const char* end = text.data() + text.size();
  for (; count > 0 && at != end; --count) {
    at = std::find(at, end, '\n');
    if (at != end) ++at;
  }
  return at;
}

// Comma-separated fields on the line starting at `at`; an empty line has none.
std::size_t count_fields(const char* at, const char* end) {
  Cursor cursor{at, end};
  if (at_line_end(cursor)) return 0;
  const char* stop = std::find(at, end, '\n');
  return static_cast<std::size_t>(std::count(at, stop, ',')) + 1;
}

// "1 value", "3 values".
std::string values_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " value" : " values");
}

// Where the node count came from, for messages.
struct NodeCount {
  std::optional<std::uint64_t> value;
  std::string source;
};

// Checks a file's row count against the node count: rows past it are an error at the first
// extra line, a short file is an error just past its end.
struct RowLimit {
  const TextInput& input;
  const NodeCount& nodes;
  std::uint64_t rows = 0;

  void add(const TextInput::Chunk& chunk, std::string_view piece_text, std::uint64_t piece_rows) {
    if (nodes.value && rows + piece_rows > *nodes.value) {
      throw input.error_at(chunk, skip_lines(piece_text, *nodes.value - rows),
                           "more rows than the node count " + std::to_string(*nodes.value) +
                               " (from " + nodes.source + ")");
    }
    if (rows + piece_rows > kMaxVertices) {
      throw input.error_at(chunk, skip_lines(piece_text, kMaxVertices - rows),
                           "more than " + std::to_string(kMaxVertices) + " nodes");
    }
    rows += piece_rows;
  }
  void finish() const {
    if (nodes.value && rows != *nodes.value) {
      throw ParseError(input.name(), rows + 1,
                       "the file ends after " + std::to_string(rows) +
                           " rows but the node count is " + std::to_string(*nodes.value) +
                           " (from " + nodes.source + ")");
    }
  }
};

// ---- raw/num-node-list.csv --------------------------------------------------------------------

std::uint64_t read_num_nodes(const fs::path& path) {
  const std::string text = read_text_file(path, std::size_t{1} << 16);
  Cursor cursor{text.data(), text.data() + text.size()};
  std::optional<std::uint64_t> count;
  for (std::uint64_t line = 1; !cursor.done(); ++line) {
    if (at_line_end(cursor)) {
      take_line(cursor);
      continue;
    }
    if (count) {
      throw ParseError(path.string(), line,
                       "a second node count: graphs with several parts are not supported");
    }
    count = scan_unsigned(cursor);
    if (!count || !at_line_end(cursor)) {
      throw ParseError(path.string(), line,
                       "expected the node count, found " + quote_token(cursor.at, cursor.end));
    }
    if (*count > kMaxVertices) {
      throw ParseError(path.string(), line,
                       std::to_string(*count) + " nodes; at most " + std::to_string(kMaxVertices) +
                           " are supported");
    }
    take_line(cursor);
  }
  if (!count) throw ParseError(path.string(), 1, "no node count in the file");
  return *count;
}

// ---- raw/node-feat.csv ------------------------------------------------------------------------

// A piece's rows, parsed in the layout that the rows gathered before its chunk are in: sparse
// (the values that are not implicit zeros, with their columns) until those turn dense, dense
// from then on. A sparse file so never takes its dense size, not even a chunk's worth, and a
// dense one is parsed and copied as it is.
struct FeaturePiece : PieceBase {
  bool dense = false;
  DenseFeatures dense_rows;
  SparseFeatures sparse_rows;

  std::uint64_t rows() const { return dense ? dense_rows.rows : sparse_rows.rows; }
  void clear() {
    dense_rows.rows = 0;
    dense_rows.values.clear();
    sparse_rows.rows = 0;
    sparse_rows.offsets.assign(1, 0);
    sparse_rows.columns.clear();
    sparse_rows.values.clear();
  }
};

// Parses the piece's lines into `rows` (DenseFeatures or SparseFeatures with cols set).
template <typename Rows>
void parse_feature_rows(PieceBase& piece, Rows& rows, std::uint64_t layout_line) {
  constexpr bool kSparse = std::is_same_v<Rows, SparseFeatures>;
  const std::size_t columns = rows.cols;
  Cursor cursor{piece.text.data(), piece.text.data() + piece.text.size()};
  const auto fail = [&](const char* line_start, std::string message) {
    // The bad line's values go: rows hold whole lines only.
    if constexpr (kSparse) {
      rows.columns.resize(rows.offsets.back());
      rows.values.resize(rows.offsets.back());
    } else {
      rows.values.resize(rows.rows * columns);
    }
    piece.fail(line_start, std::move(message));
  };
  const auto wrong_count = [&](const char* line_start) {
    fail(line_start, values_text(count_fields(line_start, cursor.end)) + ", expected " +
                         std::to_string(columns) + " as on line " + std::to_string(layout_line));
  };
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    for (std::size_t column = 0; column < columns; ++column) {
      if (column > 0) {
        if (!skip_blanks(cursor) || cursor.peek() != ',') return wrong_count(line_start);
        ++cursor.at;
      }
      skip_blanks(cursor);
      const std::optional<float> value = scan_float(cursor);
      if (!value) {
        if (count_fields(line_start, cursor.end) != columns) return wrong_count(line_start);
        const std::string_view field = scan_word(cursor, ',');
        return fail(line_start, "feature " + std::to_string(column + 1) + " is " + quote(field) +
                                    ", not a finite number");
      }
      if constexpr (kSparse) {
        if (!is_implicit_zero(*value)) {
          rows.columns.push_back(static_cast<std::uint32_t>(column));
          rows.values.push_back(*value);
        }
      } else {
        rows.values.push_back(*value);
      }
    }
    if (!at_line_end(cursor)) {
      if (count_fields(line_start, cursor.end) != columns) return wrong_count(line_start);
      return fail(line_start, "unexpected " + quote_token(cursor.at, cursor.end) +
                                  " after feature " + std::to_string(columns));
    }
    skip_newline(cursor);
    if constexpr (kSparse) rows.offsets.push_back(rows.values.size());
    ++rows.rows;
  }
}

// The rows are gathered in the layout choose_feature_layout picks for the rows so far:
// sparse until a piece makes too many values non-zero, dense from then on (a dense file turns
// dense at its first piece). Peak memory so stays near the stored form's size plus one
// chunk's pieces; only a file whose density falls below the threshold late is converted at
// the end.
Features read_features(const fs::path& path, NodeCount& nodes) {
  TextInput input(path);
  Features features;
  std::optional<std::size_t> columns;
  bool dense_pieces = false;
  RowLimit limit{input, nodes};
  parse_in_pieces<FeaturePiece>(
      input,
      [&](const TextInput::Chunk& chunk) {
        dense_pieces = std::holds_alternative<DenseFeatures>(features);
        if (columns) return;
        // The first line of the file sets the number of features.
        const std::size_t count =
            count_fields(chunk.text.data(), chunk.text.data() + chunk.text.size());
        if (count == 0) throw input.error_at(chunk, chunk.text.data(), "empty feature row");
        columns = count;
        features = SparseFeatures{0, count, {0}, {}, {}};
        dense_pieces = false;
      },
      [&](FeaturePiece& piece) {
        piece.dense = dense_pieces;
        if (piece.dense) {
          piece.dense_rows.cols = *columns;
          parse_feature_rows(piece, piece.dense_rows, 1);
        } else {
          piece.sparse_rows.cols = *columns;
          parse_feature_rows(piece, piece.sparse_rows, 1);
        }
      },
      [&](const TextInput::Chunk& chunk, FeaturePiece& piece) {
        limit.add(chunk, piece.text, piece.rows());
        if (piece.dense) {
          // Dense pieces come only once the gathered rows are dense, and these stay so.
          append_rows(std::get<DenseFeatures>(features), piece.dense_rows);
          return;
        }
        std::visit([&](auto& gathered) { append_rows(gathered, piece.sparse_rows); }, features);
        const auto* sparse = std::get_if<SparseFeatures>(&features);
        if (sparse != nullptr && choose_feature_layout(sparse->values.size(), sparse->rows,
                                                       sparse->cols) == FeatureLayout::dense) {
          DenseFeatures dense{0, sparse->cols, {}};
          if (nodes.value) dense.values.reserve(*nodes.value * sparse->cols);
          append_rows(dense, *sparse);
          features = std::move(dense);
        }
      });
  limit.finish();
  if (!columns) features = DenseFeatures{limit.rows, 0, {}};
  if (!nodes.value) {
    nodes.value = limit.rows;
    nodes.source = path.string();
  }
  return in_chosen_layout(std::move(features));
}

// ---- raw/node-label.csv -----------------------------------------------------------------------

struct LabelPiece : PieceBase {
  std::vector<std::int32_t> labels;
  void clear() { labels.clear(); }
};

bool is_nan_word(std::string_view word) {
  return word.size() == 3 && (word[0] | 0x20) == 'n' && (word[1] | 0x20) == 'a' &&
         (word[2] | 0x20) == 'n';
}

// One label per line: a class number ("4", or "4.0" as pandas writes a float column), or
// "nan" or nothing for a node without class.
void parse_label_piece(LabelPiece& piece) {
  Cursor cursor{piece.text.data(), piece.text.data() + piece.text.size()};
  constexpr std::uint64_t kLargestClass = 0x7FFFFFFE;  // so that max + 1 classes fit an int32
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    std::int32_t label = kNoClass;
    if (!at_line_end(cursor)) {
      const char* token = cursor.at;
      const std::optional<std::uint64_t> value = scan_unsigned(cursor);
      bool valid = false;
      if (value) {
        if (!cursor.done() && cursor.peek() == '.') {
          ++cursor.at;
          while (!cursor.done() && cursor.peek() == '0')
            ++cursor.at;
        }
        valid = at_line_end(cursor) && *value <= kLargestClass;
        label = static_cast<std::int32_t>(value.value_or(0));
      } else {
        valid = is_nan_word(scan_word(cursor)) && at_line_end(cursor);
      }
      if (!valid) {
        return piece.fail(line_start, "label " + quote_token(token, cursor.end) +
                                          " is not a class number in [0, " +
                                          std::to_string(kLargestClass) +
                                          "] nor 'nan' or empty for no class");
      }
    }
    skip_newline(cursor);
    piece.labels.push_back(label);
  }
}

// Labels number the classes 0, 1, ..., K-1 with every class used: the class count comes from
// the largest label, so one stray label (1000000 among 7 classes) would otherwise make a
// million empty classes.
void check_classes_are_numbered(const std::vector<std::int32_t>& labels, const fs::path& path) {
  std::vector<std::int32_t> classes;
  {
    std::unordered_set<std::int32_t> seen;
    for (const std::int32_t label : labels) {
      if (label != kNoClass && seen.insert(label).second) classes.push_back(label);
    }
  }
  std::sort(classes.begin(), classes.end());
  std::int32_t missing = 0;
  while (missing < static_cast<std::int32_t>(classes.size()) && classes[missing] == missing)
    ++missing;
  if (missing == static_cast<std::int32_t>(classes.size())) return;
  const auto beyond =
      std::find_if(labels.begin(), labels.end(), [&](std::int32_t l) { return l > missing; });
  throw ParseError(path.string(), static_cast<std::uint64_t>(beyond - labels.begin()) + 1,
                   "label " + std::to_string(*beyond) + " leaves class " + std::to_string(missing) +
                       " without a node; labels must number the classes 0, 1, 2, ... "
                       "without gaps");
}

std::vector<std::int32_t> read_labels(const fs::path& path, NodeCount& nodes) {
  TextInput input(path);
  std::vector<std::int32_t> labels;
  if (nodes.value) labels.reserve(*nodes.value);
  RowLimit limit{input, nodes};
  parse_in_pieces<LabelPiece>(input, kNothingToPrepare, parse_label_piece,
                              [&](const TextInput::Chunk& chunk, LabelPiece& piece) {
                                limit.add(chunk, piece.text, piece.labels.size());
                                labels.insert(labels.end(), piece.labels.begin(),
                                              piece.labels.end());
                              });
  limit.finish();
  if (!nodes.value) {
    nodes.value = limit.rows;
    nodes.source = path.string();
  }
  check_classes_are_numbered(labels, path);
  return labels;
}

// ---- raw/edge.csv and split files: node ids below the node count ------------------------------

// Scans a node id and checks it against the node count; on failure records the error.
std::optional<VertexId> scan_node(Cursor& cursor, const char* line_start, std::uint64_t n,
                                  const std::string& count_source, const char* expected,
                                  PieceBase& piece) {
  const char* token = cursor.at;
  const std::optional<std::uint64_t> id = scan_unsigned(cursor);
  if (!id) {
    piece.fail(line_start,
               std::string("expected ") + expected + ", found " + quote_token(token, cursor.end));
    return std::nullopt;
  }
  if (*id >= n) {
    piece.fail(line_start, "node id " + std::to_string(*id) + " is not below the node count " +
                               std::to_string(n) + " (from " + count_source + ")");
    return std::nullopt;
  }
  return static_cast<VertexId>(*id);
}

struct EdgePiece : PieceBase {
  std::vector<Edge> edges;
  void clear() { edges.clear(); }
};

void parse_edge_piece(EdgePiece& piece, std::uint64_t n, const std::string& count_source) {
  Cursor cursor{piece.text.data(), piece.text.data() + piece.text.size()};
  constexpr const char* kExpected = "'source,target' node ids";
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    if (at_line_end(cursor)) {  // blank line
      skip_newline(cursor);
      continue;
    }
    const auto source = scan_node(cursor, line_start, n, count_source, kExpected, piece);
    if (!source) return;
    if (!skip_blanks(cursor) || cursor.peek() != ',') {
      return piece.fail(line_start, std::string("expected ") + kExpected + ", found " +
                                        quote_token(cursor.at, cursor.end) + " after the source");
    }
    ++cursor.at;
    skip_blanks(cursor);
    const auto target = scan_node(cursor, line_start, n, count_source, kExpected, piece);
    if (!target) return;
    if (!at_line_end(cursor)) {
      return piece.fail(line_start, std::string("expected ") + kExpected + ", found " +
                                        quote_token(cursor.at, cursor.end) + " after the target");
    }
    skip_newline(cursor);
    piece.edges.push_back({*source, *target});
  }
}

std::vector<Edge> read_edges(const fs::path& path, const NodeCount& nodes) {
  TextInput input(path);
  std::vector<Edge> edges;
  parse_in_pieces<EdgePiece>(
      input, kNothingToPrepare,
      [&](EdgePiece& piece) { parse_edge_piece(piece, *nodes.value, nodes.source); },
      [&](const TextInput::Chunk&, EdgePiece& piece) {
        edges.insert(edges.end(), piece.edges.begin(), piece.edges.end());
      });
  return edges;
}

struct SplitPiece : PieceBase {
  std::vector<VertexId> ids;
  std::vector<const char*> positions;  // where each id stands, to name a repeated one's line
  void clear() {
    ids.clear();
    positions.clear();
  }
};

void parse_split_piece(SplitPiece& piece, std::uint64_t n, const std::string& count_source) {
  Cursor cursor{piece.text.data(), piece.text.data() + piece.text.size()};
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    if (at_line_end(cursor)) {
      skip_newline(cursor);
      continue;
    }
    const auto id = scan_node(cursor, line_start, n, count_source, "one node id", piece);
    if (!id) return;
    if (!at_line_end(cursor)) {
      return piece.fail(line_start, "expected one node id, found " +
                                        quote_token(cursor.at, cursor.end) + " after it");
    }
    skip_newline(cursor);
    piece.ids.push_back(*id);
    piece.positions.push_back(line_start);
  }
}

const char* split_word(Split split) {
  switch (split) {
    case Split::train:
      return "train";
    case Split::validation:
      return "valid";
    case Split::test:
      return "test";
    case Split::none:
      break;
  }
  return "no";
}

void read_split_file(const fs::path& path, Split which, const NodeCount& nodes,
                     const std::vector<std::int32_t>& labels, std::vector<Split>& split) {
  TextInput input(path);
  parse_in_pieces<SplitPiece>(
      input, kNothingToPrepare,
      [&](SplitPiece& piece) { parse_split_piece(piece, *nodes.value, nodes.source); },
      [&](const TextInput::Chunk& chunk, SplitPiece& piece) {
        for (std::size_t i = 0; i < piece.ids.size(); ++i) {
          Split& entry = split[piece.ids[i]];
          if (entry != Split::none) {
            throw input.error_at(chunk, piece.positions[i],
                                 "node " + std::to_string(piece.ids[i]) + " is already in the " +
                                     split_word(entry) + " split");
          }
          if (labels[piece.ids[i]] == kNoClass) {
            throw input.error_at(chunk, piece.positions[i],
                                 "node " + std::to_string(piece.ids[i]) +
                                     " has no class (its label is 'nan' or empty), so it cannot "
                                     "be in a split");
          }
          entry = which;
        }
      });
}

// ---- writing ----------------------------------------------------------------------------------

template <typename Number>
void append_number(std::string& out, Number value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// Writes rows [0, count) to a new file at `path`, formatting blocks of rows in parallel and
// writing them in order; format(out, row) appends row's text to `out`.
template <typename Format>
void write_rows(const fs::path& path, std::uint64_t count, const Format& format) {
  constexpr std::uint64_t kRowsPerBlock = 4096;
  const std::uint64_t blocks_per_batch =
      4 * static_cast<std::uint64_t>(tbb::this_task_arena::max_concurrency());
  std::vector<std::string> blocks(blocks_per_batch);
  OutputFile file(path);
  for (std::uint64_t batch = 0; batch < count; batch += kRowsPerBlock * blocks_per_batch) {
    const std::uint64_t batch_end = std::min(count, batch + kRowsPerBlock * blocks_per_batch);
    const std::uint64_t used = (batch_end - batch + kRowsPerBlock - 1) / kRowsPerBlock;
    tbb::parallel_for(std::uint64_t{0}, used, [&](std::uint64_t b) {
      std::string& out = blocks[b];
      out.clear();
      const std::uint64_t begin = batch + b * kRowsPerBlock;
      const std::uint64_t end = std::min(batch_end, begin + kRowsPerBlock);
      for (std::uint64_t row = begin; row < end; ++row)
        format(out, row);
    });
    for (std::uint64_t b = 0; b < used; ++b)
      file.write(blocks[b]);
  }
  file.commit();
}

void format_dense_row(std::string& out, const DenseFeatures& features, std::uint64_t row) {
  const std::span<const float> values = features.row(row);
  for (std::size_t j = 0; j < values.size(); ++j) {
    if (j > 0) out += ',';
    append_number(out, values[j]);
  }
  out += '\n';
}

void format_sparse_row(std::string& out, const SparseFeatures& features, std::uint64_t row) {
  std::uint64_t k = features.offsets[row];
  for (std::size_t j = 0; j < features.cols; ++j) {
    if (j > 0) out += ',';
    if (k < features.offsets[row + 1] && features.columns[k] == j) {
      append_number(out, features.values[k++]);
    } else {
      out += '0';
    }
  }
  out += '\n';
}

void check_writable(const Dataset& dataset, const std::string& split_name) {
  if (split_name.empty() || split_name == "." || split_name == ".." ||
      split_name.find('/') != std::string::npos) {
    throw InvalidArgument("split name " + quote(split_name) + " is not a folder name");
  }
  const NodeData& nodes = dataset.nodes;
  nodes.validate();
  if (dataset.graph.num_vertices() != nodes.num_nodes()) {
    throw InvalidArgument("dataset '" + dataset.name + "' has " +
                          std::to_string(dataset.graph.num_vertices()) + " vertices but " +
                          std::to_string(nodes.num_nodes()) + " rows of node data");
  }
  // The reader accepts finite numbers only; refusing here keeps write -> read a round trip.
  const std::vector<float>& values =
      std::visit([](const auto& features) -> const std::vector<float>& { return features.values; },
                 nodes.features);
  const auto bad =
      std::find_if(values.begin(), values.end(), [](float value) { return !std::isfinite(value); });
  if (bad != values.end()) {
    throw InvalidArgument("dataset '" + dataset.name + "' has a feature value " +
                          std::to_string(*bad) + " that the OGB layout cannot hold");
  }
}

}  // namespace

Dataset read_ogb(const fs::path& folder, const std::string& split_name) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw IoError("cannot open OGB folder", folder.string(),
                  fs::exists(folder, error) ? ENOTDIR : ENOENT);
  }
  const fs::path raw = folder / "raw";
  const fs::path edge_file = require_csv(raw, "edge");
  const fs::path label_file = require_csv(raw, "node-label");
  const std::optional<fs::path> feature_file = find_csv(raw, "node-feat");
  const std::optional<fs::path> split_folder = choose_split(folder, split_name);

  NodeCount nodes;
  if (auto count_file = find_csv(raw, "num-node-list")) {
    nodes.value = read_num_nodes(*count_file);
    nodes.source = count_file->string();
  }
  NodeData data;
  if (feature_file) data.features = read_features(*feature_file, nodes);
  data.labels = read_labels(label_file, nodes);
  const std::uint64_t n = *nodes.value;
  if (!feature_file) data.features = DenseFeatures{n, 0, {}};

  const std::int32_t max_label =
      data.labels.empty() ? kNoClass : *std::max_element(data.labels.begin(), data.labels.end());
  data.num_classes = static_cast<std::uint32_t>(max_label + 1);

  data.split.assign(n, Split::none);
  if (split_folder) {
    for (const auto& [stem, which] : kSplitFiles) {
      read_split_file(require_csv(*split_folder, stem), which, nodes, data.labels, data.split);
    }
  }

  EdgeList edges;
  edges.num_vertices = n;
  edges.edges = read_edges(edge_file, nodes);
  Graph graph = build_graph(std::move(edges), BuildOptions{.keep_isolated_vertices = true});
  return Dataset{folder_name(folder), std::move(graph), std::move(data)};
}

void write_ogb(const Dataset& dataset, const fs::path& folder, const std::string& split_name) {
  check_writable(dataset, split_name);
  const Graph& graph = dataset.graph;
  const NodeData& nodes = dataset.nodes;
  const std::uint64_t n = nodes.num_nodes();
  // Written beside the destination and swapped in whole, so that an interrupted rewrite never
  // leaves new edges with old features, and no split of an earlier dataset survives.
  OutputFolder output(folder, [](const fs::path& existing) { return is_ogb_folder(existing); });
  const fs::path raw = output.subfolder("raw");
  const fs::path split = output.subfolder(fs::path("split") / split_name);

  write_rows(raw / "edge.csv", n, [&](std::string& out, std::uint64_t u) {
    for (const VertexId v : graph.neighbours(static_cast<VertexId>(u))) {
      // An undirected graph lists each edge at both ends: write it once, from the lower.
      if (graph.orientation() == Orientation::undirected && v < u) continue;
      append_number(out, std::min<std::uint64_t>(u, v));
      out += ',';
      append_number(out, std::max<std::uint64_t>(u, v));
      out += '\n';
    }
  });
  // Without features no file is written: rows of no values would be empty lines, which read
  // back as an error, and without the file the reader gives every node zero features.
  if (nodes.num_features() > 0) {
    if (const auto* dense = std::get_if<DenseFeatures>(&nodes.features)) {
      write_rows(raw / "node-feat.csv", n,
                 [&](std::string& out, std::uint64_t row) { format_dense_row(out, *dense, row); });
    } else {
      const auto& sparse = std::get<SparseFeatures>(nodes.features);
      write_rows(raw / "node-feat.csv", n,
                 [&](std::string& out, std::uint64_t row) { format_sparse_row(out, sparse, row); });
    }
  }
  write_rows(raw / "node-label.csv", n, [&](std::string& out, std::uint64_t row) {
    if (nodes.labels[row] == kNoClass) {
      out += "nan";
    } else {
      append_number(out, nodes.labels[row]);
    }
    out += '\n';
  });
  write_rows(raw / "num-node-list.csv", 1, [&](std::string& out, std::uint64_t) {
    append_number(out, n);
    out += '\n';
  });
  for (const auto& split_file : kSplitFiles) {
    const Split which = split_file.second;
    write_rows(split / (std::string(split_file.first) + ".csv"), n,
               [&](std::string& out, std::uint64_t row) {
                 if (nodes.split[row] != which) return;
                 append_number(out, row);
                 out += '\n';
               });
  }
  output.commit();
}

bool is_ogb_folder(const fs::path& folder) {
  std::error_code error;
  return fs::is_directory(folder / "raw", error) && find_csv(folder / "raw", "edge").has_value();
}

}  // namespace graphmini::datasets
