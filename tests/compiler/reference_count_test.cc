// brute_force_count and vf2_count, the two verification oracles: drawn graphs with counts
// derived by hand (the reasoning in the comments), a property test of one oracle against the
// other on random graphs, labelled and unlabelled, and an identity between the two semantics
// that neither oracle is built on.
#include "compiler/reference_count.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "compiler/pattern.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"
#include "support/pattern_graph.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

constexpr Label A = 0;
constexpr Label B = 1;

using testing::graph_of;
using testing::random_graph;

Graph graph_of(VertexId n, const std::vector<std::pair<VertexId, VertexId>>& edges,
               std::vector<Label> labels = {}) {
  return testing::graph_from_edges(n, edges, std::move(labels));
}

Graph complete_graph(VertexId n) {
  std::vector<std::pair<VertexId, VertexId>> edges;
  for (VertexId u = 0; u < n; ++u) {
    for (VertexId v = u + 1; v < n; ++v)
      edges.emplace_back(u, v);
  }
  return graph_of(n, edges);
}

// Checks both oracles in both semantics.
void expect_counts(const Graph& graph, const Pattern& pattern, std::uint64_t edge_induced,
                   std::uint64_t vertex_induced) {
  SCOPED_TRACE("pattern " + pattern.name());
  EXPECT_EQ(brute_force_count(graph, pattern, Induced::edge), edge_induced) << "brute force";
  EXPECT_EQ(vf2_count(graph, pattern, Induced::edge), edge_induced) << "VF2";
  EXPECT_EQ(brute_force_count(graph, pattern, Induced::vertex), vertex_induced) << "brute force";
  EXPECT_EQ(vf2_count(graph, pattern, Induced::vertex), vertex_induced) << "VF2";
}

void expect_counts(const Graph& graph, const std::string& spec, std::uint64_t edge_induced,
                   std::uint64_t vertex_induced) {
  expect_counts(graph, parse_pattern(spec), edge_induced, vertex_induced);
}

// --- drawn graphs ---------------------------------------------------------------------------

// A triangle in a triangle: 3! = 6 injective maps, |Aut| = 6, one subgraph. This also pins
// that Boost's VF2 reports each map of an undirected pattern once, not once per direction.
TEST(ReferenceCount, TriangleInTriangle) {
  expect_counts(complete_graph(3), "triangle", 1, 1);
}

// K4: every bijection of 4 pattern vertices onto K4 is a homomorphism for any 4-vertex
// pattern, so the edge-induced count is 4! / |Aut(P)|; no 4-vertex pattern but the clique is
// an induced subgraph of K4, and every 3-set induces a triangle.
//   triangle        C(4,3) = 4 vertex sets, each a triangle: 4 / 4
//   wedge           centre (4) x pair of its 3 other vertices (3) = 12 / 0
//   4-path          24 / |Aut| 2 = 12 (the Hamiltonian paths of K4) / 0
//   3-star          24 / 6 = 4 (one per centre) / 0
//   4-cycle         24 / 8 = 3 (the Hamiltonian cycles of K4) / 0
//   tailed-triangle 24 / 2 = 12 (4 triangles x 3 vertices to hang the tail on) / 0
//   diamond         24 / 4 = 6 (one per missing edge) / 0
//   4-clique        24 / 24 = 1 / 1
TEST(ReferenceCount, CompleteGraphOnFourVertices) {
  const Graph k4 = complete_graph(4);
  expect_counts(k4, "triangle", 4, 4);
  expect_counts(k4, "wedge", 12, 0);
  expect_counts(k4, "4-path", 12, 0);
  expect_counts(k4, "3-star", 4, 0);
  expect_counts(k4, "4-cycle", 3, 0);
  expect_counts(k4, "tailed-triangle", 12, 0);
  expect_counts(k4, "diamond", 6, 0);
  expect_counts(k4, "4-clique", 1, 1);
  expect_counts(k4, "5-cycle", 0, 0);  // more pattern vertices than graph vertices
}

