// Patterns: the named catalogue with its sizes and symmetry groups, the four kinds of spec and
// their round trips, every rejected spec with the message it gets, labelled pattern files,
// canonical forms checked against a brute force over all renumberings, and the catalogue of
// connected patterns that `motifs` counts.
#include "compiler/pattern.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using testing::ScratchDir;

// Checks that `run` throws an exception of type E whose message contains every fragment.
template <typename E>
void expect_error(const std::function<void()>& run, std::initializer_list<std::string> fragments) {
  try {
    run();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& error) {
    const std::string message = error.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message: " << message << "\nmissing: " << fragment;
    }
  }
}

void expect_invalid_spec(const std::string& spec, std::initializer_list<std::string> fragments) {
  SCOPED_TRACE("spec '" + spec + "'");
  expect_error<InvalidArgument>([&] { parse_pattern(spec); }, fragments);
}

// The renumbered copy of `pattern` in which vertex v becomes permutation[v].
Pattern renumbered(const Pattern& pattern, const std::vector<int>& permutation) {
  std::vector<std::pair<int, int>> edges;
  for (const auto& [u, v] : pattern.edges())
    edges.emplace_back(permutation[u], permutation[v]);
  std::vector<Label> labels;
  if (pattern.labelled()) {
    labels.resize(pattern.size());
    for (int v = 0; v < pattern.size(); ++v)
      labels[permutation[v]] = pattern.label(v);
  }
  return Pattern(pattern.size(), edges, labels);
}

std::vector<int> identity(int size) {
  std::vector<int> permutation(size);
  std::iota(permutation.begin(), permutation.end(), 0);
  return permutation;
}

