// build_graph, compact_vertex_ids, relabel_by_degree and orient_by_degree: drawn examples with
// exact expected lists, a property test of build_graph against a brute-force reference (a
// std::set of canonical pairs), and thread-count independence, including a hub vertex whose
// list is long enough for the nested parallel sort.
#include "runtime/graph_builder.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

using Ids = std::vector<VertexId>;
using testing::as_vector;

constexpr std::uint64_t kMaxOriginalId = 0xFFFFFFFFFFFFFFFFull;

std::vector<Ids> lists_of(const Graph& graph) {
  std::vector<Ids> lists;
  for (const VertexId v : graph.vertices())
    lists.push_back(as_vector(graph.neighbours(v)));
  return lists;
}

EdgeList edge_list(std::uint64_t n, std::vector<Edge> edges, std::vector<Label> labels = {},
                   std::vector<std::uint64_t> original_ids = {}) {
  return EdgeList{n, std::move(edges), std::move(labels), std::move(original_ids)};
}

// Runs `body` with oneTBB limited to `threads` threads (0: no limit).
template <typename Body>
auto with_threads(std::size_t threads, const Body& body) {
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0) {
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  threads);
  }
  return body();
}

void expect_identical(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.orientation(), b.orientation());
  EXPECT_EQ(as_vector(a.offsets()), as_vector(b.offsets()));
  EXPECT_EQ(as_vector(a.adjacency()), as_vector(b.adjacency()));
  EXPECT_EQ(as_vector(a.labels()), as_vector(b.labels()));
  EXPECT_EQ(as_vector(a.original_ids()), as_vector(b.original_ids()));
}

// --- build_graph: drawn examples ------------------------------------------------------------

// The house again (see graph_test.cc), given as a messy directed edge list: both directions of
// some edges, one edge three times, a self-loop at 3.
//
//      0---1
//      |   |
//      3---2
//       \ /
//        4
TEST(BuildGraph, SymmetrisesAndDropsSelfLoopsAndDuplicates) {
  const Graph graph = build_graph(edge_list(
      5, {{1, 0}, {0, 1}, {2, 1}, {3, 2}, {3, 3}, {0, 3}, {4, 2}, {3, 4}, {4, 3}, {4, 3}}));
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  EXPECT_EQ(graph.num_vertices(), 5u);
  EXPECT_EQ(graph.num_edges(), 6u);
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{1, 3}, {0, 2}, {1, 3, 4}, {0, 2, 4}, {2, 3}}));
  EXPECT_FALSE(graph.has_original_ids());  // nothing was renumbered
  EXPECT_FALSE(graph.has_labels());
  EXPECT_NO_THROW(graph.validate());
}

// Input ids 0..6; 1, 3 and 6 form a triangle, 4 has only a self-loop, 0, 2 and 5 nothing.
//
//   0    1----3    2    4(loop)    5
//         \  /
//          6
TEST(BuildGraph, DropsIsolatedVerticesAndKeepsTheirOriginalIds) {
  const Graph graph = build_graph(edge_list(7, {{1, 3}, {3, 6}, {6, 1}, {4, 4}}));
  EXPECT_EQ(graph.num_vertices(), 3u);
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{1, 2}, {0, 2}, {0, 1}}));
  EXPECT_EQ(as_vector(graph.original_ids()), (std::vector<std::uint64_t>{1, 3, 6}));
}

TEST(BuildGraph, RenumberingCarriesLabelsAndComposesWithInputOriginalIds) {
  const Graph graph =
      build_graph(edge_list(7, {{1, 3}, {3, 6}, {6, 1}, {4, 4}}, {10, 11, 12, 13, 14, 15, 16},
                            {100, 101, 102, 103, 104, 105, kMaxOriginalId}));
  EXPECT_EQ(as_vector(graph.labels()), (std::vector<Label>{11, 13, 16}));
  EXPECT_EQ(as_vector(graph.original_ids()),
            (std::vector<std::uint64_t>{101, 103, kMaxOriginalId}));
}

