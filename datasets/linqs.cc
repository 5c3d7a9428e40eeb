// Reader of the LINQS citation layout (Cora, CiteSeer) with the Planetoid split.
//
// The .content file dominates the input (one token per word of the vocabulary, 24 MB
// uncompressed for CiteSeer), so it is read in TextInput chunks that are split into pieces and
// tokenised in parallel; the ids, class names and non-zero feature columns of each piece are
// then merged in file order, serially, because node numbering follows that order. The .cites and
// split files are small and are read serially. Paper ids are strings (CiteSeer has ids such as
// "bradshaw97introduction"), looked up in a hash map without building a string per lookup.
//
// Where both a file and its .gz twin exist the plain file is read: it is the faster of the two
// to parse and holds the same data (the usual cause is `gunzip -k`).
#include "datasets/linqs.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "datasets/text_input.h"
#include "datasets/text_parsing.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {
namespace {

namespace fs = std::filesystem;

// Lets a map keyed by std::string be searched with a string_view, without building a string
// for every lookup.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

constexpr std::string_view kContentSuffix = ".content";

// `base` itself when it exists, else `base`.gz, else nothing.
std::optional<fs::path> plain_or_gzip(const fs::path& base) {
  if (is_readable_entry(base)) return base;
  fs::path gzip = base;
  gzip += ".gz";
  if (is_readable_entry(gzip)) return gzip;
  return std::nullopt;
}

// The dataset names X of the X.content[.gz] files in the folder, sorted.
std::set<std::string> content_names(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::string file = it->path().filename().string();
    if (file.ends_with(".gz")) file.resize(file.size() - 3);
    if (file.size() > kContentSuffix.size() && file.ends_with(kContentSuffix) &&
        is_readable_entry(it->path())) {
      names.insert(file.substr(0, file.size() - kContentSuffix.size()));
    }
  }
  return names;
}

// X for the folder: the folder's own name when X.content exists (cora/cora.content), else the
// only .content file present.
std::string dataset_name(const fs::path& folder) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw IoError("cannot open LINQS folder", folder.string(),
                  fs::exists(folder, error) ? ENOTDIR : ENOENT);
  }
  const std::set<std::string> names = content_names(folder);
  const std::string own = folder_name(folder);
  if (names.contains(own)) return own;
  if (names.size() == 1) return *names.begin();
  if (names.empty()) {
    throw IoError("cannot find a <name>.content or <name>.content.gz file in", folder.string(),
                  ENOENT);
  }
  std::string listed;
  for (const auto& name : names)
    listed += (listed.empty() ? "" : ", ") + name + ".content";
  throw FormatError(folder.string(),
                    "a LINQS folder holds several datasets (" + listed +
                        "); none is named after the folder, so none can be chosen");
}

// The NAME of every X.NAME-split.tsv[.gz] in the folder, for messages.
std::string split_names(const fs::path& folder, const std::string& dataset) {
  const std::string prefix = dataset + ".";
  std::set<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::string file = it->path().filename().string();
    if (file.ends_with(".gz")) file.resize(file.size() - 3);
    if (file.starts_with(prefix) && file.ends_with("-split.tsv") &&
        file.size() > prefix.size() + 10) {
      names.insert(file.substr(prefix.size(), file.size() - prefix.size() - 10));
    }
  }
  std::string listed;
  for (const auto& split : names)
    listed += (listed.empty() ? "" : ", ") + split;
  return listed.empty() ? "none" : listed;
}

fs::path required_file(const fs::path& folder, const std::string& file) {
  if (auto found = plain_or_gzip(folder / file)) return *found;
  throw IoError("cannot find", (folder / file).string() + "[.gz]", ENOENT);
}

// "1 column", "3 columns".
std::string columns_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " column" : " columns");
}

// Number of blank-separated words on the line that starts at `at`.
std::size_t count_words(const char* at, const char* end) {
  Cursor cursor{at, end};
  std::size_t words = 0;
  while (!at_line_end(cursor)) {
    scan_word(cursor);
    ++words;
  }
  return words;
}

// ---- .content ---------------------------------------------------------------------------------

