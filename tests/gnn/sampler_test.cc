// The samplers: sampled blocks hold true neighbours, uniformly drawn, in compact ids with the
// destinations first; a batch depends only on its stream; with every neighbour sampled (or
// every cluster in the batch) a mini-batch forward pass computes what the full-graph one does.
#include "gnn/sampler.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <map>
#include <set>

#include "datasets/generators.h"
#include "gnn/features.h"
#include "gnn/model.h"
#include "runtime/error.h"
#include "runtime/graph_builder.h"

namespace graphmini::gnn {
namespace {

datasets::Dataset small_csbm() {
  datasets::CsbmOptions options;
  options.nodes = 300;
  options.classes = 3;
  options.average_degree = 6;
  options.features = 12;
  options.seed = 5;
  return datasets::generate_csbm(options);
}

std::uint32_t max_degree(const Graph& g) {
  std::size_t most = 0;
  for (VertexId v = 0; v < g.num_vertices(); ++v)
    most = std::max(most, g.neighbours(v).size());
  return static_cast<std::uint32_t>(most);
}

std::vector<std::uint32_t> every_third_node(const Graph& g) {
  std::vector<std::uint32_t> nodes;
  for (std::uint32_t v = 1; v < g.num_vertices(); v += 3)
    nodes.push_back(v);
  return nodes;
}

// A small model of each kind for the data.
Model small_model(ModelKind kind, const datasets::Dataset& data) {
  ModelOptions options = ModelOptions::defaults(kind);
  options.hidden = 8;
  options.heads = 2;
  return Model(options, data.nodes.num_features(), data.nodes.num_classes);
}

// The logits of `nodes` by the model on the whole graph, by node.
std::map<std::uint32_t, std::vector<float>> full_graph_logits(
    Model& model, const Graph& graph, const InputFeatures& features,
    std::span<const std::uint32_t> nodes) {
  const Block whole = Block::whole_graph(graph, model.needs_self_loops());
  const std::vector<const Block*> blocks(model.num_layers(), &whole);
  const Tensor& logits = model.forward(blocks, features.input(), false);
  std::map<std::uint32_t, std::vector<float>> rows;
  for (const std::uint32_t v : nodes)
    rows[v].assign(logits.row(v).begin(), logits.row(v).end());
  return rows;
}

void expect_rows_near(const Tensor& logits, std::span<const std::uint32_t> order,
                      const std::map<std::uint32_t, std::vector<float>>& expected) {
  ASSERT_EQ(logits.rows(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::vector<float>& want = expected.at(order[i]);
    for (std::size_t c = 0; c < want.size(); ++c)
      EXPECT_NEAR(logits(i, c), want[c], 1e-5f * (1 + std::abs(want[c])))
          << "node " << order[i] << " class " << c;
  }
}

TEST(NeighborSampler, BlocksHoldDistinctTrueNeighboursInCompactIds) {
  const datasets::Dataset data = small_csbm();
  const Graph& g = data.graph;
  const std::vector<std::uint32_t> seeds = {7, 3, 250, 42};
  const NeighborSampler sampler(g, {3, 2}, /*self_loops=*/false, 9);
  const MiniBatch batch = sampler.sample(seeds, 0);
  ASSERT_EQ(batch.blocks.size(), 2u);
  EXPECT_EQ(batch.output_nodes, seeds);
  // The last block's destinations are the seeds; each block's destinations are the first of
  // its sources; the first block's sources are the input nodes.
  EXPECT_EQ(batch.blocks[1].num_dst(), seeds.size());
  EXPECT_EQ(batch.blocks[0].num_dst(), batch.blocks[1].num_src());
  EXPECT_EQ(batch.blocks[0].num_src(), batch.input_nodes.size());
  EXPECT_EQ(std::set<std::uint32_t>(batch.input_nodes.begin(), batch.input_nodes.end()).size(),
            batch.input_nodes.size());
  EXPECT_TRUE(std::equal(seeds.begin(), seeds.end(), batch.input_nodes.begin()));
  const std::uint32_t fanout_of_block[2] = {2, 3};  // hop 2 feeds the first layer
  for (std::size_t b = 0; b < 2; ++b) {
    const Block& block = batch.blocks[b];
    for (std::size_t d = 0; d < block.num_dst(); ++d) {
      const std::uint32_t v = batch.input_nodes[d];
      const std::span<const VertexId> adjacency = g.neighbours(v);
      const std::span<const std::uint32_t> sources = block.in_neighbours(d);
      EXPECT_EQ(sources.size(), std::min<std::size_t>(adjacency.size(), fanout_of_block[b]));
      std::set<std::uint32_t> seen;
      for (const std::uint32_t s : sources) {
        const std::uint32_t u = batch.input_nodes[s];
        EXPECT_TRUE(std::binary_search(adjacency.begin(), adjacency.end(), u))
            << u << " is not a neighbour of " << v;
        EXPECT_TRUE(seen.insert(u).second) << u << " sampled twice for " << v;
      }
    }
  }
}

TEST(NeighborSampler, ABatchDependsOnlyOnItsStream) {
  const datasets::Dataset data = small_csbm();
  const NeighborSampler sampler(data.graph, {4, 4}, true, 1);
  const std::vector<std::uint32_t> seeds = every_third_node(data.graph);
  const MiniBatch a = sampler.sample(seeds, 17);
  sampler.sample(seeds, 3);
  const MiniBatch b = sampler.sample(seeds, 17);
  const MiniBatch c = sampler.sample(seeds, 18);
  EXPECT_EQ(a.input_nodes, b.input_nodes);
  EXPECT_NE(a.input_nodes, c.input_nodes);
  EXPECT_NE(a.num_edges(), 0u);
  EXPECT_EQ(a.num_edges(), b.num_edges());
  const NeighborSampler other_seed(data.graph, {4, 4}, true, 2);
  EXPECT_NE(other_seed.sample(seeds, 17).input_nodes, a.input_nodes);
}

// The trainer samples several batches at once; a thread waiting inside one batch's parallel
// loop may run another batch meanwhile. Every batch must still be what it is alone.
TEST(NeighborSampler, BatchesSampledConcurrentlyEqualBatchesSampledAlone) {
  datasets::CsbmOptions options;
  options.nodes = 20000;
  options.average_degree = 30;
  options.features = 2;
  const datasets::Dataset data = datasets::generate_csbm(options);
  const NeighborSampler sampler(data.graph, {10, 10}, true, 7);
  constexpr std::size_t kBatches = 16;
  std::vector<std::vector<std::uint32_t>> seeds(kBatches);
  for (std::uint32_t v = 0; v < 20000; ++v)
    seeds[v % kBatches].push_back(v);
  std::vector<MiniBatch> together(kBatches);
  {
    const tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 4);
    tbb::parallel_for(std::size_t{0}, kBatches,
                      [&](std::size_t b) { together[b] = sampler.sample(seeds[b], b); });
  }
  for (std::size_t b = 0; b < kBatches; ++b) {
    const MiniBatch alone = sampler.sample(seeds[b], b);
    ASSERT_EQ(together[b].input_nodes, alone.input_nodes) << "batch " << b;
    for (std::size_t layer = 0; layer < 2; ++layer) {
      const Block& x = together[b].blocks[layer];
      const Block& y = alone.blocks[layer];
      ASSERT_EQ(x.num_edges(), y.num_edges());
      for (std::size_t d = 0; d < x.num_dst(); ++d) {
        ASSERT_TRUE(std::ranges::equal(x.in_neighbours(d), y.in_neighbours(d)))
            << "batch " << b << " layer " << layer << " destination " << d;
      }
    }
  }
}

TEST(NeighborSampler, DrawsNeighboursUniformlyWithoutReplacement) {
  // A star: node 0 with 10 leaves. Sampling 3 of them 30000 times picks each leaf 9000 times
  // on average (standard deviation about 80).
  EdgeList edges;
  edges.num_vertices = 11;
  for (VertexId leaf = 1; leaf <= 10; ++leaf)
    edges.edges.push_back({0, leaf});
  const Graph star = build_graph(std::move(edges));
  const NeighborSampler sampler(star, {3}, false, 4);
  std::vector<int> picks(11, 0);
  const std::uint32_t seed[] = {0};
  for (std::uint64_t stream = 0; stream < 30000; ++stream) {
    const MiniBatch batch = sampler.sample(seed, stream);
    for (const std::uint32_t s : batch.blocks[0].in_neighbours(0))
      ++picks[batch.input_nodes[s]];
  }
  EXPECT_EQ(picks[0], 0);
  for (int leaf = 1; leaf <= 10; ++leaf)
    EXPECT_NEAR(picks[leaf], 9000, 400) << "leaf " << leaf;
}

TEST(NeighborSampler, WithEveryNeighbourTheMiniBatchForwardIsTheFullGraphForward) {
  const datasets::Dataset data = small_csbm();
  const InputFeatures features(data.nodes.features, true);
  const std::uint32_t all = max_degree(data.graph);
  const std::vector<std::uint32_t> seeds = every_third_node(data.graph);
  for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
    SCOPED_TRACE(to_string(kind));
    Model model = small_model(kind, data);
    std::map<std::uint32_t, std::vector<float>> expected =
        full_graph_logits(model, data.graph, features, seeds);

    const NeighborSampler sampler(data.graph, {all, all}, model.needs_self_loops(), 3);
    const MiniBatch batch = sampler.sample(seeds, 0);
    InputFeatures batch_features;
    features.gather(batch.input_nodes, batch_features);
    const Tensor& logits =
        model.forward(batch.layer_blocks(model.num_layers()), batch_features.input(), false);
    expect_rows_near(logits, batch.output_nodes, expected);

    // With fewer neighbours than the degrees the result differs (the test can fail).
    const NeighborSampler fewer(data.graph, {2, 2}, model.needs_self_loops(), 3);
    const MiniBatch small = fewer.sample(seeds, 0);
    features.gather(small.input_nodes, batch_features);
    const Tensor& approximate =
        model.forward(small.layer_blocks(model.num_layers()), batch_features.input(), false);
    float difference = 0;
    for (std::size_t i = 0; i < seeds.size(); ++i)
      difference = std::max(difference, std::abs(approximate(i, 0) - expected[seeds[i]][0]));
    EXPECT_GT(difference, 1e-3f);
  }
}

TEST(NeighborSampler, RejectsBadSettingsAndSeeds) {
  const datasets::Dataset data = small_csbm();
  EXPECT_THROW(NeighborSampler(data.graph, {}, false, 1), InvalidArgument);
  EXPECT_THROW(NeighborSampler(data.graph, {5, 0}, false, 1), InvalidArgument);
  const NeighborSampler sampler(data.graph, {5}, false, 1);
  const std::vector<std::uint32_t> repeated = {4, 9, 4};
  EXPECT_THROW(sampler.sample(repeated, 0), InvalidArgument);
  const std::vector<std::uint32_t> outside = {4, 300};
  EXPECT_THROW(sampler.sample(outside, 0), InvalidArgument);
  // The failed batches leave nothing behind: the next one is as if they never happened.
  const std::vector<std::uint32_t> fine = {4, 9};
  EXPECT_EQ(sampler.sample(fine, 0).input_nodes,
            NeighborSampler(data.graph, {5}, false, 1).sample(fine, 0).input_nodes);
}

TEST(ClusterSampler, ClustersPartitionTheNodesAndBatchesHoldTheirInducedEdges) {
  const datasets::Dataset data = small_csbm();
  const Graph& g = data.graph;
  const ClusterSampler sampler(g, 10, false, 1);
  ASSERT_EQ(sampler.num_clusters(), 10u);
  std::vector<int> owner(g.num_vertices(), -1);
  for (std::size_t c = 0; c < sampler.num_clusters(); ++c) {
    EXPECT_FALSE(sampler.cluster(c).empty());
    for (const std::uint32_t v : sampler.cluster(c)) {
      EXPECT_EQ(owner[v], -1) << v << " in two clusters";
      owner[v] = static_cast<int>(c);
    }
  }
  EXPECT_EQ(std::count(owner.begin(), owner.end(), -1), 0);
  // METIS cuts few edges of a homophilous graph: most edges stay inside a cluster.
  std::uint64_t inside = 0;
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    for (const VertexId u : g.neighbours(v))
      inside += owner[u] == owner[v];
  }
  EXPECT_GT(inside, g.adjacency().size() / 2);