TEST(BuildGraph, KeepIsolatedVerticesKeepsEveryIdAsItWas) {
  const Graph graph =
      build_graph(edge_list(7, {{1, 3}, {3, 6}, {6, 1}, {4, 4}}, {10, 11, 12, 13, 14, 15, 16}),
                  {.keep_isolated_vertices = true});
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{}, {3, 6}, {}, {1, 6}, {}, {}, {1, 3}}));
  EXPECT_FALSE(graph.has_original_ids());
  EXPECT_EQ(as_vector(graph.labels()), (std::vector<Label>{10, 11, 12, 13, 14, 15, 16}));
}

TEST(BuildGraph, KeepsInputOriginalIdsWhenNothingIsDropped) {
  const Graph graph = build_graph(edge_list(2, {{0, 1}}, {}, {42, 7}));
  EXPECT_EQ(as_vector(graph.original_ids()), (std::vector<std::uint64_t>{42, 7}));
}

TEST(BuildGraph, EmptyInputsGiveEmptyGraphs) {
  EXPECT_EQ(build_graph(edge_list(0, {})).num_vertices(), 0u);
  const Graph loops_only = build_graph(edge_list(3, {{0, 0}, {2, 2}}));
  EXPECT_EQ(loops_only.num_vertices(), 0u);
  EXPECT_EQ(loops_only.num_edges(), 0u);
  const Graph kept = build_graph(edge_list(3, {{0, 0}}), {.keep_isolated_vertices = true});
  EXPECT_EQ(kept.num_vertices(), 3u);
  EXPECT_EQ(kept.num_edges(), 0u);
}

