// Blocks' storage: the whole graph, with or without self-loops, is a view of the graph's CSR
// and its own reverse; every block's reverse edges point back at their forward edges, so that
// aggregating over a view equals aggregating over an owned copy; and self-loops, which are
// not stored, aggregate exactly as stored loops would.
#include "gnn/block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>

#include "gnn/layers.h"
#include "runtime/error.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

// The same CSR as `view`, owned (built through the public constructor, which builds its
// reverse by counting sort), with or without `loops` stored as each row's last edge.
enum class Loops { as_in_view, stored };
Block owned_copy(const Block& view, Loops loops, std::vector<float> norm = {}) {
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> sources;
  const bool store = loops == Loops::stored && view.self_loops();
  for (std::size_t d = 0; d < view.num_dst(); ++d) {
    const auto row = view.in_neighbours(d);
    sources.insert(sources.end(), row.begin(), row.end());
    if (store) sources.push_back(static_cast<std::uint32_t>(d));
    offsets.push_back(sources.size());
  }
  return Block(view.num_dst(), view.num_src(), std::move(offsets), std::move(sources), norm, norm,
               view.self_loops() && !store);
}

std::vector<float> values(const Tensor& t) {
  return {t.values().begin(), t.values().end()};
}

// Every reverse edge s -> t is the in-edge of t with the same number, from s, and there is one
// per edge.
void expect_reverse_edges_point_back(const Block& block) {
  std::vector<std::uint32_t> source_of(block.num_edges(), ~0u);
  for (std::size_t d = 0; d < block.num_dst(); ++d) {
    block.for_each_in_edge(d, [&](std::uint32_t s, std::uint64_t e) {
      ASSERT_LT(e, source_of.size());
      EXPECT_EQ(source_of[e], ~0u) << "edge " << e << " numbered twice";
      source_of[e] = s;
    });
  }
  std::size_t edges = 0;
  for (std::size_t s = 0; s < block.num_src(); ++s) {
    block.for_each_out_edge(s, [&](std::uint32_t t, std::uint64_t e) {
      ASSERT_LT(t, block.num_dst());
      ASSERT_LT(e, source_of.size());
      EXPECT_GE(e, block.first_edge(t));
      EXPECT_LT(e, block.first_edge(t + 1));
      EXPECT_EQ(source_of[e], s);
      ++edges;
    });
  }
  EXPECT_EQ(edges, block.num_edges());
}

TEST(Block, TheWholeGraphIsAViewOfItsCsrWithOrWithoutSelfLoops) {
  std::mt19937_64 random(7);
  const Graph graph = testing::random_graph(random, 40, 0.2);
  const std::size_t n = graph.num_vertices();
  for (const bool self_loops : {false, true}) {
    SCOPED_TRACE(self_loops);
    const Block block = Block::whole_graph(graph, self_loops);
    EXPECT_EQ(block.self_loops(), self_loops);
    ASSERT_EQ(block.num_edges(), graph.adjacency().size() + (self_loops ? n : 0));
    for (VertexId v = 0; v < n; ++v) {
      EXPECT_EQ(block.in_neighbours(v).data(), graph.neighbours(v).data());
      EXPECT_EQ(block.out_neighbours(v).data(), graph.neighbours(v).data());
    }
    // It owns only its inverse degrees (and with loops, gcn's two norms): no copy of the
    // graph, no reverse CSR.
    const std::size_t own = (self_loops ? 3 : 1) * n * sizeof(float);
    EXPECT_EQ(block.bytes(), own);
    expect_reverse_edges_point_back(block);
    // The reverse edge numbers, built on first use: 4 bytes per stored edge.
    EXPECT_EQ(block.bytes(), own + graph.adjacency().size() * sizeof(std::uint32_t));
  }
}