// What one piece of a .content chunk holds; the views point into the chunk.
struct ContentPiece {
  std::vector<std::string_view> ids;
  std::vector<std::string_view> classes;
  std::vector<std::uint32_t> columns;   // non-zero feature columns, row after row
  std::vector<std::uint64_t> row_ends;  // end of each row in `columns`
  const char* error_at = nullptr;       // the first bad line of the piece, if any
  std::string error;

  void clear() {
    ids.clear();
    classes.clear();
    columns.clear();
    row_ends.clear();
    error_at = nullptr;
    error.clear();
  }
};

struct ContentLayout {
  std::size_t features = 0;
  std::uint64_t line = 0;  // the line the layout was taken from
};

// Tokenises the lines of `text`, each "<id> <features...> <class>" with 0/1 features.
// Stops at the first bad line, leaving its position and the message in the piece.
void parse_content_piece(std::string_view text, const ContentLayout& layout, ContentPiece& piece) {
  Cursor cursor{text.data(), text.data() + text.size()};
  const std::size_t features = layout.features;
  const auto fail = [&](const char* line_start, std::string message) {
    piece.error_at = line_start;
    piece.error = std::move(message);
  };
  const auto wrong_columns = [&](const char* line_start) {
    fail(line_start, columns_text(count_words(line_start, cursor.end)) + ", expected " +
                         std::to_string(features + 2) + " (paper id, " + std::to_string(features) +
                         " features, class) as on line " + std::to_string(layout.line));
  };
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    if (at_line_end(cursor)) {  // blank line
      skip_newline(cursor);
      continue;
    }
    const std::string_view id = scan_word(cursor);
    const std::size_t row_begin = piece.columns.size();
    for (std::size_t column = 0; column < features; ++column) {
      if (!skip_blanks(cursor) || cursor.peek() == '\n') return wrong_columns(line_start);
      const char value = cursor.peek();
      const char* next = cursor.at + 1;
      const bool single = next == cursor.end || is_blank(*next) || *next == '\n';
      if (!single || (value != '0' && value != '1')) {
        if (count_words(line_start, cursor.end) != features + 2) return wrong_columns(line_start);
        const std::string_view token = scan_word(cursor);
        return fail(line_start, "feature " + std::to_string(column + 1) + " of paper " + quote(id) +
                                    " is " + quote(token) + ", expected 0 or 1");
      }
      if (value == '1') piece.columns.push_back(static_cast<std::uint32_t>(column));
      cursor.at = next;
    }
    if (at_line_end(cursor)) {
      piece.columns.resize(row_begin);
      return wrong_columns(line_start);
    }
    const std::string_view label = scan_word(cursor);
    if (!at_line_end(cursor)) {
      piece.columns.resize(row_begin);
      return wrong_columns(line_start);
    }
    skip_newline(cursor);
    piece.ids.push_back(id);
    piece.classes.push_back(label);
    piece.row_ends.push_back(piece.columns.size());
  }
}

// The nodes read so far, in node order.
struct Nodes {
  StringMap<VertexId> index;
  std::vector<std::string> ids;
  std::vector<std::int32_t> labels;  // provisional class numbers until the names are sorted
  StringMap<std::int32_t> class_index;
  std::vector<std::string> class_names;  // in order of first appearance
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> columns;

  // Adds a node; false when the id is already taken.
  bool add(std::string_view id) {
    if (ids.size() >= kMaxVertices) {
      throw Error("LINQS dataset has more than " + std::to_string(kMaxVertices) + " papers");
    }
    const auto [it, added] = index.try_emplace(std::string(id), static_cast<VertexId>(ids.size()));
    if (!added) return false;
    ids.emplace_back(id);
    return true;
  }

  std::int32_t class_of(std::string_view name) {
    if (auto it = class_index.find(name); it != class_index.end()) return it->second;
    const auto number = static_cast<std::int32_t>(class_names.size());
    class_index.emplace(std::string(name), number);
    class_names.emplace_back(name);
    return number;
  }
};

// The layout (feature count) from the first non-blank line of the first chunk.
ContentLayout content_layout(const TextInput& input, const TextInput::Chunk& chunk) {
  Cursor cursor{chunk.text.data(), chunk.text.data() + chunk.text.size()};
  while (!cursor.done()) {
    const char* line_start = cursor.at;
    if (at_line_end(cursor)) {
      skip_newline(cursor);
      continue;
    }
    const std::size_t words = count_words(line_start, cursor.end);
    if (words < 3) {
      throw input.error_at(
          chunk, line_start,
          columns_text(words) + "; a paper line is '<paper id> <0/1 features...> <class>'");
    }
    const auto line = chunk.first_line +
                      static_cast<std::uint64_t>(std::count(chunk.text.data(), line_start, '\n'));
    return {words - 2, line};
  }
  return {};  // only blank lines so far
}