std::string invalid_argument(EdgeList list) {
  try {
    build_graph(std::move(list));
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "";
}

TEST(BuildGraph, RejectsOutOfRangeIdsNamingTheFirstBadEdge) {
  EXPECT_EQ(invalid_argument(edge_list(7, {{0, 1}, {2, 3}, {0, 7}, {9, 1}})),
            "edge 2 (0, 7) names a vertex >= 7");
  EXPECT_EQ(invalid_argument(edge_list(3, {{3, 0}})), "edge 0 (3, 0) names a vertex >= 3");
}

TEST(BuildGraph, RejectsLabelOrOriginalIdCountsThatDoNotMatch) {
  EXPECT_EQ(invalid_argument(edge_list(7, {{0, 1}}, {1, 2, 3})),
            "edge list has 7 vertices but 3 labels");
  EXPECT_EQ(invalid_argument(edge_list(2, {{0, 1}}, {}, {5, 6, 7})),
            "edge list has 2 vertices but 3 original ids");
}

TEST(BuildGraph, RejectsMoreVerticesThanIdsCanName) {
  EXPECT_EQ(invalid_argument(edge_list(kMaxVertices + 1, {})),
            "edge list has 4294967295 vertices; at most 4294967294 are supported");
}

// --- build_graph: property test against a brute-force reference ---------------------------

struct Reference {
  std::vector<Ids> lists;
  std::vector<std::uint64_t> original_ids;  // empty when nothing was renumbered
  std::vector<Label> labels;
};

// The simple graph of `input` computed the obvious way: canonical pairs in a std::set.
Reference reference_build(const EdgeList& input, bool keep_isolated) {
  std::set<std::pair<VertexId, VertexId>> pairs;
  for (const auto& [s, t] : input.edges) {
    if (s != t) pairs.insert({std::min(s, t), std::max(s, t)});
  }
  std::vector<bool> touched(input.num_vertices, keep_isolated);
  for (const auto& [u, v] : pairs)
    touched[u] = touched[v] = true;
  std::map<VertexId, VertexId> new_id;
  for (VertexId v = 0; v < input.num_vertices; ++v) {
    if (touched[v]) new_id.emplace(v, static_cast<VertexId>(new_id.size()));
  }
  Reference reference;
  reference.lists.resize(new_id.size());
  for (const auto& [u, v] : pairs) {
    reference.lists[new_id[u]].push_back(new_id[v]);
    reference.lists[new_id[v]].push_back(new_id[u]);
  }
  for (auto& list : reference.lists)
    std::sort(list.begin(), list.end());
  const bool renumbered = new_id.size() != input.num_vertices;
  for (const auto& [old, renamed] : new_id) {
    if (renumbered) {
      reference.original_ids.push_back(input.original_ids.empty() ? old : input.original_ids[old]);
    }
    if (!input.labels.empty()) reference.labels.push_back(input.labels[old]);
  }
  if (!renumbered) reference.original_ids = input.original_ids;
  return reference;
}

// A random edge list: random size, ids drawn from a small pool (so duplicates are common),
// some self-loops, some vertices never named, sometimes labels and original ids.
EdgeList random_edge_list(std::mt19937_64& random) {
  const auto draw = [&](std::uint64_t bound) {
    return static_cast<VertexId>(std::uniform_int_distribution<std::uint64_t>(0, bound)(random));
  };
  EdgeList list;
  list.num_vertices = draw(60);
  if (list.num_vertices > 0) {
    const VertexId pool = draw(list.num_vertices - 1);  // ids used: [0, pool]
    const std::size_t count = draw(4 * list.num_vertices);
    for (std::size_t i = 0; i < count; ++i) {
      const VertexId s = draw(pool);
      list.edges.push_back({s, draw(10) == 0 ? s : draw(pool)});
      if (draw(4) == 0) list.edges.push_back(list.edges.back());  // an exact repeat
    }
    std::shuffle(list.edges.begin(), list.edges.end(), random);
  }
  if (draw(1) == 0) {
    for (std::uint64_t v = 0; v < list.num_vertices; ++v)
      list.labels.push_back(draw(3));
  }
  if (draw(1) == 0) {
    for (std::uint64_t v = 0; v < list.num_vertices; ++v)
      list.original_ids.push_back(1000 * v + draw(999));
  }
  return list;
}

TEST(BuildGraph, MatchesTheBruteForceReferenceOnRandomEdgeLists) {
  std::mt19937_64 random(20240601);
  for (int round = 0; round < 400; ++round) {
    const EdgeList input = random_edge_list(random);
    const bool keep_isolated = round % 3 == 0;
    const Reference expected = reference_build(input, keep_isolated);
    EdgeList copy = input;
    const Graph graph = build_graph(std::move(copy), {.keep_isolated_vertices = keep_isolated});
    SCOPED_TRACE("round " + std::to_string(round) + ": " + std::to_string(input.num_vertices) +
                 " vertices, " + std::to_string(input.edges.size()) + " pairs");
    ASSERT_EQ(lists_of(graph), expected.lists);
    ASSERT_EQ(as_vector(graph.original_ids()), expected.original_ids);
    ASSERT_EQ(as_vector(graph.labels()), expected.labels);
    ASSERT_NO_THROW(graph.validate());
  }
}

// --- build_graph: thread-count independence -----------------------------------------------

// Two hubs of degree > 2^16 (the nested parallel sort's threshold): vertex 0, whose edges all
// lie in its "upper" half list, and vertex n-1, whose edges all lie in its "lower" part, plus
// random edges among the rest, listed in random directions and order, with repeats.
EdgeList hub_edge_list(VertexId n) {
  std::mt19937_64 random(7);
  EdgeList list;
  list.num_vertices = n;
  for (VertexId v = 1; v < n; ++v) {
    list.edges.push_back(random() % 2 ? Edge{0, v} : Edge{v, 0});
    if (v + 1 < n) list.edges.push_back(random() % 2 ? Edge{n - 1, v} : Edge{v, n - 1});
  }
  std::uniform_int_distribution<VertexId> vertex(0, n - 1);
  for (int i = 0; i < 200000; ++i)
    list.edges.push_back({vertex(random), vertex(random)});
  std::shuffle(list.edges.begin(), list.edges.end(), random);
  return list;
}

TEST(BuildGraph, GivesTheSameGraphWithOneThreadAndWithAll) {
  constexpr VertexId n = 70000;
  const EdgeList input = hub_edge_list(n);
  const Graph serial = with_threads(1, [&] { return build_graph(EdgeList(input)); });
  const Graph parallel = with_threads(0, [&] { return build_graph(EdgeList(input)); });
  expect_identical(serial, parallel);

  Ids everyone_but_zero(n - 1);
  std::iota(everyone_but_zero.begin(), everyone_but_zero.end(), VertexId{1});
  EXPECT_EQ(as_vector(parallel.neighbours(0)), everyone_but_zero);
  Ids everyone_but_last(n - 1);
  std::iota(everyone_but_last.begin(), everyone_but_last.end(), VertexId{0});
  EXPECT_EQ(as_vector(parallel.neighbours(n - 1)), everyone_but_last);
  EXPECT_NO_THROW(parallel.validate());

  const Reference expected = reference_build(input, false);
  EXPECT_EQ(lists_of(parallel), expected.lists);
}

// --- compact_vertex_ids -----------------------------------------------------------------------

TEST(CompactVertexIds, MapsArbitrary64BitIdsInIncreasingOrder) {
  // Pairs (2^64-1, 5), (5, 10^12), (7, 2^64-1): ids 5 < 7 < 10^12 < 2^64-1 become 0..3.
  const EdgeList list =
      compact_vertex_ids({kMaxOriginalId, 5, 5, 1000000000000ull, 7, kMaxOriginalId});
  EXPECT_EQ(list.num_vertices, 4u);
  EXPECT_EQ(list.edges, (std::vector<Edge>{{3, 0}, {0, 2}, {1, 3}}));
  EXPECT_EQ(list.original_ids,
            (std::vector<std::uint64_t>{5, 7, 1000000000000ull, kMaxOriginalId}));
  EXPECT_TRUE(list.labels.empty());
}

TEST(CompactVertexIds, LeavesOriginalIdsEmptyWhenIdsAreAlreadyZeroToN) {
  const EdgeList list = compact_vertex_ids({2, 0, 1, 2, 0, 1});
  EXPECT_EQ(list.num_vertices, 3u);
  EXPECT_EQ(list.edges, (std::vector<Edge>{{2, 0}, {1, 2}, {0, 1}}));
  EXPECT_TRUE(list.original_ids.empty());
}

TEST(CompactVertexIds, KeepsOriginalIdsWhenAnIdIsMissing) {
  const EdgeList list = compact_vertex_ids({0, 2});  // 1 is never named
  EXPECT_EQ(list.edges, (std::vector<Edge>{{0, 1}}));
  EXPECT_EQ(list.original_ids, (std::vector<std::uint64_t>{0, 2}));
}

TEST(CompactVertexIds, SingleMaximalIdIsNotMistakenForTheIdentity) {
  // 2^64-1 + 1 wraps to 0: the identity test must not be fooled by it.
  const EdgeList list = compact_vertex_ids({kMaxOriginalId, kMaxOriginalId});
  EXPECT_EQ(list.num_vertices, 1u);
  EXPECT_EQ(list.original_ids, (std::vector<std::uint64_t>{kMaxOriginalId}));
}

TEST(CompactVertexIds, EmptyAndOddInputs) {
  const EdgeList empty = compact_vertex_ids({});
  EXPECT_EQ(empty.num_vertices, 0u);
  EXPECT_TRUE(empty.edges.empty());
  try {
    compact_vertex_ids({1, 2, 3});
    FAIL() << "odd length accepted";
  } catch (const InvalidArgument& error) {
    EXPECT_STREQ(error.what(), "endpoint array has odd length 3");
  }
}

// Property against a std::map numbering, over ids dense enough for a lookup table and ids
// spread over the whole 64-bit range, with and without gaps.
TEST(CompactVertexIds, MatchesAnOrderedMapOnRandomIds) {
  std::mt19937_64 random(3);
  for (int round = 0; round < 200; ++round) {
    const std::size_t pairs = random() % 50;
    const std::uint64_t spread = round % 4 == 0 ? kMaxOriginalId : 1 + random() % (4 * pairs + 4);
    std::vector<std::uint64_t> endpoints(2 * pairs);
    for (auto& id : endpoints)
      id = spread == kMaxOriginalId ? random() | (random() % 2 == 0 ? 0 : kMaxOriginalId)
                                    : random() % spread;
    std::map<std::uint64_t, VertexId> dense;
    for (const auto id : endpoints)
      dense.emplace(id, 0);
    std::vector<std::uint64_t> ids;
    for (auto& [id, renamed] : dense) {
      renamed = static_cast<VertexId>(ids.size());
      ids.push_back(id);
    }
    std::vector<Edge> edges;
    for (std::size_t i = 0; i < pairs; ++i)
      edges.push_back({dense[endpoints[2 * i]], dense[endpoints[2 * i + 1]]});
    const bool identity = !ids.empty() && ids.back() == ids.size() - 1;

    const EdgeList list = compact_vertex_ids(endpoints);
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(list.num_vertices, ids.size());
    ASSERT_EQ(list.edges, edges);
    ASSERT_EQ(list.original_ids, identity ? std::vector<std::uint64_t>{} : ids);
  }
}

TEST(CompactVertexIds, FeedsBuildGraphWhichKeepsTheOriginalIds) {
  const Graph graph = build_graph(compact_vertex_ids({kMaxOriginalId, 5, 5, 1000000000000ull}));
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{1, 2}, {0}, {0}}));
  EXPECT_EQ(as_vector(graph.original_ids()),
            (std::vector<std::uint64_t>{5, 1000000000000ull, kMaxOriginalId}));
}