TEST(Block, AggregatingOverAViewEqualsAggregatingOverAnOwnedCopy) {
  std::mt19937_64 random(3);
  const Graph graph = testing::random_graph(random, 30, 0.3);
  for (const bool self_loops : {false, true}) {
    SCOPED_TRACE(self_loops);
    Block moved = Block::whole_graph(graph, self_loops);
    const Block block = std::move(moved);  // blocks point into their storage: moves keep it
    const Block copy = owned_copy(block, Loops::as_in_view);
    expect_reverse_edges_point_back(block);
    expect_reverse_edges_point_back(copy);
    Tensor in(graph.num_vertices(), 3);
    std::uniform_real_distribution<float> value(-1, 1);
    for (float& x : in.values())
      x = value(random);
    for (const Aggregation kind : {Aggregation::sum, Aggregation::mean}) {
      SCOPED_TRACE(static_cast<int>(kind));
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

TEST(Block, ImplicitSelfLoopsAggregateAsStoredLoopsWould) {
  std::mt19937_64 random(11);
  const Graph graph = testing::random_graph(random, 30, 0.2);  // some nodes are isolated
  const Block implicit = Block::whole_graph(graph, true);
  // The loop stored as each row's last edge, with the whole graph's gcn norms.
  const std::size_t n = graph.num_vertices();
  std::vector<float> norm(n);
  for (VertexId v = 0; v < n; ++v)
    norm[v] = 1.0f / std::sqrt(static_cast<float>(graph.degree(v) + 1));
  const Block stored = owned_copy(implicit, Loops::stored, norm);
  ASSERT_EQ(stored.num_edges(), implicit.num_edges());
  ASSERT_FALSE(stored.self_loops());
  expect_reverse_edges_point_back(stored);
  Tensor in(n, 5);
  std::uniform_real_distribution<float> value(-1, 1);
  for (float& x : in.values())
    x = value(random);
  for (const Aggregation kind : {Aggregation::sum, Aggregation::mean, Aggregation::gcn}) {
    SCOPED_TRACE(static_cast<int>(kind));
    Tensor a(n, 5), b(n, 5);
    implicit.aggregate(kind, in, a);
    stored.aggregate(kind, in, b);
    EXPECT_EQ(values(a), values(b));
    // Backward, a stored loop is summed at its destination's place among the source's
    // edges, the implicit one last: equal up to rounding.
    Tensor da(n, 5), db(n, 5);
    implicit.aggregate_backward(kind, a, da);
    stored.aggregate_backward(kind, b, db);
    for (std::size_t i = 0; i < da.size(); ++i)
      EXPECT_NEAR(da.values()[i], db.values()[i], 1e-6f * (1 + std::abs(db.values()[i])));
  }
}

// GCN and GAT layers, whose blocks have self-loops, compute the same with the loops implicit
// as with them stored at their place among each row's sources (as a copy of A + I would).
TEST(Block, LayersOverImplicitSelfLoopsEqualLayersOverStoredOnes) {
  std::mt19937_64 random(13);
  const Graph graph = testing::random_graph(random, 40, 0.15);
  const std::size_t n = graph.num_vertices();
  const Block implicit = Block::whole_graph(graph, true);
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> sources;
  std::vector<float> norm(n);
  for (VertexId v = 0; v < n; ++v) {
    const auto row = graph.neighbours(v);
    const auto place = std::upper_bound(row.begin(), row.end(), v);
    sources.insert(sources.end(), row.begin(), place);
    sources.push_back(v);
    sources.insert(sources.end(), place, row.end());
    offsets.push_back(sources.size());
    norm[v] = 1.0f / std::sqrt(static_cast<float>(row.size() + 1));
  }
  const Block stored(n, n, std::move(offsets), std::move(sources), norm, norm);
  Tensor in(n, 6);
  std::uniform_real_distribution<float> value(-1, 1);
  for (float& x : in.values())
    x = value(random);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(make_gcn_layer(6, 4, random));
  layers.push_back(make_gat_layer(6, 4, 3, true, 0.0f, random));
  for (const auto& layer : layers) {
    Tensor a, b;
    std::mt19937_64 unused(0);
    layer->forward(implicit, in, a, false, unused);
    layer->forward(stored, in, b, false, unused);
    ASSERT_TRUE(a.same_shape(b));
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a.values()[i], b.values()[i], 1e-6f * (1 + std::abs(b.values()[i]))) << i;
  }
}

TEST(Block, SampledBlocksBuildTheirReverse) {
  // Destinations 0, 1 among sources 0 .. 3: 0 <- {1, 2}, 1 <- {0, 2, 3}.
  const Block block(2, 4, {0, 2, 5}, {1, 2, 0, 2, 3});
  EXPECT_EQ(
      std::vector<std::uint32_t>(block.out_neighbours(2).begin(), block.out_neighbours(2).end()),
      (std::vector<std::uint32_t>{0, 1}));
  expect_reverse_edges_point_back(block);
  // With self-loops, destination 1's edges are numbered 3, 4, 5 (stored) and 6 (its loop).
  const Block looped(2, 4, {0, 2, 5}, {1, 2, 0, 2, 3}, {}, {}, true);
  EXPECT_EQ(looped.num_edges(), 7u);
  EXPECT_EQ(looped.first_edge(1), 3u);
  std::vector<std::pair<std::uint32_t, std::uint64_t>> in_edges;
  looped.for_each_in_edge(1,
                          [&](std::uint32_t s, std::uint64_t e) { in_edges.emplace_back(s, e); });
  EXPECT_EQ(in_edges,
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{0, 3}, {2, 4}, {3, 5}, {1, 6}}));
  expect_reverse_edges_point_back(looped);
}

