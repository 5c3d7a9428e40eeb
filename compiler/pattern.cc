// Pattern specs and pattern symmetry: parsing the four kinds of spec (name, adjacency matrix,
// edge list, file), the automorphism group, canonical forms, and the catalogue of connected
// patterns that `motifs` counts.
//
// Automorphisms are found by backtracking: vertices 0, 1, ... in turn get an image of the same
// degree and label that agrees on adjacency with every image chosen so far. Images are tried in
// increasing order, so the group comes out in lexicographic order and the identity first.
//
// The canonical form is the renumbering whose row-major adjacency matrix string is the
// lexicographically *largest* over all k! renumberings (for a labelled pattern: over the
// renumberings that list the labels in non-decreasing order, so the sorted labels are part of
// the form). It is found by branch and bound over the positions 0, 1, ...: once positions
// 0..i hold vertices, every row of the renumbered matrix is known in columns 0..i (for an open
// position: at best that of some unplaced vertex), and its remaining ones (degree minus
// neighbours already placed) can at best follow in the next open columns. These rows bound
// every completion from above in lexicographic order, so a branch whose bound does not beat the
// best complete matrix found so far is dropped; for a clique this leaves a single leaf. Two
// patterns are isomorphic exactly when their canonical forms are equal.
#include "compiler/pattern.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <system_error>

#include "runtime/error.h"
#include "runtime/input.h"