// Brute force: every permutation that maps edges to edges and labels to equal labels.
std::vector<std::vector<int>> brute_force_automorphisms(const Pattern& pattern) {
  std::vector<std::vector<int>> found;
  std::vector<int> permutation = identity(pattern.size());
  do {
    if (renumbered(pattern, permutation) == pattern) found.push_back(permutation);
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  return found;
}

// Brute force: the largest adjacency matrix string over all renumberings (that list the
// labels in non-decreasing order).
std::string brute_force_canonical_matrix(const Pattern& pattern) {
  std::string best;
  std::vector<int> permutation = identity(pattern.size());
  do {
    const Pattern copy = renumbered(pattern, permutation);
    if (!std::is_sorted(copy.labels().begin(), copy.labels().end())) continue;
    best = std::max(best, copy.adjacency_matrix());
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  return best;
}

// A connected random pattern: a random spanning tree plus random extra edges.
Pattern random_pattern(std::mt19937& random, int size, double extra_edge_probability) {
  std::vector<std::pair<int, int>> edges;
  for (int v = 1; v < size; ++v) {
    edges.emplace_back(std::uniform_int_distribution<int>(0, v - 1)(random), v);
  }
  std::bernoulli_distribution extra(extra_edge_probability);
  for (int u = 0; u < size; ++u) {
    for (int v = u + 1; v < size; ++v) {
      const bool present = std::find(edges.begin(), edges.end(), std::pair(u, v)) != edges.end();
      if (!present && extra(random)) edges.emplace_back(u, v);
    }
  }
  return Pattern(size, edges);
}

std::vector<int> random_permutation(std::mt19937& random, int size) {
  std::vector<int> permutation = identity(size);
  std::shuffle(permutation.begin(), permutation.end(), random);
  return permutation;
}

// ---------------------------------------------------------------------------------------------
// The named patterns.

struct NamedCase {
  const char* name;
  int vertices;
  int edges;
  std::size_t automorphisms;
};

// The drawn shapes and their numbering (P1 .. P8 are GraphMini's adjacency matrices):
//
//   triangle   wedge      3-star      4-path      4-cycle   tailed-triangle   diamond
//      0       0-1-2        1         0-1-2-3     0---1        0---1          0---1
//     / \                   |                     |   |         \ /           | / |
//    1---2               2---0---3                3---2          2---3        2---3
//
//   5-cycle        house
//      0           0---1
//    /   \         |   |
//   4     1        3---2
//    \   /          \ /
//    3---2           4
const NamedCase kNamedCases[] = {
    {"triangle", 3, 3, 6}, {"wedge", 3, 2, 2},       {"3-star", 4, 3, 6},
    {"4-path", 4, 3, 2},   {"4-cycle", 4, 4, 8},     {"tailed-triangle", 4, 4, 2},
    {"diamond", 4, 5, 4},  {"4-clique", 4, 6, 24},   {"5-cycle", 5, 5, 10},
    {"house", 5, 6, 2},    {"5-clique", 5, 10, 120}, {"6-clique", 6, 15, 720},
    {"P1", 4, 6, 24},      {"P2", 5, 7, 12},         {"P3", 5, 8, 4},
    {"P4", 5, 10, 120},    {"P5", 6, 11, 4},         {"P6", 6, 9, 6},
    {"P7", 6, 9, 4},       {"P8", 7, 20, 240},
};

TEST(NamedPatterns, HaveTheirSizesAndSymmetryGroups) {
  for (const NamedCase& expected : kNamedCases) {
    SCOPED_TRACE(expected.name);
    const Pattern pattern = parse_pattern(expected.name);
    EXPECT_EQ(pattern.name(), expected.name);
    EXPECT_EQ(pattern.size(), expected.vertices);
    EXPECT_EQ(pattern.num_edges(), expected.edges);
    EXPECT_FALSE(pattern.labelled());
    EXPECT_EQ(automorphisms(pattern).size(), expected.automorphisms);
  }
}

TEST(NamedPatterns, ListedInTheOrderOfTheHeader) {
  std::vector<std::string> expected;
  for (const NamedCase& named : kNamedCases)
    expected.emplace_back(named.name);
  EXPECT_EQ(pattern_names(), expected);
}

TEST(NamedPatterns, AreTheShapesTheirNamesSay) {
  EXPECT_EQ(parse_pattern("wedge").edge_list(), "0-1,1-2");
  EXPECT_EQ(parse_pattern("3-star").edge_list(), "0-1,0-2,0-3");
  EXPECT_EQ(parse_pattern("4-cycle").edge_list(), "0-1,0-3,1-2,2-3");
  EXPECT_EQ(parse_pattern("house").edge_list(), "0-1,0-3,1-2,2-3,2-4,3-4");
  EXPECT_TRUE(isomorphic(parse_pattern("house"), parse_pattern("0-1,1-2,2-3,3-4,0-4,1-4")));
  EXPECT_TRUE(isomorphic(parse_pattern("diamond"), parse_pattern("0-1,1-2,2-3,0-3,0-2")));
  EXPECT_TRUE(isomorphic(parse_pattern("tailed-triangle"), parse_pattern("0-1,1-2,0-2,0-3")));
}

TEST(NamedPatterns, GraphMiniQueriesAreTheirAdjacencyMatrices) {
  EXPECT_EQ(parse_pattern("P1").adjacency_matrix(), "0111101111011110");
  EXPECT_EQ(parse_pattern("P8").adjacency_matrix(),
            "0111111101111111011111110111111101111111001111100");
  EXPECT_EQ(parse_pattern("P1"), parse_pattern("4-clique"));
  EXPECT_EQ(parse_pattern("P4"), parse_pattern("5-clique"));
}

TEST(NamedPatterns, QueriesAcceptLowerCaseButOtherNamesAreCaseSensitive) {
  const Pattern lower = parse_pattern("p3");
  EXPECT_EQ(lower, parse_pattern("P3"));
  EXPECT_EQ(lower.name(), "P3");
  expect_invalid_spec("Triangle", {"pattern 'Triangle': not a pattern name"});
  expect_invalid_spec("p9", {"pattern 'p9'"});
}

TEST(Automorphisms, StartWithTheIdentityAndMatchABruteForce) {
  for (const NamedCase& named : kNamedCases) {
    SCOPED_TRACE(named.name);
    const Pattern pattern = parse_pattern(named.name);
    const auto group = automorphisms(pattern);
    ASSERT_FALSE(group.empty());
    EXPECT_EQ(group.front(), identity(pattern.size()));
    EXPECT_EQ(group, brute_force_automorphisms(pattern));
  }
  std::mt19937 random(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Pattern pattern = random_pattern(random, 3 + trial % 5, 0.3);
    SCOPED_TRACE(pattern.edge_list());
    EXPECT_EQ(automorphisms(pattern), brute_force_automorphisms(pattern));
  }
}

TEST(Automorphisms, PreserveLabels) {
  // A 4-cycle 0-1-2-3 whose labels alternate a b a b keeps the 4 symmetries that map the
  // a-vertices {0, 2} onto themselves.
  const Pattern alternating(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {7, 8, 7, 8});
  EXPECT_EQ(automorphisms(alternating).size(), 4u);
  EXPECT_EQ(automorphisms(alternating), brute_force_automorphisms(alternating));
  const Pattern one_marked(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {1, 0, 0, 0});
  EXPECT_EQ(automorphisms(one_marked), (std::vector<std::vector<int>>{{0, 1, 2, 3}, {0, 3, 2, 1}}));
}

TEST(Automorphisms, OfThe10CliqueAreAll10Factorial) {
  std::vector<std::pair<int, int>> edges;
  for (int u = 0; u < 10; ++u) {
    for (int v = u + 1; v < 10; ++v)
      edges.emplace_back(u, v);
  }
  EXPECT_EQ(automorphisms(Pattern(10, edges)).size(), 3628800u);
}

// ---------------------------------------------------------------------------------------------
// Specs and round trips.

TEST(Specs, RoundTripThroughAdjacencyMatrixAndEdgeList) {
  for (const std::string& name : pattern_names()) {
    SCOPED_TRACE(name);
    const Pattern pattern = parse_pattern(name);
    const Pattern from_matrix = parse_pattern(pattern.adjacency_matrix());
    const Pattern from_edge_list = parse_pattern(pattern.edge_list());
    EXPECT_EQ(from_matrix, pattern);
    EXPECT_EQ(from_edge_list, pattern);
    EXPECT_EQ(from_matrix.name(), pattern.edge_list());
    EXPECT_EQ(from_edge_list.name(), pattern.edge_list());
  }
}

TEST(Specs, EdgeListsTolerateSpacesAndAnyOrder) {
  const Pattern triangle = parse_pattern(" 2-0 , 1 - 2,0-1 ");
  EXPECT_EQ(triangle, parse_pattern("triangle"));
  EXPECT_EQ(triangle.name(), "0-1,0-2,1-2");
}

TEST(Specs, AdjacencyMatrixIsRowMajor) {
  //   0---1---2      rows: 010 / 101 / 010
  const Pattern wedge = parse_pattern("010101010");
  EXPECT_EQ(wedge.edges(), (std::vector<std::pair<int, int>>{{0, 1}, {1, 2}}));
  EXPECT_EQ(wedge.degree(1), 2);
  EXPECT_EQ(wedge.neighbours(1), 0b101u);
}

TEST(Specs, BadAdjacencyMatricesAreRejected) {
  expect_invalid_spec("011101110011010", {"adjacency matrix of length 15 is not k*k"});
  expect_invalid_spec(std::string(121, '0'), {"pattern has 11 vertices; at most 10 are supported"});
  expect_invalid_spec("1", {"pattern has 1 vertex; at least 2 are needed"});
  expect_invalid_spec("011101111", {"self-loop on vertex 2"});
  expect_invalid_spec("010001010", {"matrix is not symmetric: (0,1) is 1 but (1,0) is 0"});
  //   0---1   3---4
  //    \ /
  //     2
  expect_invalid_spec("0110010100110000000100010",
                      {"pattern is not connected: vertices {3, 4} are not reachable from 0"});
}

TEST(Specs, BadEdgeListsAreRejected) {
  expect_invalid_spec("0-1,1-3", {"vertex 2 is on no edge"});
  expect_invalid_spec("0-1,1-2,2-1", {"duplicate edge '2-1' (same as '1-2')"});
  expect_invalid_spec("0-1,1-1", {"self-loop on vertex 1"});
  expect_invalid_spec("0-1,1-10", {"vertex 10 is out of range"});
  expect_invalid_spec("0-1,1-99999999999", {"vertex 99999999999 is out of range"});
  expect_invalid_spec("0-1,,1-2", {"'' is not an edge 'u-v'"});
  expect_invalid_spec("0-1-2", {"'0-1-2' is not an edge 'u-v'"});
  expect_invalid_spec("0-1,2-3", {"pattern is not connected: vertices {2, 3} are not reachable"});
}

TEST(Specs, UnknownSpecsListTheNames) {
  expect_invalid_spec("foo", {"pattern 'foo': not a pattern name, an adjacency matrix or an "
                              "edge list (names: triangle, wedge, 3-star,",
                              "P8)"});
  expect_invalid_spec("4-cyle", {"pattern '4-cyle': not a pattern name"});
  expect_invalid_spec("", {"pattern '': not a pattern name"});
}

TEST(PatternConstructor, ValidatesItsArguments) {
  expect_error<InvalidArgument>([] { Pattern(1, {}); }, {"at least 2"});
  expect_error<InvalidArgument>([] { Pattern(11, {}); }, {"pattern has 11 vertices"});
  expect_error<InvalidArgument>(
      [] {
        Pattern(3, {{0, 1}, {1, 3}});
      },
      {"edge 1-3: vertex 3 is out of range for 3 vertices"});
  expect_error<InvalidArgument>([] { Pattern(3, {{0, 1}, {2, 2}}); }, {"self-loop on vertex 2"});
  expect_error<InvalidArgument>(
      [] {
        Pattern(3, {{0, 1}});
      },
      {"pattern is not connected: vertex 2 is not reachable from 0"});
  expect_error<InvalidArgument>(
      [] {
        Pattern(3, {{0, 1}, {1, 2}}, {1, 2});
      },
      {"pattern has 3 vertices but 2 labels"});
}

TEST(PatternEquality, ComparesEdgesAndLabelsButNotNames) {
  Pattern named = parse_pattern("triangle");
  const Pattern unnamed = parse_pattern("0-1,1-2,0-2");
  EXPECT_EQ(named, unnamed);
  named.set_name("something else");
  EXPECT_EQ(named, unnamed);
  EXPECT_NE(Pattern(3, {{0, 1}, {1, 2}}), Pattern(3, {{0, 1}, {0, 2}}));
  EXPECT_NE(Pattern(3, {{0, 1}, {1, 2}}, {1, 1, 1}), Pattern(3, {{0, 1}, {1, 2}}));
  EXPECT_NE(Pattern(3, {{0, 1}, {1, 2}}, {1, 1, 1}), Pattern(3, {{0, 1}, {1, 2}}, {1, 2, 1}));
}

// ---------------------------------------------------------------------------------------------
// Pattern files.

TEST(PatternFiles, ReadEdgesCommentsAndLabels) {
  const ScratchDir scratch;
  // A labelled tailed triangle: the tail vertex 3 carries label 9.
  //    0---1
  //     \ /
  //      2---3
  const auto path = scratch.write("tailed.pattern",
                                  "# a tailed triangle\n"
                                  "0 1\n"
                                  "1 2   # the second edge\n"
                                  "\n"
                                  "2 0\n"
                                  "2\t3\n"
                                  "v 0 5\n"
                                  "v 1 5\n"
                                  "v 2 6\n"
                                  "v 3 9\n");
  const Pattern pattern = parse_pattern(path.string());
  EXPECT_EQ(pattern.size(), 4);
  EXPECT_EQ(pattern.edge_list(), "0-1,0-2,1-2,2-3");
  ASSERT_TRUE(pattern.labelled());
  EXPECT_EQ(pattern.labels(), (std::vector<Label>{5, 5, 6, 9}));
  EXPECT_EQ(automorphisms(pattern).size(), 2u);
}

TEST(PatternFiles, WithoutLabelsGiveUnlabelledPatterns) {
  const ScratchDir scratch;
  const auto path = scratch.write("square", "0 1\n1 2\n2 3\n3 0\n");
  const Pattern pattern = parse_pattern(path.string());
  EXPECT_FALSE(pattern.labelled());
  EXPECT_EQ(pattern, parse_pattern("4-cycle"));
}

TEST(PatternFiles, MalformedLinesAreParseErrorsAtTheirLine) {
  const ScratchDir scratch;
  const testing::Malformed cases[] = {
      {"three numbers", "0 1\n1 2 3\n", 2, "expected an edge 'u v' or a label line"},
      {"not a number", "0 1\n1 x\n", 2, "'x' is not a vertex number"},
      {"negative", "0 -1\n", 1, "'-1' is not a vertex number"},
      {"out of range", "0 1\n1 12\n", 2, "vertex 12 is out of range"},
      {"self-loop", "0 1\n# c\n2 2\n", 3, "self-loop on vertex 2"},
      {"duplicate", "0 1\n1 2\n1 0\n", 3, "duplicate edge 1 0 (the first is on line 1)"},
      {"short label line", "0 1\nv 0\n", 2, "a label line reads 'v ID LABEL'"},
      {"negative label", "0 1\nv 0 -3\n", 2, "label '-3' is not an unsigned 32-bit integer"},
      {"huge label", "0 1\nv 0 4294967296\n", 2, "label '4294967296' is not an unsigned"},
      {"second label", "0 1\nv 0 1\nv 1 1\nv 0 2\n", 4, "second label for vertex 0"},
      {"label off the edges", "0 1\nv 0 1\nv 1 1\nv 5 1\n", 4, "label for vertex 5"},
  };
  for (const testing::Malformed& malformed : cases) {
    SCOPED_TRACE(malformed.name);
    const auto path = scratch.write("bad.pattern", malformed.text);
    testing::expect_parse_error([&] { parse_pattern(path.string()); }, path, malformed.line,
                                {malformed.phrase});
  }
}

// A bad pattern file is bad input (a FormatError naming the file, exit code 1 at the command
// line), not a bad command line.
TEST(PatternFiles, WholeFileProblemsNameTheFile) {
  const ScratchDir scratch;
  const auto missing_label = scratch.write("a", "0 1\n1 2\nv 0 1\nv 1 1\n");
  expect_error<FormatError>(
      [&] { parse_pattern(missing_label.string()); },
      {missing_label.string() + ": ", "vertex 2 has no label", "label every vertex or none"});
  const auto gap = scratch.write("b", "0 1\n1 3\n");
  expect_error<FormatError>([&] { parse_pattern(gap.string()); }, {"vertex 2 is on no edge"});
  const auto empty = scratch.write("c", "# nothing\n");
  expect_error<FormatError>([&] { parse_pattern(empty.string()); }, {"no edges"});
  const auto split = scratch.write("d", "0 1\n2 3\n");
  expect_error<FormatError>([&] { parse_pattern(split.string()); }, {"pattern is not connected"});
}

TEST(PatternFiles, UnreadablePathsAreIoErrors) {
  const ScratchDir scratch;
  expect_error<IoError>([&] { parse_pattern(scratch.path().string()); }, {scratch.path().string()});
  expect_error<IoError>([&] { parse_pattern((scratch / "missing").string()); }, {"missing"});
}

// One rule says what is a file: a '/' in the argument, or "-". A file called "triangle" in the
// working folder never stands in for the pattern of that name.
TEST(PatternFiles, NamesWinUnlessTheArgumentHasASlash) {
  const ScratchDir scratch;
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(scratch.path());
  scratch.write("triangle", "0 1\n1 2\n");  // a path of three vertices
  scratch.write("mine", "0 1\n1 2\n");
  EXPECT_EQ(parse_pattern("triangle").num_edges(), 3);
  EXPECT_EQ(parse_pattern("./triangle").num_edges(), 2);
  // A bare name that is not a pattern says how to read the file of that name.
  expect_invalid_spec("mine", {"pattern 'mine': not a pattern name", "write ./mine"});
  std::filesystem::current_path(before);
}

TEST(PatternFiles, ReadThroughPipesAndBoundedInSize) {
  const ScratchDir scratch;
  const graphmini::testing::PipeFeeder pipe("0 1\n1 2\n2 0\n");
  EXPECT_EQ(parse_pattern(pipe.path().string()).num_edges(), 3);
  const graphmini::testing::FifoFeeder fifo(scratch / "fifo", "0 1\n1 2\n2 3\n3 0\n");
  EXPECT_EQ(parse_pattern((scratch / "fifo").string()).num_edges(), 4);
  // An endless or huge file is refused once it passes the limit, not read to the end.
  const auto big = scratch.write("big", std::string(kMaxPatternFileBytes + 1, '#'));
  expect_error<FormatError>([&] { parse_pattern(big.string()); },
                            {"a pattern file is longer than"});
  if (std::filesystem::exists("/dev/zero"))
    expect_error<FormatError>([] { parse_pattern("/dev/zero"); },
                              {"a pattern file is longer than"});
}

// ---------------------------------------------------------------------------------------------
// Canonical forms and isomorphism.

TEST(CanonicalForm, IsTheLargestAdjacencyMatrixOverAllRenumberings) {
  for (const std::string& name : pattern_names()) {
    SCOPED_TRACE(name);
    const Pattern pattern = parse_pattern(name);
    EXPECT_EQ(canonical_form(pattern).adjacency_matrix(), brute_force_canonical_matrix(pattern));
  }
  std::mt19937 random(11);
  for (int trial = 0; trial < 300; ++trial) {
    const Pattern pattern = random_pattern(random, 2 + trial % 6, 0.4);
    SCOPED_TRACE(pattern.edge_list());
    EXPECT_EQ(canonical_form(pattern).adjacency_matrix(), brute_force_canonical_matrix(pattern));
  }
}

TEST(CanonicalForm, OfALabelledPatternListsTheLabelsInOrder) {
  const Pattern pattern(4, {{0, 1}, {1, 2}, {2, 3}}, {9, 4, 4, 2});
  const Pattern canonical = canonical_form(pattern);
  EXPECT_EQ(canonical.labels(), (std::vector<Label>{2, 4, 4, 9}));
  EXPECT_EQ(canonical.adjacency_matrix(), brute_force_canonical_matrix(pattern));
  EXPECT_TRUE(isomorphic(canonical, pattern));
}

TEST(Isomorphic, HoldsForEveryRenumberedCopy) {
  std::mt19937 random(3);
  for (const std::string& name : pattern_names()) {
    SCOPED_TRACE(name);
    const Pattern pattern = parse_pattern(name);
    for (int trial = 0; trial < 5; ++trial) {
      EXPECT_TRUE(
          isomorphic(pattern, renumbered(pattern, random_permutation(random, pattern.size()))));
    }
  }
  for (int trial = 0; trial < 100; ++trial) {
    const Pattern pattern = random_pattern(random, 10, 0.3);
    const Pattern copy = renumbered(pattern, random_permutation(random, 10));
    EXPECT_TRUE(isomorphic(pattern, copy)) << pattern.edge_list() << " vs " << copy.edge_list();
  }
}

TEST(Isomorphic, DistinguishesDifferentShapes) {
  EXPECT_FALSE(isomorphic(parse_pattern("4-path"), parse_pattern("3-star")));
  EXPECT_FALSE(isomorphic(parse_pattern("4-cycle"), parse_pattern("tailed-triangle")));
  EXPECT_FALSE(isomorphic(parse_pattern("triangle"), parse_pattern("4-cycle")));
  // Both 3-regular on 6 vertices: the triangular prism and K3,3.
  const Pattern prism = parse_pattern("0-1,1-2,0-2,3-4,4-5,3-5,0-3,1-4,2-5");
  const Pattern k33 = parse_pattern("0-3,0-4,0-5,1-3,1-4,1-5,2-3,2-4,2-5");
  EXPECT_FALSE(isomorphic(prism, k33));
}

TEST(Isomorphic, IncludesLabels) {
  const Pattern wedge(3, {{0, 1}, {1, 2}}, {1, 2, 3});
  EXPECT_TRUE(isomorphic(wedge, Pattern(3, {{0, 1}, {1, 2}}, {3, 2, 1})));
  EXPECT_TRUE(isomorphic(wedge, renumbered(wedge, {2, 0, 1})));
  EXPECT_FALSE(isomorphic(wedge, Pattern(3, {{0, 1}, {1, 2}}, {2, 1, 3})));
  EXPECT_FALSE(isomorphic(wedge, Pattern(3, {{0, 1}, {1, 2}})));
}

// ---------------------------------------------------------------------------------------------
// The motif catalogue.

TEST(ConnectedPatterns, CountOneClassPerShape) {
  const std::size_t expected_counts[] = {2, 6, 21, 112};
  for (int size = 3; size <= 6; ++size) {
    SCOPED_TRACE(size);
    const std::vector<Pattern> patterns = connected_patterns(size);
    EXPECT_EQ(patterns.size(), expected_counts[size - 3]);
    std::set<std::string> canonical;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const Pattern& pattern = patterns[i];
      EXPECT_EQ(pattern.size(), size);
      EXPECT_EQ(pattern.name(), pattern.edge_list());
      EXPECT_EQ(pattern, canonical_form(pattern));
      canonical.insert(pattern.adjacency_matrix());
      for (std::size_t j = 0; j < i; ++j)
        EXPECT_FALSE(isomorphic(patterns[j], pattern));
      if (i > 0) {
        const Pattern& previous = patterns[i - 1];
        EXPECT_TRUE(previous.num_edges() < pattern.num_edges() ||
                    (previous.num_edges() == pattern.num_edges() &&
                     previous.adjacency_matrix() < pattern.adjacency_matrix()));
      }
    }
    EXPECT_EQ(canonical.size(), patterns.size());
  }
}

TEST(ConnectedPatterns, OfThreeVerticesAreTheWedgeThenTheTriangle) {
  const std::vector<Pattern> patterns = connected_patterns(3);
  ASSERT_EQ(patterns.size(), 2u);
  EXPECT_TRUE(isomorphic(patterns[0], parse_pattern("wedge")));
  EXPECT_EQ(patterns[0].adjacency_matrix(), "011100100");
  EXPECT_EQ(patterns[1], parse_pattern("triangle"));
}

TEST(ConnectedPatterns, ContainEveryNamedPatternOfTheirSize) {
  for (const std::string& name : pattern_names()) {
    const Pattern pattern = parse_pattern(name);
    if (pattern.size() > 6) continue;
    const auto catalogue = connected_patterns(pattern.size());
    EXPECT_EQ(std::count_if(catalogue.begin(), catalogue.end(),
                            [&](const Pattern& p) { return isomorphic(p, pattern); }),
              1)
        << name;
  }
}

TEST(ConnectedPatterns, RejectSizesOutside3To6) {
  expect_error<InvalidArgument>([] { connected_patterns(2); }, {"size 2 is not in 3..6"});
  expect_error<InvalidArgument>([] { connected_patterns(7); }, {"size 7 is not in 3..6"});
}

}  // namespace
}  // namespace graphmini