// aggregate_rows computes the rows aggregate does, for any range of destinations.
TEST(Block, AggregatingARangeOfDestinationsGivesTheirRows) {
  std::mt19937_64 random(17);
  const Graph graph = testing::random_graph(random, 25, 0.3);
  const Block block = Block::whole_graph(graph, true);
  Tensor in(25, 4);
  std::uniform_real_distribution<float> value(-1, 1);
  for (float& x : in.values())
    x = value(random);
  Tensor all(25, 4);
  block.aggregate(Aggregation::gcn, in, all);
  for (const std::size_t first : {0, 7, 24}) {
    Tensor some(25 - first, 4);
    block.aggregate_rows(Aggregation::gcn, in, some, first);
    for (std::size_t r = 0; r < some.rows(); ++r) {
      for (std::size_t j = 0; j < 4; ++j)
        EXPECT_EQ(some(r, j), all(first + r, j)) << first << " " << r;
    }
  }
  Tensor too_many(3, 4);
  EXPECT_THROW(block.aggregate_rows(Aggregation::gcn, in, too_many, 23), InvalidArgument);
}

// out = x w + beta out, for beta 0 (out's old values ignored), 1 and another.
TEST(Block, SparseProductsAddBetaTimesTheOutput) {
  SparseMatrix x;  // [0 2; 1 0; 0 0]
  x.rows = 3;
  x.cols = 2;
  x.offsets = {0, 1, 2, 2};
  x.columns = {1, 0};
  x.values = {2.0f, 1.0f};
  Tensor w(2, 2);
  for (std::size_t i = 0; i < 4; ++i)
    w.data()[i] = static_cast<float>(i + 1);  // [1 2; 3 4]: x w = [6 8; 1 2; 0 0]
  for (const float beta : {0.0f, 1.0f, 0.5f}) {
    Tensor out(3, 2);
    out.fill(4);
    sparse_matmul(x, w, out, kAllRows, beta);
    const std::vector<float> want{6 + 4 * beta, 8 + 4 * beta, 1 + 4 * beta,
                                  2 + 4 * beta, 4 * beta,     4 * beta};
    EXPECT_EQ(values(out), want) << beta;
  }
}

TEST(Block, AnOrientedGraphIsRefused) {
  const Graph dag({0, 1, 1}, {1}, Orientation::oriented);
  EXPECT_THROW(Block::whole_graph(dag, false), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::gnn