// --- relabel_by_degree and orient_by_degree ---------------------------------------------------

// Degrees 1, 1, 2, 4, 2:
//
//   0   1
//    \ /
//     3---4
//     | /
//     2
Graph kite(std::vector<Label> labels = {}) {
  return build_graph(edge_list(5, {{0, 3}, {1, 3}, {2, 3}, {3, 4}, {2, 4}}, std::move(labels)));
}

// The copy is checked against the memory the process may take before it is made: under an
// address-space limit that leaves less room than the copy needs, one clear error.
TEST(RelabelByDegree, ACopyThatCannotFitIsRefusedBeforeItIsMade) {
  const Graph hub_first = testing::star(1 << 20);  // 16 MiB; its copy and id maps 32 MiB more
  const std::string message = testing::error_with_address_space(
      8 << 20, [&] { relabel_by_degree(hub_first, DegreeOrder::ascending); });
  EXPECT_TRUE(
      message.starts_with("relabelling the graph's 1048577 vertices by degree needs about "
                          "32 MiB, more than the "))
      << message;
  EXPECT_TRUE(message.ends_with("of address space left to this process (ulimit -v)")) << message;
}

TEST(RelabelByDegree, DescendingPutsTheHighestDegreeFirstTiesByOldId) {
  // Old ids by (degree desc, id): 3, 2, 4, 0, 1.
  const Graph graph = relabel_by_degree(kite({10, 11, 12, 13, 14}), DegreeOrder::descending);
  EXPECT_EQ(as_vector(graph.original_ids()), (std::vector<std::uint64_t>{3, 2, 4, 0, 1}));
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{1, 2, 3, 4}, {0, 2}, {0, 1}, {0}, {0}}));
  EXPECT_EQ(as_vector(graph.labels()), (std::vector<Label>{13, 12, 14, 10, 11}));
  EXPECT_EQ(graph.orientation(), Orientation::undirected);
  EXPECT_NO_THROW(graph.validate());
}

