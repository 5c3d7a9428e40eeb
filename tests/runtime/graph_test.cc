// Graph: construction from CSR arrays, the accessors, and validate(), which must accept every
// graph that keeps the invariants of runtime/graph.h and reject each violation with an
// InvalidGraph whose message names the offending vertex or value.
#include "runtime/graph.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using Ids = std::vector<VertexId>;

using testing::as_vector;
using testing::house;
using testing::kHouseAdjacency;
using testing::kHouseOffsets;

// The house of test_support.h oriented from the lower id to the higher:
// 0: 1 3 | 1: 2 | 2: 3 4 | 3: 4 | 4: -
const std::vector<EdgeOffset> kOrientedHouseOffsets = {0, 2, 3, 5, 6, 6};
const std::vector<VertexId> kOrientedHouseAdjacency = {1, 3, 2, 3, 4, 4};

// Constructs with full checking and returns the InvalidGraph message ("" when none thrown).
std::string rejection(std::vector<EdgeOffset> offsets, std::vector<VertexId> adjacency,
                      Orientation orientation = Orientation::undirected,
                      std::vector<Label> labels = {},
                      std::vector<std::uint64_t> original_ids = {}) {
  try {
    Graph graph(std::move(offsets), std::move(adjacency), orientation, std::move(labels),
                std::move(original_ids));
  } catch (const InvalidGraph& error) {
    return error.what();
  }
  return "";
}

// --- Valid graphs ---------------------------------------------------------------------------

TEST(Graph, HouseHasItsDrawnNeighboursAndDegrees) {
  const Graph graph = house();
  EXPECT_EQ(graph.num_vertices(), 5u);
  EXPECT_EQ(graph.num_edges(), 6u);
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  EXPECT_EQ(as_vector(graph.neighbours(0)), (Ids{1, 3}));
  EXPECT_EQ(as_vector(graph.neighbours(1)), (Ids{0, 2}));
  EXPECT_EQ(as_vector(graph.neighbours(2)), (Ids{1, 3, 4}));
  EXPECT_EQ(as_vector(graph.neighbours(3)), (Ids{0, 2, 4}));
  EXPECT_EQ(as_vector(graph.neighbours(4)), (Ids{2, 3}));
  std::vector<VertexId> degrees;
  for (const VertexId v : graph.vertices())
    degrees.push_back(graph.degree(v));
  EXPECT_EQ(degrees, (Ids{2, 2, 3, 3, 2}));
  EXPECT_EQ(graph.max_degree(), 3u);
  EXPECT_EQ(as_vector(graph.offsets()), kHouseOffsets);
  EXPECT_EQ(as_vector(graph.adjacency()), kHouseAdjacency);
}

TEST(Graph, VerticesIsTheRangeZeroToN) {
  std::vector<VertexId> seen;
  for (const VertexId v : house().vertices())
    seen.push_back(v);
  EXPECT_EQ(seen, (Ids{0, 1, 2, 3, 4}));
}

TEST(Graph, OrientedGraphCountsEachStoredArcAsAnEdge) {
  const Graph graph(kOrientedHouseOffsets, kOrientedHouseAdjacency, Orientation::oriented);
  EXPECT_EQ(graph.num_edges(), 6u);  // 6 entries, each an edge (undirected: 12 entries)
  EXPECT_EQ(graph.orientation(), Orientation::oriented);
  EXPECT_EQ(as_vector(graph.neighbours(2)), (Ids{3, 4}));
  EXPECT_TRUE(graph.neighbours(4).empty());
  EXPECT_EQ(graph.degree(0), 2u);
  EXPECT_EQ(graph.degree(4), 0u);
}

TEST(Graph, UnlabelledGraphWithoutOriginalIdsCallsVertexVByV) {
  const Graph graph = house();
  EXPECT_FALSE(graph.has_labels());
  EXPECT_FALSE(graph.has_original_ids());
  EXPECT_TRUE(graph.labels().empty());
  EXPECT_TRUE(graph.original_ids().empty());
  EXPECT_EQ(graph.original_id(3), 3u);
}

TEST(Graph, LabelsAndOriginalIdsBelongToTheirVertices) {
  const Graph graph(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {7, 7, 8, 9, 7},
                    {100, 200, 300, 400, 0xFFFFFFFFFFFFFFFFull});
  EXPECT_TRUE(graph.has_labels());
  EXPECT_TRUE(graph.has_original_ids());
  EXPECT_EQ(graph.label(2), 8u);
  EXPECT_EQ(graph.label(3), 9u);
  EXPECT_EQ(graph.original_id(0), 100u);
  EXPECT_EQ(graph.original_id(4), 0xFFFFFFFFFFFFFFFFull);
}

TEST(Graph, MemoryBytesCountsEveryArray) {
  EXPECT_EQ(house().memory_bytes(), 6 * 8 + 12 * 4);
  const Graph labelled(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {1, 1, 1, 1, 1},
                       {9, 8, 7, 6, 5});
  EXPECT_EQ(labelled.memory_bytes(), 6 * 8 + 12 * 4 + 5 * 4 + 5 * 8);
}

