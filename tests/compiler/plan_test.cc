// Golden tests of the plan IR's printed form: the loop nests for a few patterns in the
// identity matching order with the first candidate restriction set. A change here changes
// what every kernel does, so it must be deliberate.
#include "compiler/plan.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/restrictions.h"
#include "runtime/error.h"

namespace graphmini {
namespace {

std::string identity_order_plan(const char* spec, Induced induced) {
  const Pattern pattern = parse_pattern(spec);
  std::vector<int> order;
  for (int v = 0; v < pattern.size(); ++v)
    order.push_back(v);
  return build_plan(pattern, induced, order, candidate_restriction_sets(pattern).front()).print();
}

TEST(PlanGolden, TriangleBoundsEveryLevel) {
  EXPECT_EQ(identity_order_plan("triangle", Induced::edge),
            "pattern 0-1,0-2,1-2 (triangle), edge-induced\n"
            "restrictions (0<1) (0<2) (1<2)\n"
            "order 0 1 2\n"
            "for v0 (u0) in V\n"
            "  S0 = N(v0) > v0\n"
            "  for v1 (u1) in S0\n"
            "    count S1 = S0 & N(v1) > v0 > v1\n"
            "    for v2 (u2) in S1\n");
}

TEST(PlanGolden, FourCycleVertexInducedSubtractsAntiEdges) {
  EXPECT_EQ(identity_order_plan("4-cycle", Induced::vertex),
            "pattern 0-1,0-3,1-2,2-3 (4-cycle), vertex-induced\n"
            "restrictions (0<1) (0<2) (0<3) (1<3)\n"
            "order 0 1 2 3\n"
            "for v0 (u0) in V\n"
            "  S0 = N(v0) > v0\n"
            "  for v1 (u1) in S0\n"
            "    S1 = N(v1) - N(v0) > v0\n"
            "    S2 = S0 - N(v1) > v0 > v1\n"
            "    for v2 (u2) in S1\n"
            "      count S3 = S2 & N(v2) > v0 > v1\n"
            "      for v3 (u3) in S3\n");
}

TEST(PlanGolden, DiamondHoistsTheSharedNeighbourList) {
  EXPECT_EQ(identity_order_plan("diamond", Induced::edge),
            "pattern 0-1,0-2,1-2,1-3,2-3 (diamond), edge-induced\n"
            "restrictions (0<3) (1<2)\n"
            "order 0 1 2 3\n"
            "for v0 (u0) in V\n"
            "  for v1 (u1) in N(v0)\n"
            "    S0 = N(v0) & N(v1) > v1\n"
            "    S1 = N(v1) > v0\n"
            "    for v2 (u2) in S0\n"
            "      count S2 = S1 & N(v2) > v0\n"
            "      for v3 (u3) in S2\n");
}

TEST(PlanGolden, TailedTriangleSkipsVerticesNotExcludedByABound) {
  EXPECT_EQ(identity_order_plan("tailed-triangle", Induced::edge),
            "pattern 0-1,0-2,1-2,2-3 (tailed-triangle), edge-induced\n"
            "restrictions (0<1)\n"
            "order 0 1 2 3\n"
            "for v0 (u0) in V\n"
            "  S0 = N(v0) > v0\n"
            "  for v1 (u1) in S0\n"
            "    S1 = N(v0) & N(v1)\n"
            "    for v2 (u2) in S1\n"
            "      for v3 (u3) in N(v2), != v0, v1 (surely among them: v0, v1)\n");
  // Edge-induced, v0 and v1 are neighbours of v2 and so surely among its neighbours: the
  // count subtracts them without a test. Vertex-induced, v0 and v1 are neighbours of v2 and so
  // never among its non-neighbours.
  EXPECT_EQ(identity_order_plan("tailed-triangle", Induced::vertex),
            "pattern 0-1,0-2,1-2,2-3 (tailed-triangle), vertex-induced\n"
            "restrictions (0<1)\n"
            "order 0 1 2 3\n"
            "for v0 (u0) in V\n"
            "  S0 = N(v0) > v0\n"
            "  for v1 (u1) in S0\n"
            "    S1 = N(v0) & N(v1)\n"
            "    for v2 (u2) in S1\n"
            "      count S2 = N(v2) - N(v0) - N(v1)\n"
            "      for v3 (u3) in S2\n");
}

TEST(PlanGolden, P5CountsItsIndependentSuffixByInclusionExclusion) {
  // u3, u4, u5 are pairwise non-adjacent; u3 and u4 have the same set, so the restriction
  // u3 < u4 halves the count. S2 lies inside S1 and not v2, so every block that reads S2 is
  // S2 alone: its size is all that is needed. v2, drawn from S1, is surely in it.
  EXPECT_EQ(identity_order_plan("P5", Induced::edge),
            "pattern 0-1,0-2,0-3,0-4,0-5,1-2,1-3,1-4,1-5,2-3,2-4 (P5), edge-induced\n"
            "restrictions (0<1) (3<4)\n"
            "order 0 1 2 3 4 5\n"
            "for v0 (u0) in V\n"
            "  S0 = N(v0) > v0\n"
            "  for v1 (u1) in S0\n"
            "    S1 = N(v0) & N(v1)\n"
            "    for v2 (u2) in S1\n"
            "      count S2 = S1 & N(v2)\n"
            "      count by inclusion-exclusion (5 terms, times 1/2):\n"
            "        v3 (u3) in S2\n"
            "        v4 (u4) in S2\n"
            "        v5 (u5) in S1, != v2 (surely among them: v2)\n");
}

TEST(PlanGolden, P2CountsItsSuffixFromTheSizeOfOneSetAlone) {
  // u3 and u4 both have S2 and nothing else reads it: inclusion-exclusion needs its size only
  // (the kernel counts it without writing it out).
  EXPECT_EQ(identity_order_plan("P2", Induced::edge),
            "pattern 0-1,0-2,1-2,1-3,1-4,2-3,2-4 (P2), edge-induced\n"
            "restrictions (0<3) (0<4) (1<2) (3<4)\n"
            "order 0 1 2 3 4\n"
            "for v0 (u0) in V\n"
            "  for v1 (u1) in N(v0)\n"
            "    S0 = N(v0) & N(v1) > v1\n"
            "    S1 = N(v1) > v0\n"
            "    for v2 (u2) in S0\n"
            "      count S2 = S1 & N(v2) > v0\n"
            "      count by inclusion-exclusion (2 terms, times 1/2):\n"
            "        v3 (u3) in S2\n"
            "        v4 (u4) in S2\n");
}

TEST(PlanGolden, StarLeavesAreCountedNotEnumerated) {
  EXPECT_EQ(identity_order_plan("0-1,0-2,0-3,0-4", Induced::edge),
            "pattern 0-1,0-2,0-3,0-4 (0-1,0-2,0-3,0-4), edge-induced\n"
            "restrictions (1<2) (1<3) (1<4) (2<3) (2<4) (3<4)\n"
            "order 0 1 2 3 4\n"
            "for v0 (u0) in V\n"
            "  count by inclusion-exclusion (15 terms, times 1/24):\n"
            "    v1 (u1) in N(v0)\n"
            "    v2 (u2) in N(v0)\n"
            "    v3 (u3) in N(v0)\n"
            "    v4 (u4) in N(v0)\n");
}

// An earlier vertex that a level must skip is surely among its candidates when the pattern
// makes it a neighbour of every list they intersect, a non-neighbour of every list they
// subtract (vertex-induced; never itself), and the restrictions put it inside their bounds,
// directly or by transitivity. Counting then subtracts it without a membership test.
TEST(Plan, AmongListsTheSkippedVerticesSurelyInTheCandidates) {
  const Pattern path = parse_pattern("4-path");  // 0-1, 1-2, 2-3
  const RestrictionSet reversal = {{0, 3}};
  const Plan edge = build_plan(path, Induced::edge, {0, 1, 2, 3}, reversal);
  EXPECT_EQ(edge.levels[2].distinct_from, (std::vector<int>{0}));
  EXPECT_EQ(edge.levels[2].among, (std::vector<int>{0}));  // u0 is u1's neighbour
  // u3's candidates are N(v2) > v0: u1 is u2's neighbour, but nothing puts it above u0.
  EXPECT_EQ(edge.levels[3].distinct_from, (std::vector<int>{1}));
  EXPECT_TRUE(edge.levels[3].among.empty());
  // Vertex-induced, u2's candidates are N(v1) - N(v0), which holds v0 (no vertex is its own
  // neighbour).
  const Plan vertex = build_plan(path, Induced::vertex, {0, 1, 2, 3}, reversal);
  EXPECT_EQ(vertex.levels[2].among, (std::vector<int>{0}));

  // P6 in the order u0 u1 u3 u4 u5 u2 with u0 < u2, u4 < u3, u4 < u5: u5's candidates are
  // N(v1) > v3 (u4's match); u3 is u1's neighbour and above u4, u0 is u1's neighbour but not
  // above u4.
  const Plan p6 =
      build_plan(parse_pattern("P6"), Induced::edge, {0, 1, 3, 4, 5, 2}, {{0, 2}, {4, 3}, {4, 5}});
  EXPECT_EQ(p6.levels[4].distinct_from, (std::vector<int>{0, 2}));
  EXPECT_EQ(p6.levels[4].among, (std::vector<int>{2}));
  // And the inclusion-exclusion blocks of P6's own plan subtract each of theirs untested.
  const Plan counted = build_plan(parse_pattern("P6"), Induced::edge, {0, 1, 2, 3, 4, 5},
                                  candidate_restriction_sets(parse_pattern("P6")).front());
  ASSERT_TRUE(counted.inclusion_exclusion);
  int untested = 0;
  for (std::size_t mask = 1; mask < counted.inclusion_exclusion->blocks.size(); ++mask) {
    const InclusionExclusion::Block& block = counted.inclusion_exclusion->blocks[mask];
    for (const int l : block.among)
      EXPECT_TRUE(has_level(block.distinct_from, l));
    untested += static_cast<int>(block.among.size());
  }
  EXPECT_GT(untested, 0);
}

TEST(Plan, InclusionExclusionOnlyForEdgeInducedCounting) {
  const Pattern p5 = parse_pattern("P5");
  const RestrictionSet restrictions = candidate_restriction_sets(p5).front();
  const std::vector<int> order = {0, 1, 2, 3, 4, 5};
  EXPECT_TRUE(build_plan(p5, Induced::edge, order, restrictions).inclusion_exclusion);
  EXPECT_FALSE(
      build_plan(p5, Induced::edge, order, restrictions, PlanUse::list).inclusion_exclusion);
  EXPECT_FALSE(build_plan(p5, Induced::vertex, order, restrictions).inclusion_exclusion);
  // Labels filter the candidate sets, which the formula does not model.
  const Pattern labelled(p5.size(), p5.edges(), {0, 0, 0, 1, 1, 1});
  EXPECT_FALSE(build_plan(labelled, Induced::edge, order, {}).inclusion_exclusion);
}

TEST(Plan, RestrictionSetsOfTheTriangleAreTheSixTotalOrders) {
  const auto sets = candidate_restriction_sets(parse_pattern("triangle"));
  EXPECT_EQ(sets.size(), 6u);
  for (const RestrictionSet& set : sets) {
    EXPECT_EQ(set.size(), 3u);
    EXPECT_TRUE(breaks_symmetry_exactly(set, automorphisms(parse_pattern("triangle"))));
  }
}

// What candidate_restriction_sets relies on without checking it (the orbit-stabiliser
// argument), checked here for every connected pattern of up to 6 vertices and GraphMini's
// queries (P8: 7 vertices).
TEST(Plan, EveryCandidateRestrictionSetBreaksSymmetryExactly) {
  std::vector<Pattern> patterns;
  for (int size = 3; size <= 6; ++size) {
    for (Pattern& pattern : connected_patterns(size))
      patterns.push_back(std::move(pattern));
  }
  for (const char* name : {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"})
    patterns.push_back(parse_pattern(name));
  std::size_t checked = 0;
  for (const Pattern& pattern : patterns) {
    const auto group = automorphisms(pattern);
    for (const RestrictionSet& set : candidate_restriction_sets(pattern)) {
      ASSERT_TRUE(breaks_symmetry_exactly(set, group))
          << pattern.edge_list() << " " << to_string(set);
      ++checked;
    }
  }
  EXPECT_GT(checked, patterns.size());
}

TEST(Plan, IncompleteOrRedundantRestrictionsAreRejectedByTheCheck) {
  const auto group = automorphisms(parse_pattern("4-cycle"));
  EXPECT_FALSE(breaks_symmetry_exactly({{0, 1}}, group));  // too few
  EXPECT_FALSE(
      breaks_symmetry_exactly({{0, 1}, {0, 2}, {0, 3}, {1, 3}, {1, 2}}, group));  // too many
  EXPECT_TRUE(breaks_symmetry_exactly({{0, 1}, {0, 2}, {0, 3}, {1, 3}}, group));
}

TEST(Plan, OrdersMustBeConnectedPermutations) {
  const Pattern path = parse_pattern("4-path");  // 0-1-2-3
  EXPECT_THROW(build_plan(path, Induced::edge, {0, 2, 1, 3}, {}), InvalidArgument);
  EXPECT_THROW(build_plan(path, Induced::edge, {0, 1, 1, 3}, {}), InvalidArgument);
  EXPECT_THROW(build_plan(path, Induced::edge, {0, 1, 2}, {}), InvalidArgument);
  EXPECT_NO_THROW(build_plan(path, Induced::edge, {1, 2, 0, 3}, {}));
}

TEST(Plan, InducedParsesItsTwoNames) {
  EXPECT_EQ(parse_induced("edge"), Induced::edge);
  EXPECT_EQ(parse_induced("vertex"), Induced::vertex);
  EXPECT_THROW(parse_induced("edges"), InvalidArgument);
}

}  // namespace
}  // namespace graphmini