// K5: C(5,4) = 5 vertex sets, each a K4 with 3 Hamiltonian 4-cycles: 15 edge-induced 4-cycles,
// none induced. 5-cycles: the Hamiltonian cycles of K5, 4!/2 = 12. The house: 5! / |Aut| 2
// = 60. Triangles C(5,3) = 10 in both semantics; one 5-clique.
TEST(ReferenceCount, CompleteGraphOnFiveVertices) {
  const Graph k5 = complete_graph(5);
  expect_counts(k5, "4-cycle", 15, 0);
  expect_counts(k5, "triangle", 10, 10);
  expect_counts(k5, "4-clique", 5, 5);
  expect_counts(k5, "5-cycle", 12, 0);
  expect_counts(k5, "house", 60, 0);
  expect_counts(k5, "5-clique", 1, 1);
}

//   0---1
//   |   |
//   3---2
// The one 4-set induces the cycle itself; each vertex is the centre of one wedge and no 3-set
// closes a triangle; dropping any of the 4 edges leaves a 4-path, but none is induced.
TEST(ReferenceCount, FourCycle) {
  const Graph cycle = graph_of(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}});
  expect_counts(cycle, "4-cycle", 1, 1);
  expect_counts(cycle, "triangle", 0, 0);
  expect_counts(cycle, "wedge", 4, 4);
  expect_counts(cycle, "4-path", 4, 0);
  expect_counts(cycle, "3-star", 0, 0);
  expect_counts(cycle, "diamond", 0, 0);
}

//      0---1
//      |   |
//      3---2
//       \ /
//        4
// Degrees 2, 2, 3, 3, 2. The five 4-sets induce:
//   {0,1,2,3} the square (4-cycle)        {0,1,2,4} path 0-1-2-4
//   {0,1,3,4} path 1-0-3-4                {0,2,3,4} triangle 234 + tail 3-0
//   {1,2,3,4} triangle 234 + tail 2-1
//   triangle         only {2,3,4}: 1 / 1
//   wedge            sum of C(deg,2) = 1+1+3+3+1 = 9; minus the 3 inside the triangle: 6
//   3-star           C(3,3) at 2 and at 3 = 2; neither 4-set is an induced star: 0
//   4-path           the square holds 4, each tailed triangle 2 (tail-end, then either way
//                    round), each induced path 1: 4+2+2+1+1 = 10 / 2
//   4-cycle          the square: 1 / 1
//   tailed-triangle  triangle 234 with tail 3-0 or 2-1: 2 / 2
//   diamond          no 4-set has 5 edges: 0 / 0
//   5-cycle          0-1-2-4-3-0: 1; the 5-set induces the house: 0
//   house            1 / 1
TEST(ReferenceCount, House) {
  const Graph house = graph_of(5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {3, 4}, {2, 4}});
  expect_counts(house, "triangle", 1, 1);
  expect_counts(house, "wedge", 9, 6);
  expect_counts(house, "3-star", 2, 0);
  expect_counts(house, "4-path", 10, 2);
  expect_counts(house, "4-cycle", 1, 1);
  expect_counts(house, "tailed-triangle", 2, 2);
  expect_counts(house, "diamond", 0, 0);
  expect_counts(house, "5-cycle", 1, 0);
  expect_counts(house, "house", 1, 1);
}

//        1
//        |
//    5---0---2
//       / \    (centre 0,
//      4   3    leaves 1..5)
// Five leaves: any 2 of them with the centre induce a wedge (C(5,2) = 10), any 3 a 3-star
// (C(5,3) = 10); no two leaves are adjacent, so nothing longer or closed.
TEST(ReferenceCount, Star) {
  const Graph star = graph_of(6, {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}});
  expect_counts(star, "wedge", 10, 10);
  expect_counts(star, "3-star", 10, 10);
  expect_counts(star, "triangle", 0, 0);
  expect_counts(star, "4-path", 0, 0);
  expect_counts(star, "4-cycle", 0, 0);
}

TEST(ReferenceCount, GraphWithoutEdgesOrVertices) {
  expect_counts(graph_of(0, {}), "triangle", 0, 0);
  expect_counts(graph_of(6, {}), "wedge", 0, 0);
}