TEST(Graph, EmptyGraphHasNoVerticesAndNoEdges) {
  const Graph graph({0}, {}, Orientation::undirected);
  EXPECT_EQ(graph.num_vertices(), 0u);
  EXPECT_EQ(graph.num_edges(), 0u);
  EXPECT_TRUE(graph.vertices().empty());
  EXPECT_EQ(graph.memory_bytes(), 8u);
  EXPECT_EQ(graph.max_degree(), 0u);
}

// The largest degree, over more vertices than one parallel block holds.
TEST(Graph, MaxDegreeIsTheLargestDegree) {
  EXPECT_EQ(testing::star(100000).max_degree(), 100000u);
  const Graph graph({0, 0, 1, 2, 2}, {2, 1}, Orientation::undirected);
  EXPECT_EQ(graph.max_degree(), 1u);
}

TEST(Graph, IsolatedVerticesHaveEmptyLists) {
  //   0   1---2   3
  const Graph graph({0, 0, 1, 2, 2}, {2, 1}, Orientation::undirected);
  EXPECT_EQ(graph.num_vertices(), 4u);
  EXPECT_EQ(graph.num_edges(), 1u);
  EXPECT_TRUE(graph.neighbours(0).empty());
  EXPECT_TRUE(graph.neighbours(3).empty());
}

TEST(Graph, MovingKeepsEverySpanValid) {
  auto first = std::make_unique<Graph>(kHouseOffsets, kHouseAdjacency, Orientation::undirected,
                                       std::vector<Label>{1, 2, 3, 4, 5},
                                       std::vector<std::uint64_t>{10, 20, 30, 40, 50});
  const VertexId* adjacency = first->adjacency().data();
  const auto list_of_three = first->neighbours(3);

  Graph second(std::move(*first));
  first.reset();  // the moved-from object is gone; the arrays must live on in `second`
  EXPECT_EQ(second.adjacency().data(), adjacency);
  EXPECT_EQ(as_vector(list_of_three), (Ids{0, 2, 4}));
  EXPECT_EQ(as_vector(second.neighbours(2)), (Ids{1, 3, 4}));

  Graph third = house();
  third = std::move(second);
  EXPECT_EQ(third.adjacency().data(), adjacency);
  EXPECT_EQ(third.label(4), 5u);
  EXPECT_EQ(third.original_id(1), 20u);
  EXPECT_NO_THROW(third.validate());
}

TEST(Graph, ViewsStayAliveThroughTheirOwner) {
  auto offsets = std::make_shared<std::vector<EdgeOffset>>(kHouseOffsets);
  auto adjacency = std::make_shared<std::vector<VertexId>>(kHouseAdjacency);
  const GraphArrays arrays{*offsets, *adjacency, {}, {}};
  struct Owner {
    std::shared_ptr<std::vector<EdgeOffset>> offsets;
    std::shared_ptr<std::vector<VertexId>> adjacency;
  };
  auto owner = std::make_shared<const Owner>(Owner{offsets, adjacency});
  const Graph graph(arrays, Orientation::undirected, std::move(owner), Graph::Check::full);
  offsets.reset();
  adjacency.reset();
  EXPECT_EQ(as_vector(graph.neighbours(3)), (Ids{0, 2, 4}));
}

// --- Invalid graphs -------------------------------------------------------------------------

TEST(GraphValidate, RejectsAMissingOffsetsArray) {
  EXPECT_PRED_FORMAT2(::testing::IsSubstring, "no offsets array", rejection({}, {}));
}

TEST(GraphValidate, RejectsOffsetsNotStartingAtZero) {
  //   0---1 with offsets shifted by one
  EXPECT_EQ(rejection({1, 1, 2}, {1, 0}), "offsets[0] = 1, not 0");
}

TEST(GraphValidate, RejectsDecreasingOffsets) {
  // The house with offsets[3] lowered from 7 to 3: vertex 2 would have -1 neighbours.
  EXPECT_EQ(rejection({0, 2, 4, 3, 10, 12}, kHouseAdjacency),
            "offsets decrease at vertex 2: offsets[2] = 4, offsets[3] = 3");
}

TEST(GraphValidate, RejectsALastOffsetOtherThanTheAdjacencySize) {
  EXPECT_EQ(rejection({0, 2, 4, 7, 10, 11}, kHouseAdjacency),
            "offsets[|V|] = 11 but the adjacency array has 12 entries");
}

TEST(GraphValidate, RejectsAnUnsortedListAsUnsorted) {
  // The house with the list of 3 stored as 0 4 2. Vertex 2 comes first and binary-searches
  // the list of 3 for itself: the message must still be about the order of 3's list.
  auto adjacency = kHouseAdjacency;
  adjacency[8] = 4;
  adjacency[9] = 2;
  EXPECT_EQ(rejection(kHouseOffsets, adjacency),
            "neighbour list of vertex 3 is not sorted: 4 comes before 2");
}

TEST(GraphValidate, RejectsADuplicateNeighbour) {
  //   0---1---2, with 1 listing 0 twice
  EXPECT_EQ(rejection({0, 1, 4, 5}, {1, 0, 0, 2, 1}), "neighbour list of vertex 1 holds 0 twice");
}

