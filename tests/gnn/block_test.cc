// Blocks' storage: the whole graph without self-loops is a view of the graph's CSR and its own
// reverse, and every block's reverse edges point back at their forward edges, so that
// aggregating over a view equals aggregating over an owned copy.
#include "gnn/block.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>

#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

// The same CSR as `view`, owned (built through the public constructor, which builds its
// reverse by counting sort).
Block owned_copy(const Block& view) {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> sources;
  for (std::size_t d = 0; d < view.num_dst(); ++d) {
    const auto row = view.in_neighbours(d);
    sources.insert(sources.end(), row.begin(), row.end());
    offsets.push_back(sources.size());
  }
  return Block(view.num_dst(), view.num_src(), std::move(offsets), std::move(sources));
}

std::vector<float> values(const Tensor& t) {
  return {t.values().begin(), t.values().end()};
}

// Every reverse edge s -> t names the forward edge of t that comes from s.
void expect_reverse_edges_point_back(const Block& block) {
  std::size_t edges = 0;
  for (std::size_t s = 0; s < block.num_src(); ++s) {
    const auto targets = block.out_neighbours(s);
    const auto ids = block.out_edges(s);
    ASSERT_EQ(targets.size(), ids.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const std::uint64_t first = block.first_edge(targets[i]);
      ASSERT_GE(ids[i], first);
      ASSERT_LT(ids[i] - first, block.in_neighbours(targets[i]).size());
      EXPECT_EQ(block.in_neighbours(targets[i])[ids[i] - first], s);
    }
    edges += targets.size();
  }
  EXPECT_EQ(edges, block.num_edges());
}

TEST(Block, TheWholeGraphWithoutSelfLoopsIsAViewOfItsCsr) {
  std::mt19937_64 random(7);
  const Graph graph = testing::random_graph(random, 40, 0.2);
  const Block block = Block::whole_graph(graph, false);
  ASSERT_EQ(block.num_edges(), graph.adjacency().size());
  for (VertexId v = 0; v < graph.num_vertices(); ++v) {
    EXPECT_EQ(block.in_neighbours(v).data(), graph.neighbours(v).data());
    EXPECT_EQ(block.out_neighbours(v).data(), graph.neighbours(v).data());
  }
  // It owns only its inverse degrees: no copy of the graph, no reverse CSR.
  EXPECT_EQ(block.bytes(), graph.num_vertices() * sizeof(float));
  expect_reverse_edges_point_back(block);
  // The reverse edge ids, built on first use: 4 bytes per edge.
  EXPECT_EQ(block.bytes(), graph.num_vertices() * sizeof(float) +
                               graph.adjacency().size() * sizeof(std::uint32_t));
}

TEST(Block, AggregatingOverAViewEqualsAggregatingOverAnOwnedCopy) {
  std::mt19937_64 random(3);
  const Graph graph = testing::random_graph(random, 30, 0.3);
  for (const bool self_loops : {false, true}) {
    SCOPED_TRACE(self_loops);
    Block moved = Block::whole_graph(graph, self_loops);
    const Block block = std::move(moved);  // blocks point into their storage: moves keep it
    const Block copy = owned_copy(block);
    expect_reverse_edges_point_back(block);
    expect_reverse_edges_point_back(copy);
    Tensor in(graph.num_vertices(), 3);
    std::uniform_real_distribution<float> value(-1, 1);
    for (float& x : in.values())
      x = value(random);
    for (const Aggregation kind : {Aggregation::sum, Aggregation::mean}) {
      Tensor a(block.num_dst(), 3), b(copy.num_dst(), 3);
      block.aggregate(kind, in, a);
      copy.aggregate(kind, in, b);
      EXPECT_EQ(values(a), values(b));
      Tensor da(block.num_src(), 3), db(copy.num_src(), 3);
      block.aggregate_backward(kind, a, da);
      copy.aggregate_backward(kind, b, db);
      EXPECT_EQ(values(da), values(db));
    }
  }
}

TEST(Block, SampledBlocksBuildTheirReverse) {
  // Destinations 0, 1 among sources 0 .. 3: 0 <- {1, 2}, 1 <- {0, 2, 3}.
  const Block block(2, 4, {0, 2, 5}, {1, 2, 0, 2, 3});
  EXPECT_EQ(
      std::vector<std::uint32_t>(block.out_neighbours(2).begin(), block.out_neighbours(2).end()),
      (std::vector<std::uint32_t>{0, 1}));
  expect_reverse_edges_point_back(block);
}

TEST(Block, AnOrientedGraphIsRefused) {
  const Graph dag({0, 1, 1}, {1}, Orientation::oriented);
  EXPECT_THROW(Block::whole_graph(dag, false), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::gnn