TEST(RelabelByDegree, AscendingPutsTheLowestDegreeFirstTiesByOldId) {
  // Old ids by (degree asc, id): 0, 1, 2, 4, 3.
  const Graph graph = relabel_by_degree(kite(), DegreeOrder::ascending);
  EXPECT_EQ(as_vector(graph.original_ids()), (std::vector<std::uint64_t>{0, 1, 2, 4, 3}));
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{4}, {4}, {3, 4}, {2, 4}, {0, 1, 2, 3}}));
  EXPECT_NO_THROW(graph.validate());
}

// The kite's degrees by id are 1, 1, 2, 4, 2: in neither order, and in both once relabelled.
TEST(DegreeOrder, InDegreeOrderAndDegreePrecedes) {
  const Graph graph = kite();
  EXPECT_FALSE(in_degree_order(graph, DegreeOrder::ascending));
  EXPECT_FALSE(in_degree_order(graph, DegreeOrder::descending));
  EXPECT_TRUE(
      in_degree_order(relabel_by_degree(kite(), DegreeOrder::ascending), DegreeOrder::ascending));
  EXPECT_TRUE(
      in_degree_order(relabel_by_degree(kite(), DegreeOrder::descending), DegreeOrder::descending));
  EXPECT_TRUE(in_degree_order(testing::graph_from_edges(1, {}), DegreeOrder::ascending));
  // (degree, id): 0 < 1 < 2 < 4 < 3.
  EXPECT_TRUE(degree_precedes(graph, 0, 1));
  EXPECT_FALSE(degree_precedes(graph, 1, 0));
  EXPECT_TRUE(degree_precedes(graph, 2, 4));
  EXPECT_TRUE(degree_precedes(graph, 4, 3));
  EXPECT_FALSE(degree_precedes(graph, 3, 4));
  EXPECT_FALSE(degree_precedes(graph, 2, 2));
}