// A bow tie, labels A and B:
//   0(A)       3(A)
//   |  \      /  |
//   |   2(A)     |
//   |  /      \  |
//   1(B)       4(B)
//   triangle A,A,B    {0,1,2} and {2,3,4}: 2 / 2; A,A,A and A,B,B: none
//   wedge A-B-A       centred on 1 (ends 0, 2) and on 4 (ends 2, 3): 2; both closed: 0
//   wedge A-A-A       centred on 2 with ends 0 and 3 (not adjacent): 1 / 1
//   edge B-B          1 and 4 are not adjacent: 0
//   edge A-B          0-1, 1-2, 2-4 and 3-4: 4 / 4
TEST(ReferenceCount, LabelledBowTie) {
  const Graph bow_tie =
      graph_of(5, {{0, 1}, {0, 2}, {1, 2}, {2, 3}, {2, 4}, {3, 4}}, {A, B, A, A, B});
  const std::vector<std::pair<int, int>> triangle = {{0, 1}, {1, 2}, {0, 2}};
  const std::vector<std::pair<int, int>> wedge = {{0, 1}, {1, 2}};
  expect_counts(bow_tie, Pattern(3, triangle, {A, A, B}), 2, 2);
  expect_counts(bow_tie, Pattern(3, triangle, {B, A, A}), 2, 2);
  expect_counts(bow_tie, Pattern(3, triangle, {A, A, A}), 0, 0);
  expect_counts(bow_tie, Pattern(3, triangle, {A, B, B}), 0, 0);
  expect_counts(bow_tie, Pattern(3, wedge, {A, B, A}), 2, 0);
  expect_counts(bow_tie, Pattern(3, wedge, {A, A, A}), 1, 1);
  expect_counts(bow_tie, Pattern(2, {{0, 1}}, {B, B}), 0, 0);
  expect_counts(bow_tie, Pattern(2, {{0, 1}}, {A, B}), 4, 4);
  expect_counts(bow_tie, Pattern(3, triangle, {A, A, 7}), 0, 0);  // a label the graph lacks
  // An unlabelled pattern ignores the graph's labels.
  expect_counts(bow_tie, "triangle", 2, 2);
  // Wedges: C(2,2) at 0, 1, 3 and 4 and C(4,2) = 6 at 2, 10 in all; 3 lie in each triangle.
  expect_counts(bow_tie, "wedge", 10, 4);
}

TEST(ReferenceCount, LabelledPatternNeedsALabelledGraph) {
  const Graph unlabelled = complete_graph(3);
  const Pattern labelled(3, {{0, 1}, {1, 2}, {0, 2}}, {A, A, B});
  for (const Induced induced : {Induced::edge, Induced::vertex}) {
    EXPECT_THROW(brute_force_count(unlabelled, labelled, induced), InvalidArgument);
    EXPECT_THROW(vf2_count(unlabelled, labelled, induced), InvalidArgument);
  }
  try {
    brute_force_count(unlabelled, labelled, Induced::edge);
  } catch (const InvalidArgument& error) {
    EXPECT_STREQ(error.what(), "pattern has labels but the graph has none");
  }
}

// An oriented graph stores each edge once; both oracles must still see every edge.
TEST(ReferenceCount, OrientedGraphCountsLikeItsUndirectedGraph) {
  const Graph house = graph_of(5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {3, 4}, {2, 4}});
  const Graph oriented = orient_by_degree(house);
  for (const char* name : {"wedge", "4-path", "tailed-triangle", "house", "5-cycle"}) {
    SCOPED_TRACE(name);
    const Pattern pattern = parse_pattern(name);
    for (const Induced induced : {Induced::edge, Induced::vertex}) {
      EXPECT_EQ(brute_force_count(oriented, pattern, induced),
                brute_force_count(house, pattern, induced));
      EXPECT_EQ(vf2_count(oriented, pattern, induced), brute_force_count(house, pattern, induced));
    }
  }
}

// --- random graphs --------------------------------------------------------------------------

// A vertex count for a random graph of density p: 6 .. 14, but at most 10 for dense graphs,
// where the partial maps both oracles explore grow like n^k p^|E(P)| and would dominate the
// test's run time (several times over in the sanitizer build) without finding more.
VertexId random_size(std::mt19937_64& random, double p) {
  return std::uniform_int_distribution<VertexId>(6, p > 0.6 ? 10 : 14)(random);
}

const std::vector<std::string> kRandomTestPatterns = {
    "triangle", "wedge",    "3-star",  "4-path", "4-cycle",  "tailed-triangle",
    "diamond",  "4-clique", "5-cycle", "house",  "5-clique", "P2"};