namespace graphmini {
namespace {

constexpr PatternMask bit(int v) {
  return PatternMask{1} << v;
}

struct NamedPattern {
  const char* name;
  const char* spec;  // an edge list or, for GraphMini's queries, its adjacency matrix
};

// Vertex numbering of the drawn shapes: paths and cycles go round in order; the house is the
// square 0-1-2-3 with its roof 4 on top of the edge 2-3.
constexpr NamedPattern kNamedPatterns[] = {
    {"triangle", "0-1,0-2,1-2"},
    {"wedge", "0-1,1-2"},
    {"3-star", "0-1,0-2,0-3"},
    {"4-path", "0-1,1-2,2-3"},
    {"4-cycle", "0-1,1-2,2-3,0-3"},
    {"tailed-triangle", "0-1,0-2,1-2,2-3"},
    {"diamond", "0-1,0-2,1-2,1-3,2-3"},
    {"4-clique", "0-1,0-2,0-3,1-2,1-3,2-3"},
    {"5-cycle", "0-1,1-2,2-3,3-4,0-4"},
    {"house", "0-1,1-2,2-3,0-3,2-4,3-4"},
    {"5-clique", "0-1,0-2,0-3,0-4,1-2,1-3,1-4,2-3,2-4,3-4"},
    {"6-clique", "0-1,0-2,0-3,0-4,0-5,1-2,1-3,1-4,1-5,2-3,2-4,2-5,3-4,3-5,4-5"},
    {"P1", "0111101111011110"},
    {"P2", "0110010111110110110001100"},
    {"P3", "0110010111110110110101110"},
    {"P4", "0111110111110111110111110"},
    {"P5", "011111101111110110111000111000110000"},
    {"P6", "011110101101110011110000101000011000"},
    {"P7", "011110101011110010100001111000010100"},
    {"P8", "0111111101111111011111110111111101111111001111100"},
};

std::string vertex_count(int size) {
  return std::to_string(size) + (size == 1 ? " vertex" : " vertices");
}

void check_size(int size) {
  if (size < kMinPatternSize) {
    throw InvalidArgument("pattern has " + vertex_count(size) + "; at least " +
                          std::to_string(kMinPatternSize) + " are needed");
  }
  if (size > kMaxPatternSize) {
    throw InvalidArgument("pattern has " + vertex_count(size) + "; at most " +
                          std::to_string(kMaxPatternSize) + " are supported");
  }
}

std::string vertex_set(PatternMask vertices) {
  std::string text = "{";
  for (int v = 0; vertices != 0; ++v, vertices >>= 1) {
    if ((vertices & 1u) == 0) continue;
    if (text.size() > 1) text += ", ";
    text += std::to_string(v);
  }
  return text + "}";
}

// The vertices reachable from vertex 0.
PatternMask reachable_from_0(int size, const PatternMask* neighbours) {
  PatternMask reached = bit(0);
  PatternMask frontier = reached;
  while (frontier != 0) {
    PatternMask next = 0;
    for (PatternMask f = frontier; f != 0; f &= f - 1)
      next |= neighbours[std::countr_zero(f)];
    frontier = next & ~reached;
    reached |= next;
  }
  return reached & ((PatternMask{1} << size) - 1);
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A vertex id written in decimal, or nullopt when `text` is not one. Ids with more digits than
// any pattern needs come back as kMaxPatternSize (out of range) rather than overflowing.
std::optional<int> parse_vertex_id(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  if (text.size() > 3) return kMaxPatternSize;
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string out_of_range(std::string_view id) {
  return "vertex " + std::string(id) + " is out of range: patterns have at most " +
         std::to_string(kMaxPatternSize) + " vertices, numbered 0.." +
         std::to_string(kMaxPatternSize - 1);
}

Pattern pattern_from_matrix(std::string_view matrix) {
  const int length = static_cast<int>(matrix.size());
  int size = 0;
  while ((size + 1) * (size + 1) <= length)
    ++size;
  if (size * size != length) {
    throw InvalidArgument("adjacency matrix of length " + std::to_string(length) + " is not k*k");
  }
  check_size(size);
  const auto entry = [&](int row, int column) { return matrix[row * size + column]; };
  std::vector<std::pair<int, int>> edges;
  for (int row = 0; row < size; ++row) {
    if (entry(row, row) == '1') throw InvalidArgument("self-loop on vertex " + std::to_string(row));
    for (int column = row + 1; column < size; ++column) {
      if (entry(row, column) != entry(column, row)) {
        throw InvalidArgument("matrix is not symmetric: (" + std::to_string(row) + "," +
                              std::to_string(column) + ") is " + entry(row, column) + " but (" +
                              std::to_string(column) + "," + std::to_string(row) + ") is " +
                              entry(column, row));
      }
      if (entry(row, column) == '1') edges.emplace_back(row, column);
    }
  }
  return Pattern(size, edges);
}

bool looks_like_edge_list(std::string_view spec) {
  return spec.find('-') != std::string_view::npos &&
         spec.find_first_not_of("0123456789-, \t") == std::string_view::npos;
}

bool looks_like_matrix(std::string_view spec) {
  return !spec.empty() && spec.find_first_not_of("01") == std::string_view::npos;
}

// Every vertex 0 .. size-1 must lie on an edge: a vertex on none would be isolated, and is
// most likely a typo in the numbering.
void check_every_vertex_on_an_edge(int size, const std::vector<std::pair<int, int>>& edges) {
  PatternMask covered = 0;
  for (const auto& [u, v] : edges)
    covered |= bit(u) | bit(v);
  for (int v = 0; v < size; ++v) {
    if ((covered & bit(v)) == 0) {
      throw InvalidArgument("vertex " + std::to_string(v) + " is on no edge (vertices are " +
                            "numbered from 0 and every vertex needs an edge)");
    }
  }
}

Pattern pattern_from_edge_list(std::string_view spec) {
  std::vector<std::pair<int, int>> edges;
  std::map<std::pair<int, int>, std::string> written;  // (min, max) -> as the user wrote it
  int largest = -1;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view edge = trim(spec.substr(start, comma - start));
    start = comma + 1;
    const std::size_t dash = edge.find('-');
    const std::string_view first = trim(edge.substr(0, dash));
    const std::string_view second =
        dash == std::string_view::npos ? std::string_view() : trim(edge.substr(dash + 1));
    const std::optional<int> u = parse_vertex_id(first);
    const std::optional<int> v = parse_vertex_id(second);
    if (!u || !v) {
      throw InvalidArgument(quote(edge) + " is not an edge 'u-v' of vertex numbers");
    }
    if (*u >= kMaxPatternSize) throw InvalidArgument(out_of_range(first));
    if (*v >= kMaxPatternSize) throw InvalidArgument(out_of_range(second));
    if (*u == *v) throw InvalidArgument("self-loop on vertex " + std::to_string(*u));
    const auto key = std::minmax(*u, *v);
    if (const auto earlier = written.find(key); earlier != written.end()) {
      throw InvalidArgument("duplicate edge " + quote(edge) + " (same as " +
                            quote(earlier->second) + ")");
    }
    written.emplace(key, std::string(edge));
    edges.emplace_back(*u, *v);
    largest = std::max({largest, *u, *v});
  }
  check_every_vertex_on_an_edge(largest + 1, edges);
  return Pattern(largest + 1, edges);
}

std::vector<std::string_view> split_whitespace(std::string_view line) {
  std::vector<std::string_view> tokens;
  std::size_t at = 0;
  while (true) {
    at = line.find_first_not_of(" \t\r", at);
    if (at == std::string_view::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t\r", at), line.size());
    tokens.push_back(line.substr(at, end - at));
    at = end;
  }
  return tokens;
}

Pattern pattern_from_file(const std::string& spec) {
  Input input(spec);
  const std::string& path = input.name();
  const std::string text = input.read_all(kMaxPatternFileBytes, "a pattern file");
  std::vector<std::pair<int, int>> edges;
  std::map<std::pair<int, int>, std::uint64_t> edge_lines;
  std::array<std::optional<Label>, kMaxPatternSize> labels;
  std::array<std::uint64_t, kMaxPatternSize> label_lines{};
  int largest = -1;

  std::uint64_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t newline = std::min(text.find('\n', start), text.size());
    std::string_view line = std::string_view(text).substr(start, newline - start);
    start = newline + 1;
    ++line_number;
    line = line.substr(0, line.find('#'));
    const std::vector<std::string_view> tokens = split_whitespace(line);
    if (tokens.empty()) continue;
    const auto vertex_id = [&](std::string_view token) {
      const std::optional<int> id = parse_vertex_id(token);
      if (!id) throw ParseError(path, line_number, quote(token) + " is not a vertex number");
      if (*id >= kMaxPatternSize) throw ParseError(path, line_number, out_of_range(token));
      return *id;
    };
    if (tokens[0] == "v") {
      if (tokens.size() != 3) {
        throw ParseError(path, line_number,
                         "a label line reads 'v ID LABEL', got " + quote(trim(line)));
      }
      const int v = vertex_id(tokens[1]);
      Label label = 0;
      const auto [end, error] =
          std::from_chars(tokens[2].data(), tokens[2].data() + tokens[2].size(), label);
      if (error != std::errc{} || end != tokens[2].data() + tokens[2].size()) {
        throw ParseError(path, line_number,
                         "label " + quote(tokens[2]) + " is not an unsigned 32-bit integer");
      }
      if (labels[v]) {
        throw ParseError(path, line_number,
                         "second label for vertex " + std::to_string(v) +
                             " (the first is on line " + std::to_string(label_lines[v]) + ")");
      }
      labels[v] = label;
      label_lines[v] = line_number;
    } else if (tokens.size() == 2) {
      const int u = vertex_id(tokens[0]);
      const int v = vertex_id(tokens[1]);
      if (u == v) throw ParseError(path, line_number, "self-loop on vertex " + std::to_string(u));
      const auto [where, inserted] = edge_lines.emplace(std::minmax(u, v), line_number);
      if (!inserted) {
        throw ParseError(path, line_number,
                         "duplicate edge " + std::to_string(u) + " " + std::to_string(v) +
                             " (the first is on line " + std::to_string(where->second) + ")");
      }
      edges.emplace_back(u, v);
      largest = std::max({largest, u, v});
    } else {
      throw ParseError(
          path, line_number,
          "expected an edge 'u v' or a label line 'v ID LABEL', got " + quote(trim(line)));
    }
  }

  const int size = largest + 1;
  for (int v = std::max(size, 0); v < kMaxPatternSize; ++v) {
    if (labels[v]) {
      throw ParseError(path, label_lines[v],
                       "label for vertex " + std::to_string(v) + ", which is on no edge");
    }
  }
  try {
    if (edges.empty()) throw InvalidArgument("no edges");
    check_every_vertex_on_an_edge(size, edges);
    std::vector<Label> vertex_labels;
    const auto labelled = std::find_if(labels.begin(), labels.end(),
                                       [](const std::optional<Label>& l) { return l.has_value(); });
    if (labelled != labels.end()) {
      const int example = static_cast<int>(labelled - labels.begin());
      for (int v = 0; v < size; ++v) {
        if (!labels[v]) {
          throw InvalidArgument("vertex " + std::to_string(v) + " has no label, but vertex " +
                                std::to_string(example) + " has one (line " +
                                std::to_string(label_lines[example]) +
                                "): label every vertex or none");
        }
        vertex_labels.push_back(*labels[v]);
      }
    }
    return Pattern(size, edges, std::move(vertex_labels));
  } catch (const InvalidArgument& error) {
    throw FormatError(path, error.what());
  }
}

std::string names_list() {
  std::string text;
  for (const NamedPattern& named : kNamedPatterns) {
    if (!text.empty()) text += ", ";
    text += named.name;
  }
  return text;
}

const NamedPattern* find_named(std::string_view spec) {
  std::string name(spec);
  // GraphMini's queries are written P1 .. P8; p1 .. p8 are accepted too.
  if (name.size() == 2 && name[0] == 'p' && name[1] >= '1' && name[1] <= '8') name[0] = 'P';
  for (const NamedPattern& named : kNamedPatterns) {
    if (name == named.name) return &named;
  }
  return nullptr;
}

Pattern named_pattern(const NamedPattern& named) {
  Pattern pattern = looks_like_matrix(named.spec) ? pattern_from_matrix(named.spec)
                                                  : pattern_from_edge_list(named.spec);
  pattern.set_name(named.name);
  return pattern;
}

// One row of a renumbered adjacency matrix as an integer whose order is the order of the row's
// '0'/'1' string: column c is bit (k-1-c).
using Row = std::uint16_t;
using Rows = std::array<Row, kMaxPatternSize>;

// The branch and bound of the file comment.
class CanonicalSearch {
 public:
  explicit CanonicalSearch(const Pattern& pattern) : pattern_(pattern), size_(pattern.size()) {
    std::iota(order_.begin(), order_.begin() + size_, 0);
    // High degrees first: they make large first rows, so a good bound is found early.
    std::stable_sort(order_.begin(), order_.begin() + size_,
                     [&](int a, int b) { return pattern.degree(a) > pattern.degree(b); });
    if (pattern.labelled()) {
      sorted_labels_ = pattern.labels();
      std::sort(sorted_labels_.begin(), sorted_labels_.end());
    }
    place(0);
  }

  Pattern result() const {
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < size_; ++i) {
      for (int j = i + 1; j < size_; ++j) {
        if (pattern_.adjacent(best_order_[i], best_order_[j])) edges.emplace_back(i, j);
      }
    }
    return Pattern(size_, edges, sorted_labels_);
  }

 private:
  Row column_bit(int column) const { return static_cast<Row>(Row{1} << (size_ - 1 - column)); }

  // The largest row that vertex v can have at `position` once positions 0 .. filled-1 are
  // filled: its adjacency to the vertices placed there, then its remaining neighbours in the
  // earliest columns still open, skipping its own (the diagonal is zero).
  Row row_bound(int v, int position, int filled) const {
    Row row = 0;
    for (int column = 0; column < filled; ++column) {
      if (pattern_.adjacent(v, order_at_[column])) row |= column_bit(column);
    }
    int remaining = pattern_.degree(v) - std::popcount(pattern_.neighbours(v) & placed_);
    for (int column = filled; remaining > 0 && column < size_; ++column) {
      if (column == position) continue;
      row |= column_bit(column);
      --remaining;
    }
    return row;
  }

  // Whether some completion of positions 0 .. filled-1 might beat the best matrix found. Row by
  // row, the bound is row_bound of the vertex placed there, or of the best unplaced vertex for
  // an open position; every completion's matrix is at most these rows in lexicographic order.
  bool may_beat_best(int filled) const {
    if (!found_) return true;
    for (int position = 0; position < size_; ++position) {
      Row bound = 0;
      if (position < filled) {
        bound = row_bound(order_at_[position], position, filled);
      } else {
        for (int v = 0; v < size_; ++v) {
          if ((placed_ & bit(v)) == 0) bound = std::max(bound, row_bound(v, position, filled));
        }
      }
      if (bound != best_rows_[position]) return bound > best_rows_[position];
    }
    return false;  // a completion can at best tie with the best
  }

  void place(int position) {
    if (position == size_) {
      Rows rows{};
      for (int p = 0; p < size_; ++p)
        rows[p] = row_bound(order_at_[p], p, size_);
      if (!found_ || rows > best_rows_) {
        found_ = true;
        best_rows_ = rows;
        best_order_ = order_at_;
      }
      return;
    }
    for (int i = 0; i < size_; ++i) {
      const int v = order_[i];
      if ((placed_ & bit(v)) != 0) continue;
      if (pattern_.labelled() && pattern_.label(v) != sorted_labels_[position]) continue;
      order_at_[position] = v;
      placed_ |= bit(v);
      if (may_beat_best(position + 1)) place(position + 1);
      placed_ &= ~bit(v);
    }
  }

  const Pattern& pattern_;
  const int size_;
  std::array<int, kMaxPatternSize> order_{};     // candidate vertices, by degree
  std::vector<Label> sorted_labels_;             // empty when unlabelled
  std::array<int, kMaxPatternSize> order_at_{};  // vertex at each filled position
  PatternMask placed_ = 0;
  bool found_ = false;
  Rows best_rows_{};
  std::array<int, kMaxPatternSize> best_order_{};
};

}  // namespace

Pattern::Pattern(int size, const std::vector<std::pair<int, int>>& edges, std::vector<Label> labels)
    : size_(size), labels_(std::move(labels)) {
  check_size(size);
  for (const auto& [u, v] : edges) {
    for (const int id : {u, v}) {
      if (id < 0 || id >= size) {
        throw InvalidArgument("edge " + std::to_string(u) + "-" + std::to_string(v) + ": vertex " +
                              std::to_string(id) + " is out of range for " + vertex_count(size) +
                              " (ids 0.." + std::to_string(size - 1) + ")");
      }
    }
    if (u == v) throw InvalidArgument("self-loop on vertex " + std::to_string(u));
    neighbours_[u] |= bit(v);
    neighbours_[v] |= bit(u);
  }
  if (!labels_.empty() && static_cast<int>(labels_.size()) != size) {
    throw InvalidArgument("pattern has " + vertex_count(size) + " but " +
                          std::to_string(labels_.size()) + " labels");
  }
  const PatternMask unreached =
      ((PatternMask{1} << size) - 1) & ~reachable_from_0(size, neighbours_);
  if (unreached != 0) {
    throw InvalidArgument("pattern is not connected: " +
                          (std::has_single_bit(unreached)
                               ? "vertex " + std::to_string(std::countr_zero(unreached)) + " is"
                               : "vertices " + vertex_set(unreached) + " are") +
                          " not reachable from 0");
  }
  name_ = edge_list();
}

int Pattern::degree(int v) const {
  return std::popcount(neighbours_[v]);
}

int Pattern::num_edges() const {
  int twice = 0;
  for (int v = 0; v < size_; ++v)
    twice += degree(v);
  return twice / 2;
}

std::vector<std::pair<int, int>> Pattern::edges() const {
  std::vector<std::pair<int, int>> result;
  for (int u = 0; u < size_; ++u) {
    for (int v = u + 1; v < size_; ++v) {
      if (adjacent(u, v)) result.emplace_back(u, v);
    }
  }
  return result;
}

std::string Pattern::adjacency_matrix() const {
  std::string matrix;
  matrix.reserve(size_ * size_);
  for (int u = 0; u < size_; ++u) {
    for (int v = 0; v < size_; ++v)
      matrix += adjacent(u, v) ? '1' : '0';
  }
  return matrix;
}

std::string Pattern::edge_list() const {
  std::string text;
  for (const auto& [u, v] : edges()) {
    if (!text.empty()) text += ',';
    text += std::to_string(u) + "-" + std::to_string(v);
  }
  return text;
}

bool Pattern::operator==(const Pattern& other) const {
  return size_ == other.size_ && std::equal(neighbours_, neighbours_ + size_, other.neighbours_) &&
         labels_ == other.labels_;
}

Pattern parse_pattern(std::string_view spec) {
  if (spec == Input::kStandardInput || spec.find('/') != std::string_view::npos) {
    return pattern_from_file(std::string(spec));
  }
  const std::string_view text = trim(spec);
  if (const NamedPattern* named = find_named(text)) return named_pattern(*named);
  try {
    if (looks_like_edge_list(text)) return pattern_from_edge_list(text);
    if (looks_like_matrix(text)) return pattern_from_matrix(text);
  } catch (const InvalidArgument& error) {
    throw InvalidArgument("pattern " + quote(spec) + ": " + error.what());
  }
  std::error_code ignored;
  const bool file_exists = std::filesystem::exists(std::filesystem::path(spec), ignored);
  throw InvalidArgument(
      "pattern " + quote(spec) +
      ": not a pattern name, an adjacency matrix or an edge list (names: " + names_list() + ")" +
      (file_exists ? "; to read the file of that name, write ./" + printable(spec)
                   : std::string()));
}

std::vector<std::string> pattern_names() {
  std::vector<std::string> names;
  for (const NamedPattern& named : kNamedPatterns)
    names.emplace_back(named.name);
  return names;
}

std::vector<std::vector<int>> automorphisms(const Pattern& pattern) {
  const int size = pattern.size();
  std::vector<std::vector<int>> found;
  std::vector<int> image(size);
  PatternMask used = 0;  // the images chosen so far
  const auto extend = [&](const auto& self, int v) -> void {
    if (v == size) {
      found.push_back(image);
      return;
    }
    // The image w of v must be adjacent to exactly the images of v's earlier neighbours.
    PatternMask wanted = 0;
    for (PatternMask earlier = pattern.neighbours(v) & (bit(v) - 1); earlier != 0;
         earlier &= earlier - 1) {
      wanted |= bit(image[std::countr_zero(earlier)]);
    }
    for (int w = 0; w < size; ++w) {
      if ((used & bit(w)) != 0 || pattern.degree(w) != pattern.degree(v)) continue;
      if (pattern.labelled() && pattern.label(w) != pattern.label(v)) continue;
      if ((pattern.neighbours(w) & used) != wanted) continue;
      image[v] = w;
      used |= bit(w);
      self(self, v + 1);
      used &= ~bit(w);
    }
  };
  extend(extend, 0);
  return found;
}

Pattern canonical_form(const Pattern& pattern) {
  return CanonicalSearch(pattern).result();
}

bool isomorphic(const Pattern& a, const Pattern& b) {
  if (a.size() != b.size() || a.num_edges() != b.num_edges() || a.labelled() != b.labelled()) {
    return false;
  }
  return canonical_form(a) == canonical_form(b);
}

std::vector<Pattern> connected_patterns(int size) {
  if (size < 3 || size > 6) {
    throw InvalidArgument("connected_patterns: size " + std::to_string(size) + " is not in 3..6");
  }
  std::vector<std::pair<int, int>> pairs;
  for (int u = 0; u < size; ++u) {
    for (int v = u + 1; v < size; ++v)
      pairs.emplace_back(u, v);
  }
  // Every edge subset of the complete graph, reduced to its canonical form; ordered by edge
  // count, then by the canonical adjacency matrix.
  std::set<std::pair<int, std::string>> classes;
  const std::uint32_t subsets = std::uint32_t{1} << pairs.size();
  for (std::uint32_t subset = 0; subset < subsets; ++subset) {
    if (std::popcount(subset) < size - 1) continue;
    PatternMask neighbours[kMaxPatternSize] = {};
    std::vector<std::pair<int, int>> edges;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (((subset >> i) & 1u) == 0) continue;
      const auto [u, v] = pairs[i];
      neighbours[u] |= bit(v);
      neighbours[v] |= bit(u);
      edges.push_back(pairs[i]);
    }
    if (reachable_from_0(size, neighbours) != (PatternMask{1} << size) - 1) continue;
    classes.emplace(static_cast<int>(edges.size()),
                    canonical_form(Pattern(size, edges)).adjacency_matrix());
  }
  std::vector<Pattern> patterns;
  for (const auto& [edges, matrix] : classes)
    patterns.push_back(pattern_from_matrix(matrix));
  return patterns;
}

}  // namespace graphmini