// DegreeRank reads the same order on both: by id in the relabelled kite, whose neighbours
// above a vertex are the end of its list; by (degree, id) in the kite, whose whole lists the
// caller filters.
TEST(DegreeOrder, DegreeRankIsTheOrderOfDegreesEitherWay) {
  const Graph graph = kite();
  const DegreeRank rank(graph);
  EXPECT_FALSE(rank.ascending());
  EXPECT_TRUE(rank.precedes(4, 3));
  EXPECT_FALSE(rank.precedes(3, 4));
  EXPECT_EQ(as_vector(rank.above(3)), as_vector(graph.neighbours(3)));

  // Relabelled, old ids 0, 1, 2, 4, 3 become 0..4: the kite's vertex 3 is 4, and 4 is 3.
  const Graph relabelled = relabel_by_degree(kite(), DegreeOrder::ascending);
  const DegreeRank by_id(relabelled);
  EXPECT_TRUE(by_id.ascending());
  EXPECT_TRUE(by_id.precedes(3, 4));
  EXPECT_FALSE(by_id.precedes(4, 3));
  EXPECT_EQ(as_vector(by_id.above(2)), (Ids{3, 4}));
  EXPECT_EQ(as_vector(by_id.above(3)), (Ids{4}));
  EXPECT_TRUE(by_id.above(4).empty());
  for (VertexId u = 0; u < 5; ++u) {
    for (VertexId v = 0; v < 5; ++v) {
      // The same pairs precede on both graphs, through the relabelling.
      const auto old_id = [&](VertexId x) {
        return static_cast<VertexId>(relabelled.original_ids()[x]);
      };
      EXPECT_EQ(by_id.precedes(u, v), rank.precedes(old_id(u), old_id(v))) << u << " " << v;
    }
  }
}

TEST(RelabelByDegree, ComposesWithOriginalIdsAlreadyPresent) {
  // After dropping isolated vertex 0, the kite's vertices are called 1..5.
  const Graph shifted = build_graph(edge_list(6, {{1, 4}, {2, 4}, {3, 4}, {4, 5}, {3, 5}}));
  const Graph graph = relabel_by_degree(shifted, DegreeOrder::descending);
  EXPECT_EQ(as_vector(graph.original_ids()), (std::vector<std::uint64_t>{4, 3, 5, 1, 2}));
}