  const std::uint32_t chosen[] = {2, 7};
  const MiniBatch batch = sampler.sample(chosen);
  ASSERT_EQ(batch.blocks.size(), 1u);
  const Block& block = batch.blocks[0];
  const std::vector<std::uint32_t>& nodes = batch.output_nodes;
  EXPECT_EQ(nodes.size(), sampler.cluster(2).size() + sampler.cluster(7).size());
  EXPECT_EQ(batch.input_nodes, nodes);
  std::uint64_t expected_edges = 0;
  for (std::size_t d = 0; d < nodes.size(); ++d) {
    std::set<std::uint32_t> want;
    for (const VertexId u : g.neighbours(nodes[d])) {
      if (owner[u] == 2 || owner[u] == 7) want.insert(u);
    }
    std::set<std::uint32_t> got;
    for (const std::uint32_t s : block.in_neighbours(d))
      got.insert(nodes[s]);
    EXPECT_EQ(got, want) << "node " << nodes[d];
    expected_edges += want.size();
  }
  EXPECT_EQ(block.num_edges(), expected_edges);
}

TEST(ClusterSampler, ABatchOfEveryClusterIsTheWholeGraph) {
  const datasets::Dataset data = small_csbm();
  const InputFeatures features(data.nodes.features, true);
  for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
    SCOPED_TRACE(to_string(kind));
    Model model = small_model(kind, data);
    const ClusterSampler sampler(data.graph, 6, model.needs_self_loops(), 2);
    std::vector<std::uint32_t> every(sampler.num_clusters());
    for (std::uint32_t c = 0; c < every.size(); ++c)
      every[c] = c;
    const MiniBatch batch = sampler.sample(every);
    std::vector<std::uint32_t> all(data.graph.num_vertices());
    for (std::uint32_t v = 0; v < all.size(); ++v)
      all[v] = v;
    const std::map<std::uint32_t, std::vector<float>> expected =
        full_graph_logits(model, data.graph, features, all);
    InputFeatures batch_features;
    features.gather(batch.input_nodes, batch_features);
    const Tensor& logits =
        model.forward(batch.layer_blocks(model.num_layers()), batch_features.input(), false);
    expect_rows_near(logits, batch.output_nodes, expected);
  }
}

