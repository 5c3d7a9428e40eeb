// Patterns: the small connected graphs that `count`, `list` and `motifs` look for.
//
// A Pattern has k vertices (2 <= k <= 10), numbered 0 .. k-1, an undirected simple edge set
// kept as one bit mask per vertex, and optionally one label per vertex (a labelled pattern
// matches only vertices of a labelled graph whose labels are equal). Patterns are validated
// on construction: no self-loops, ids in range, connected. Specs, as users write them:
//   * a name: triangle, wedge, 3-star, 4-path, 4-cycle, tailed-triangle, diamond, 4-clique,
//     5-cycle, house, 5-clique, 6-clique, and GraphMini's benchmark queries P1 .. P8;
//   * an adjacency matrix string, k*k characters '0'/'1', row-major (GraphMini's notation),
//     which must be symmetric with a zero diagonal;
//   * an edge list "0-1,1-2,2-0" (vertices numbered from 0, every vertex on some edge);
//   * a pattern file: one edge "u v" per line, '#' comments, and optional vertex label lines
//     "v ID LABEL" (then every vertex needs one); at most kMaxPatternFileBytes.
// A spec is read as a file exactly when it contains a '/' or is "-" (standard input), so a
// file that happens to be called "triangle" never stands in for the pattern of that name:
// write ./triangle to read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/graph.h"

namespace graphmini {

// What a match is: `edge` counts distinct subgraphs of the graph isomorphic to the pattern
// (injective homomorphisms / |Aut(P)|); `vertex` counts vertex sets whose induced subgraph is
// isomorphic to the pattern.
enum class Induced { edge, vertex };

inline constexpr int kMinPatternSize = 2;
inline constexpr int kMaxPatternSize = 10;
// A pattern has at most 45 edges; a file far larger is not a pattern file (or is endless).
inline constexpr std::size_t kMaxPatternFileBytes = std::size_t{1} << 20;

// A set of pattern vertices as a bit mask (bit v = vertex v).
using PatternMask = std::uint32_t;

class Pattern {
 public:
  // Throws InvalidArgument naming the problem (size out of range, self-loop, vertex id out of
  // range, disconnected, label count not k).
  Pattern(int size, const std::vector<std::pair<int, int>>& edges, std::vector<Label> labels = {});

  int size() const { return size_; }
  bool adjacent(int u, int v) const { return (neighbours_[u] >> v) & 1u; }
  PatternMask neighbours(int v) const { return neighbours_[v]; }
  int degree(int v) const;
  int num_edges() const;
  // Edges (u, v) with u < v, sorted.
  std::vector<std::pair<int, int>> edges() const;

  bool labelled() const { return !labels_.empty(); }
  Label label(int v) const { return labels_[v]; }
  const std::vector<Label>& labels() const { return labels_; }

  // The name it was parsed from ("diamond", "P3"), or its edge-list string.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // "0110..." (k*k, row-major) and "0-1,0-2,1-2": specs that parse back to this pattern.
  std::string adjacency_matrix() const;
  std::string edge_list() const;

  bool operator==(const Pattern& other) const;

 private:
  int size_;
  PatternMask neighbours_[kMaxPatternSize] = {};
  std::vector<Label> labels_;
  std::string name_;
};

// Parses a spec (see the file comment). Throws InvalidArgument for a bad spec, IoError for an
// unreadable pattern file, ParseError (file and line) or FormatError for a malformed one.
Pattern parse_pattern(std::string_view spec);

// The named patterns, in the order of the file comment.
std::vector<std::string> pattern_names();

// The automorphisms of `pattern` (label-preserving when labelled), each as the image of
// vertex 0 .. k-1; the identity first.
std::vector<std::vector<int>> automorphisms(const Pattern& pattern);

// Every connected unlabelled pattern with `size` vertices (3 <= size <= 6), one per
// isomorphism class, in a fixed order (by edge count, then by adjacency matrix). For motifs.
std::vector<Pattern> connected_patterns(int size);

// Whether the two patterns are isomorphic (labels included; a labelled pattern is never
// isomorphic to an unlabelled one).
bool isomorphic(const Pattern& a, const Pattern& b);

// The canonical renumbering of `pattern`: the one whose adjacency_matrix() string is the
// lexicographically largest over all k! renumberings (for a labelled pattern: over those that
// list the labels in non-decreasing order). Isomorphic patterns have equal canonical forms.
// The result is named by its edge list.
Pattern canonical_form(const Pattern& pattern);

}  // namespace graphmini