// Property: on random graphs the relabelled graph is the same graph seen through the
// original ids, degrees are sorted, and labels follow their vertices.
// A graph already in degree order, given away, comes back as it is: no copy (a mapped .gmg
// stays mapped), and the same lists and original ids as relabelling it gives; one out of order
// is relabelled as the copying version does.
TEST(RelabelByDegree, AGraphAlreadyInOrderIsReturnedAsItIs) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 20; ++round) {
    const EdgeList edges = random_edge_list(random);
    const Graph graph = build_graph(EdgeList(edges), {.keep_isolated_vertices = true});
    for (const DegreeOrder order : {DegreeOrder::descending, DegreeOrder::ascending}) {
      Graph ordered = relabel_by_degree(graph, order);
      const Graph copy = relabel_by_degree(ordered, order);
      const VertexId* storage = ordered.adjacency().data();
      const Graph same = relabel_by_degree(std::move(ordered), order);
      EXPECT_EQ(same.adjacency().data(), storage);
      ASSERT_EQ(same.num_vertices(), copy.num_vertices());
      for (const VertexId v : same.vertices()) {
        ASSERT_EQ(as_vector(same.neighbours(v)), as_vector(copy.neighbours(v)));
        ASSERT_EQ(same.original_id(v), copy.original_id(v));
      }
      const Graph relabelled =
          relabel_by_degree(build_graph(EdgeList(edges), {.keep_isolated_vertices = true}), order);
      const Graph expected = relabel_by_degree(graph, order);
      ASSERT_EQ(relabelled.num_vertices(), expected.num_vertices());
      for (const VertexId v : expected.vertices()) {
        ASSERT_EQ(as_vector(relabelled.neighbours(v)), as_vector(expected.neighbours(v)));
        ASSERT_EQ(relabelled.original_id(v), expected.original_id(v));
      }
    }
  }
}

TEST(RelabelByDegree, IsAnIsomorphismThroughOriginalIdsOnRandomGraphs) {
  std::mt19937_64 random(99);
  for (int round = 0; round < 50; ++round) {
    EdgeList input = random_edge_list(random);
    input.original_ids.clear();  // so that original ids name the vertices of `graph`
    input.labels.assign(input.num_vertices, 0);
    for (std::uint64_t v = 0; v < input.num_vertices; ++v)
      input.labels[v] = static_cast<Label>(v * 7 % 5);
    const Graph graph = build_graph(std::move(input), {.keep_isolated_vertices = true});
    for (const DegreeOrder order : {DegreeOrder::descending, DegreeOrder::ascending}) {
      const Graph relabelled = relabel_by_degree(graph, order);
      SCOPED_TRACE("round " + std::to_string(round));
      ASSERT_EQ(relabelled.num_vertices(), graph.num_vertices());
      ASSERT_EQ(relabelled.num_edges(), graph.num_edges());
      ASSERT_NO_THROW(relabelled.validate());
      std::vector<bool> seen(graph.num_vertices(), false);
      for (const VertexId v : relabelled.vertices()) {
        const auto old = static_cast<VertexId>(relabelled.original_id(v));
        ASSERT_LT(old, graph.num_vertices());
        ASSERT_FALSE(seen[old]) << "two vertices map to " << old;
        seen[old] = true;
        Ids mapped;
        for (const VertexId w : relabelled.neighbours(v))
          mapped.push_back(static_cast<VertexId>(relabelled.original_id(w)));
        std::sort(mapped.begin(), mapped.end());
        ASSERT_EQ(mapped, as_vector(graph.neighbours(old)));
        ASSERT_EQ(relabelled.label(v), graph.label(old));
        if (v > 0) {
          const VertexId before = relabelled.degree(v - 1), here = relabelled.degree(v);
          ASSERT_TRUE(order == DegreeOrder::descending ? before >= here : before <= here);
        }
      }
    }
  }
}

TEST(OrientByDegree, PointsEachEdgeFromLowerToHigherDegreeThenId) {
  // Order by (degree, id): 0 < 1 < 2 < 4 < 3.
  const Graph graph = orient_by_degree(kite({10, 11, 12, 13, 14}));
  EXPECT_EQ(graph.orientation(), Orientation::oriented);
  EXPECT_EQ(graph.num_edges(), 5u);
  EXPECT_EQ(lists_of(graph), (std::vector<Ids>{{3}, {3}, {3, 4}, {}, {3}}));
  EXPECT_EQ(as_vector(graph.labels()), (std::vector<Label>{10, 11, 12, 13, 14}));
  EXPECT_FALSE(graph.has_original_ids());
  EXPECT_NO_THROW(graph.validate());
}