TEST(ClusterSampler, RejectsBadClusterCounts) {
  const datasets::Dataset data = small_csbm();
  EXPECT_THROW(ClusterSampler(data.graph, 0, false, 1), InvalidArgument);
  EXPECT_THROW(ClusterSampler(data.graph, 301, false, 1), InvalidArgument);
  const ClusterSampler sampler(data.graph, 3, false, 1);
  const std::uint32_t outside[] = {3};
  EXPECT_THROW(sampler.sample(outside), InvalidArgument);
}

TEST(InputFeatures, GatherTakesTheRowsOfTheNodesInOrder) {
  const datasets::Dataset data = small_csbm();  // dense features
  const InputFeatures features(data.nodes.features, false);
  const std::vector<std::uint32_t> nodes = {9, 2, 299};
  InputFeatures rows;
  features.gather(nodes, rows);
  const Tensor& gathered = rows.input().dense();
  const DenseFeatures& dense = std::get<DenseFeatures>(data.nodes.features);
  ASSERT_EQ(gathered.rows(), 3u);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = 0; j < dense.cols; ++j)
      EXPECT_EQ(gathered(i, j), dense.row(nodes[i])[j]);
  }
  // Sparse features: the same rows, as a sparse matrix.
  SparseFeatures sparse;
  sparse.rows = 3;
  sparse.cols = 5;
  sparse.offsets = {0, 2, 2, 3};
  sparse.columns = {1, 4, 0};
  sparse.values = {1.0f, 3.0f, 2.0f};
  const InputFeatures bag(Features(sparse), true);  // rows scaled to sum 1
  const std::vector<std::uint32_t> picked = {2, 0, 1};
  bag.gather(picked, rows);
  const SparseMatrix& m = rows.input().sparse_matrix();
  EXPECT_EQ(m.offsets, (std::vector<std::uint64_t>{0, 1, 3, 3}));
  EXPECT_EQ(m.columns, (std::vector<std::uint32_t>{0, 1, 4}));
  EXPECT_EQ(m.values, (std::vector<float>{1.0f, 0.25f, 0.75f}));
}

}  // namespace
}  // namespace graphmini::gnn