void read_content(const fs::path& path, Nodes& nodes, std::size_t& num_features) {
  TextInput input(path);
  TextInput::Chunk chunk;
  std::optional<ContentLayout> layout;
  std::vector<ContentPiece> pieces;
  const auto wanted = 4 * static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  while (input.next(chunk)) {
    if (!layout) {
      layout = content_layout(input, chunk);
      if (layout->line == 0) layout.reset();
    }
    if (!layout) continue;
    const std::vector<std::string_view> parts = split_lines(chunk.text, wanted);
    if (pieces.size() < parts.size()) pieces.resize(parts.size());
    tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
      pieces[i].clear();
      parse_content_piece(parts[i], *layout, pieces[i]);
    });
    // Merge in file order; a piece's own rows come before its error, so an earlier piece's
    // duplicate id is reported ahead of a later piece's syntax error.
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const ContentPiece& piece = pieces[p];
      std::uint64_t row_begin = 0;
      for (std::size_t row = 0; row < piece.ids.size(); ++row) {
        if (!nodes.add(piece.ids[row])) {
          throw input.error_at(
              chunk, piece.ids[row].data(),
              "paper id " + quote(piece.ids[row]) + " appears twice in the .content file");
        }
        nodes.labels.push_back(nodes.class_of(piece.classes[row]));
        nodes.columns.insert(nodes.columns.end(), piece.columns.begin() + row_begin,
                             piece.columns.begin() + piece.row_ends[row]);
        nodes.offsets.push_back(nodes.columns.size());
        row_begin = piece.row_ends[row];
      }
      if (piece.error_at != nullptr) throw input.error_at(chunk, piece.error_at, piece.error);
    }
  }
  if (!layout) throw ParseError(input.name(), 1, "no papers in the .content file");
  num_features = layout->features;
}

// Numbers the classes in order of their names, as the header promises, so that the numbering
// does not depend on which paper comes first.
void sort_classes(Nodes& nodes, NodeData& data) {
  const std::size_t count = nodes.class_names.size();
  std::vector<std::int32_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return nodes.class_names[a] < nodes.class_names[b];
  });
  std::vector<std::int32_t> renumber(count);
  data.class_names.resize(count);
  for (std::size_t rank = 0; rank < count; ++rank) {
    renumber[order[rank]] = static_cast<std::int32_t>(rank);
    data.class_names[rank] = std::move(nodes.class_names[order[rank]]);
  }
  data.labels = std::move(nodes.labels);
  for (std::int32_t& label : data.labels)
    if (label != kNoClass) label = renumber[label];
  data.num_classes = static_cast<std::uint32_t>(count);
}

// ---- .cites -----------------------------------------------------------------------------------

// Adds ids seen only here as featureless, unlabelled nodes.
std::vector<Edge> read_cites(const fs::path& path, Nodes& nodes) {
  TextInput input(path);
  TextInput::Chunk chunk;
  std::vector<Edge> edges;
  const auto node_of = [&](std::string_view id) {
    if (auto it = nodes.index.find(id); it != nodes.index.end()) return it->second;
    nodes.add(id);
    nodes.labels.push_back(kNoClass);
    nodes.offsets.push_back(nodes.columns.size());
    return static_cast<VertexId>(nodes.ids.size() - 1);
  };
  while (input.next(chunk)) {
    Cursor cursor{chunk.text.data(), chunk.text.data() + chunk.text.size()};
    while (!cursor.done()) {
      const char* line_start = cursor.at;
      if (at_line_end(cursor)) {
        skip_newline(cursor);
        continue;
      }
      const std::string_view cited = scan_word(cursor);
      const bool has_second = !at_line_end(cursor);
      const std::string_view citing = has_second ? scan_word(cursor) : std::string_view();
      if (!has_second || !at_line_end(cursor)) {
        throw input.error_at(chunk, line_start,
                             columns_text(count_words(line_start, cursor.end)) +
                                 "; a citation line is '<cited paper id> <citing paper id>'");
      }
      skip_newline(cursor);
      const VertexId target = node_of(cited);
      const VertexId source = node_of(citing);
      edges.push_back({source, target});
    }
  }
  return edges;
}