TEST(OrientByDegree, RejectsAnOrientedGraph) {
  const Graph oriented = orient_by_degree(kite());
  try {
    orient_by_degree(oriented);
    FAIL() << "an oriented graph was oriented again";
  } catch (const InvalidArgument& error) {
    EXPECT_STREQ(error.what(), "orient_by_degree needs an undirected graph; this one is oriented");
  }
}

// K_30 is the tight case of the bound: out-degrees 29, 28, ..., 0 and sqrt(2 * 435) = 29.5.
TEST(OrientByDegree, CompleteGraphMeetsTheOutDegreeBoundTightly) {
  std::vector<Edge> edges;
  for (VertexId u = 0; u < 30; ++u)
    for (VertexId v = u + 1; v < 30; ++v)
      edges.push_back({v, u});
  const Graph graph = orient_by_degree(build_graph(edge_list(30, std::move(edges))));
  for (const VertexId v : graph.vertices())
    EXPECT_EQ(graph.degree(v), 29 - v);
}

// Property on random skewed graphs (a few hubs, a dense core, a sparse rest): every edge kept
// exactly once, in the right direction, out-degrees at most sqrt(2|E|), the rest preserved.
TEST(OrientByDegree, KeepsEachEdgeOnceWithBoundedOutDegreeOnRandomGraphs) {
  std::mt19937_64 random(5);
  for (int round = 0; round < 20; ++round) {
    const VertexId n = 200 + static_cast<VertexId>(random() % 300);
    EdgeList input;
    input.num_vertices = n;
    std::uniform_int_distribution<VertexId> any(0, n - 1), core(0, 19);
    for (int i = 0; i < 1500; ++i)
      input.edges.push_back({any(random), any(random)});
    for (int i = 0; i < 400; ++i)
      input.edges.push_back({core(random), core(random)});
    for (VertexId hub = 0; hub < 3; ++hub)
      for (int i = 0; i < 150; ++i)
        input.edges.push_back({hub, any(random)});
    input.labels.resize(n);
    for (VertexId v = 0; v < n; ++v)
      input.labels[v] = v % 4;
    const Graph graph = build_graph(std::move(input));  // drops isolated: has original ids
    const Graph oriented = orient_by_degree(graph);
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(oriented.num_edges(), graph.num_edges());
    ASSERT_NO_THROW(oriented.validate());
    const double bound = std::sqrt(2.0 * static_cast<double>(graph.num_edges()));
    for (const VertexId v : graph.vertices()) {
      ASSERT_LE(oriented.degree(v), bound);
      for (const VertexId w : graph.neighbours(v)) {
        const bool forward = std::pair(graph.degree(v), v) < std::pair(graph.degree(w), w);
        const auto out = oriented.neighbours(v);
        ASSERT_EQ(std::binary_search(out.begin(), out.end(), w), forward)
            << "edge " << v << "-" << w;
      }
    }
    ASSERT_EQ(as_vector(oriented.labels()), as_vector(graph.labels()));
    ASSERT_EQ(as_vector(oriented.original_ids()), as_vector(graph.original_ids()));
  }
}

TEST(RelabelAndOrient, GiveTheSameGraphWithOneThreadAndWithAll) {
  const Graph graph = build_graph(hub_edge_list(70000));
  for (const DegreeOrder order : {DegreeOrder::descending, DegreeOrder::ascending}) {
    const Graph serial = with_threads(1, [&] { return relabel_by_degree(graph, order); });
    const Graph parallel = with_threads(0, [&] { return relabel_by_degree(graph, order); });
    expect_identical(serial, parallel);
  }
  const Graph serial = with_threads(1, [&] { return orient_by_degree(graph); });
  const Graph parallel = with_threads(0, [&] { return orient_by_degree(graph); });
  expect_identical(serial, parallel);
}

}  // namespace
}  // namespace graphmini