TEST(ReferenceCountProperty, BruteForceAgreesWithVf2OnRandomGraphs) {
  std::mt19937_64 random(20240601);
  std::uniform_real_distribution<double> density(0.1, 0.9);
  std::vector<Pattern> patterns;
  for (const std::string& name : kRandomTestPatterns)
    patterns.push_back(parse_pattern(name));
  std::uint64_t nonzero = 0;
  for (int round = 0; round < 200; ++round) {
    const double p = density(random);
    const VertexId n = random_size(random, p);
    const Graph graph = random_graph(random, n, p, 0);
    for (const Pattern& pattern : patterns) {
      for (const Induced induced : {Induced::edge, Induced::vertex}) {
        const std::uint64_t expected = brute_force_count(graph, pattern, induced);
        ASSERT_EQ(vf2_count(graph, pattern, induced), expected)
            << "round " << round << ", n = " << n << ", p = " << p << ", pattern " << pattern.name()
            << (induced == Induced::edge ? ", edge" : ", vertex") << "-induced";
        nonzero += expected > 0 ? 1 : 0;
      }
    }
  }
  // Guards against a generator that makes the comparison vacuous.
  EXPECT_GT(nonzero, 200u * patterns.size());
}

TEST(ReferenceCountProperty, BruteForceAgreesWithVf2OnRandomLabelledGraphs) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> density(0.2, 0.9);
  std::uniform_int_distribution<Label> label_count(1, 3);
  std::uint64_t nonzero = 0;
  for (int round = 0; round < 200; ++round) {
    const Label labels = label_count(random);
    const double p = density(random);
    const Graph graph = random_graph(random, random_size(random, p), p, labels);
    std::uniform_int_distribution<Label> label(0, labels - 1);
    for (const std::string& name : kRandomTestPatterns) {
      const Pattern shape = parse_pattern(name);
      std::vector<Label> pattern_labels;
      for (int v = 0; v < shape.size(); ++v)
        pattern_labels.push_back(label(random));
      const Pattern pattern(shape.size(), shape.edges(), pattern_labels);
      for (const Induced induced : {Induced::edge, Induced::vertex}) {
        const std::uint64_t expected = brute_force_count(graph, pattern, induced);
        ASSERT_EQ(vf2_count(graph, pattern, induced), expected)
            << "round " << round << ", pattern " << name << " labelled "
            << ::testing::PrintToString(pattern_labels)
            << (induced == Induced::edge ? ", edge" : ", vertex") << "-induced";
        nonzero += expected > 0 ? 1 : 0;
      }
    }
  }
  EXPECT_GT(nonzero, 200u * kRandomTestPatterns.size() / 2);
}

// Every edge-induced copy of a k-vertex pattern P spans k vertices, whose induced subgraph Q
// contains P as a spanning subgraph; so
//   edge_count(P, G) = sum over k-vertex patterns Q of vertex_count(Q, G) * edge_count(P, Q),
// where edge_count(P, Q) counts the copies of P on all of Q's vertices. Q ranges over the
// connected patterns only because a graph containing a connected spanning subgraph is
// connected.
TEST(ReferenceCountProperty, EdgeInducedCountsAreSumsOfVertexInducedCounts) {
  const std::vector<std::vector<std::string>> families = {
      {"wedge", "triangle"},
      {"4-path", "3-star", "4-cycle", "tailed-triangle", "diamond", "4-clique"}};
  std::mt19937_64 random(99);
  std::uniform_int_distribution<VertexId> size(6, 12);
  std::uniform_real_distribution<double> density(0.2, 0.8);
  for (int round = 0; round < 20; ++round) {
    const Graph graph = random_graph(random, size(random), density(random), 0);
    for (const auto& family : families) {
      for (const std::string& p_name : family) {
        const Pattern p = parse_pattern(p_name);
        std::uint64_t sum = 0;
        for (const std::string& q_name : family) {
          const Pattern q = parse_pattern(q_name);
          sum += vf2_count(graph, q, Induced::vertex) *
                 brute_force_count(graph_of(q), p, Induced::edge);
        }
        EXPECT_EQ(brute_force_count(graph, p, Induced::edge), sum)
            << "round " << round << ", pattern " << p_name;
      }
    }
  }
}

}  // namespace
}  // namespace graphmini