TEST(GraphValidate, RejectsASelfLoop) {
  //   0---1   with 1 also listing itself
  EXPECT_EQ(rejection({0, 1, 3}, {1, 0, 1}), "neighbour list of vertex 1 holds a self-loop");
}

TEST(GraphValidate, RejectsAnOutOfRangeId) {
  EXPECT_EQ(rejection({0, 1, 3}, {1, 0, 7}),
            "neighbour list of vertex 1 holds out-of-range id 7 (the graph has 2 vertices)");
}

TEST(GraphValidate, RejectsAnEdgeStoredInOneDirectionOfAnUndirectedGraph) {
  // The house without 2 in the list of 4.
  EXPECT_EQ(rejection({0, 2, 4, 7, 10, 11}, {1, 3, 0, 2, 1, 3, 4, 0, 2, 4, 3}),
            "edge 2-4 is stored in one direction only in an undirected graph (2 lists 4, 4 "
            "does not list 2)");
}

TEST(GraphValidate, RejectsAnEdgeStoredInBothDirectionsOfAnOrientedGraph) {
  // The oriented house with 4 -> 3 added next to 3 -> 4.
  EXPECT_EQ(rejection({0, 2, 3, 5, 6, 7}, {1, 3, 2, 3, 4, 4, 3}, Orientation::oriented),
            "edge 3-4 is stored in both directions in an oriented graph");
}

TEST(GraphValidate, AcceptsTheUndirectedHouseOnlyAsUndirected) {
  EXPECT_EQ(rejection(kHouseOffsets, kHouseAdjacency, Orientation::oriented),
            "edge 0-1 is stored in both directions in an oriented graph");
  EXPECT_EQ(rejection(kOrientedHouseOffsets, kOrientedHouseAdjacency, Orientation::undirected),
            "edge 0-1 is stored in one direction only in an undirected graph (0 lists 1, 1 does "
            "not list 0)");
}

TEST(GraphValidate, RejectsLabelsOfTheWrongCount) {
  EXPECT_EQ(rejection(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {1, 2, 3, 4}),
            "graph has 5 vertices but 4 labels");
}

TEST(GraphValidate, RejectsOriginalIdsOfTheWrongCount) {
  EXPECT_EQ(
      rejection(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {}, {1, 2, 3, 4, 5, 6}),
      "graph has 5 vertices but 6 original ids");
}

TEST(GraphValidate, TrustedConstructionSkipsTheListChecksButNotTheShape) {
  auto adjacency = kHouseAdjacency;
  std::swap(adjacency[8], adjacency[9]);  // 3: 0 4 2
  const Graph unsorted(kHouseOffsets, adjacency, Orientation::undirected, {}, {},
                       Graph::Check::trusted);
  EXPECT_THROW(
      {
        try {
          unsorted.validate();
        } catch (const InvalidGraph& error) {
          EXPECT_PRED_FORMAT2(::testing::IsSubstring, "vertex 3 is not sorted", error.what());
          throw;
        }
      },
      InvalidGraph);
  EXPECT_THROW(Graph({0, 2, 4, 7, 10, 11}, kHouseAdjacency, Orientation::undirected, {}, {},
                     Graph::Check::trusted),
               InvalidGraph);
  EXPECT_THROW(Graph(kHouseOffsets, kHouseAdjacency, Orientation::undirected, {1}, {},
                     Graph::Check::trusted),
               InvalidGraph);
}

TEST(GraphValidate, ViewConstructorChecksLikeTheOwningOne) {
  const std::vector<EdgeOffset> offsets = {0, 1, 3};
  const std::vector<VertexId> adjacency = {1, 0, 1};  // 1 lists itself
  EXPECT_THROW(Graph(GraphArrays{offsets, adjacency, {}, {}}, Orientation::undirected, nullptr,
                     Graph::Check::full),
               InvalidGraph);
}

// A path 0-1-...-(n-1) with two faults far apart: the message names the lower vertex,
// whatever the number of threads.
TEST(GraphValidate, NamesTheLowestBadVertexWithAnyThreadCount) {
  constexpr VertexId n = 200000;
  std::vector<EdgeOffset> offsets(n + 1);
  std::vector<VertexId> adjacency;
  for (VertexId v = 0; v < n; ++v) {
    if (v > 0) adjacency.push_back(v - 1);
    if (v + 1 < n) adjacency.push_back(v + 1);
    offsets[v + 1] = adjacency.size();
  }
  // Self-loops at 150000 and 170000 (replacing their upper neighbour).
  adjacency[offsets[150000] + 1] = 150000;
  adjacency[offsets[170000] + 1] = 170000;
  for (const std::size_t threads : {std::size_t{1}, std::size_t{0}}) {
    std::unique_ptr<tbb::global_control> limit;
    if (threads > 0) {
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    threads);
    }
    EXPECT_EQ(rejection(offsets, adjacency), "neighbour list of vertex 150000 holds a self-loop")
        << "threads: " << threads;
  }
}

}  // namespace
}  // namespace graphmini