// ---- split ------------------------------------------------------------------------------------

std::vector<Split> read_split(const fs::path& path, const Nodes& nodes) {
  const std::string text = read_text_file(path);
  const std::string name = path.string();
  std::vector<Split> split(nodes.ids.size(), Split::none);
  std::vector<bool> listed(nodes.ids.size(), false);
  Cursor cursor{text.data(), text.data() + text.size()};
  for (std::uint64_t line = 1; !cursor.done(); ++line) {
    const char* line_start = cursor.at;
    if (at_line_end(cursor) || cursor.peek() == '#') {  // blank or comment
      take_line(cursor);
      continue;
    }
    const std::string_view id = scan_word(cursor);
    const bool has_second = !at_line_end(cursor);
    const std::string_view which = has_second ? scan_word(cursor) : std::string_view();
    if (!has_second || !at_line_end(cursor)) {
      throw ParseError(name, line,
                       columns_text(count_words(line_start, cursor.end)) +
                           "; a split line is '<paper id> train|val|test'");
    }
    take_line(cursor);
    const auto node = nodes.index.find(id);
    if (node == nodes.index.end()) {
      throw ParseError(name, line,
                       "unknown paper id " + quote(id) + " (not in .content or .cites)");
    }
    Split value;
    if (which == "train") {
      value = Split::train;
    } else if (which == "val") {
      value = Split::validation;
    } else if (which == "test") {
      value = Split::test;
    } else {
      throw ParseError(name, line,
                       "unknown split " + quote(which) + ", expected train, val or test");
    }
    if (listed[node->second]) {
      throw ParseError(name, line, "paper id " + quote(id) + " is listed twice");
    }
    if (nodes.labels[node->second] == kNoClass) {
      throw ParseError(name, line,
                       "paper id " + quote(id) +
                           " has no class (it is only in .cites), so it cannot be in a split");
    }
    listed[node->second] = true;
    split[node->second] = value;
  }
  return split;
}

}  // namespace

Dataset read_linqs(const fs::path& folder, const std::string& split) {
  const std::string name = dataset_name(folder);
  const std::optional<fs::path> split_file = [&]() -> std::optional<fs::path> {
    if (split.empty()) return plain_or_gzip(folder / (name + ".planetoid-split.tsv"));
    if (auto found = plain_or_gzip(folder / (name + "." + split + "-split.tsv"))) return found;
    throw InvalidArgument("no split " + quote(split) + " in LINQS folder '" + folder.string() +
                          "' (available: " + split_names(folder, name) + ")");
  }();
  const fs::path content = required_file(folder, name + ".content");
  const fs::path cites = required_file(folder, name + ".cites");

  Nodes nodes;
  std::size_t num_features = 0;
  read_content(content, nodes, num_features);
  std::vector<Edge> edges = read_cites(cites, nodes);
  const std::size_t n = nodes.ids.size();

  NodeData data;
  data.split = split_file ? read_split(*split_file, nodes) : std::vector<Split>(n, Split::none);
  sort_classes(nodes, data);
  SparseFeatures features;
  features.rows = n;
  features.cols = num_features;
  features.offsets = std::move(nodes.offsets);
  features.values.assign(nodes.columns.size(), 1.0f);
  features.columns = std::move(nodes.columns);
  // Gathered sparse (cora's and citeseer's words are about 1% present), stored by the rule
  // every reader applies: a dense vocabulary trains faster dense.
  data.features = in_chosen_layout(std::move(features));
  data.original_ids = std::move(nodes.ids);

  EdgeList edge_list;
  edge_list.num_vertices = n;
  edge_list.edges = std::move(edges);
  Graph graph = build_graph(std::move(edge_list), BuildOptions{.keep_isolated_vertices = true});
  return Dataset{name, std::move(graph), std::move(data)};
}

bool is_linqs_folder(const fs::path& folder) {
  std::error_code error;
  return fs::is_directory(folder, error) && !content_names(folder).empty();
}

}  // namespace graphmini::datasets
