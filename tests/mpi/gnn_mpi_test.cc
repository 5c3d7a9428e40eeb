// GNN training spread over the ranks of an MPI job, as ctest runs this program: under
// mpiexec -n K for K = 1, 2, 4 (and once over TCP alone). Every rank trains the same model on
// the same data twice, once with the job's ranks (gnn/trainer.h: mini-batch, each rank a
// share of every batch; full-graph, each rank a part of the graph) and once alone, and checks
// that the two agree; the root gathers what must be equal on every rank. Only the root
// prints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "datasets/registry.h"
#include "gnn/partition.h"
#include "gnn/sampler.h"
#include "gnn/trainer.h"
#include "runtime/checksum.h"
#include "runtime/cluster.h"
#include "support/homophilous_csbm.h"
#include "support/test_support.h"

namespace graphmini {
namespace {

Cluster& cluster() {
  return Cluster::get();
}

// Whether every rank has the same value (on the root; true elsewhere).
bool same_on_every_rank(std::uint64_t value) {
  for (const std::uint64_t other : cluster().gather(value)) {
    if (other != value) return false;
  }
  return true;
}

gnn::TrainOptions mini_batch(std::uint32_t epochs, std::size_t batch_size) {
  gnn::TrainOptions options;
  options.epochs = epochs;
  options.mini_batch.emplace();
  options.mini_batch->fanouts = {10, 5};
  options.mini_batch->batch_size = batch_size;
  return options;
}

// A model of the kind, narrow enough for the synthetic graph's 16 features.
gnn::ModelOptions small(gnn::ModelKind kind) {
  gnn::ModelOptions model = gnn::ModelOptions::defaults(kind);
  model.hidden = kind == gnn::ModelKind::gat ? 4 : 16;
  return model;
}

// Losses and accuracies of a run over the ranks against the same run in one process: the
// same batches, samples and dropout masks, so they differ only by the order of float sums.
void expect_same_training(const gnn::TrainResult& ranks, const gnn::TrainResult& alone) {
  ASSERT_EQ(ranks.epochs.size(), alone.epochs.size());
  for (std::size_t e = 0; e < alone.epochs.size(); ++e) {
    SCOPED_TRACE("epoch " + std::to_string(e + 1));
    EXPECT_NEAR(ranks.epochs[e].loss, alone.epochs[e].loss, 2e-5 * alone.epochs[e].loss);
    EXPECT_NEAR(ranks.epochs[e].validation_loss, alone.epochs[e].validation_loss,
                2e-5 * alone.epochs[e].validation_loss);
    // An accuracy may move by a node whose two best logits are within rounding.
    EXPECT_NEAR(ranks.epochs[e].validation_accuracy, alone.epochs[e].validation_accuracy, 0.01);
  }
  EXPECT_EQ(ranks.ranks, cluster().size());
  EXPECT_TRUE(same_on_every_rank(ranks.parameters_crc)) << "the ranks' parameters differ";
}

// Sums over the ranks have the same bits everywhere, and add up what each rank gave; the
// bytes each rank sends are those of the ring: 2 (K - 1) / K of the values.
TEST(ClusterSum, AddsUpTheRanksValuesWithTheSameBitsEverywhere) {
  const int k = cluster().size();
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{3}, std::size_t{1000}, std::size_t{4096}}) {
    SCOPED_TRACE(std::to_string(n) + " values");
    std::vector<float> values(n);
    std::vector<float> expected(n, 0.0f);
    for (int rank = 0; rank < k; ++rank) {
      std::mt19937_64 random(static_cast<std::uint64_t>(rank) * 1000 + n);
      std::uniform_real_distribution<float> uniform(-1, 1);
      for (std::size_t i = 0; i < n; ++i) {
        const float v = uniform(random);
        expected[i] += v;
        if (rank == cluster().rank()) values[i] = v;
      }
    }
    const Cluster::Traffic before = cluster().traffic();
    cluster().sum(values);
    const Cluster::Traffic after = cluster().traffic();
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_NEAR(values[i], expected[i], 1e-5) << "value " << i;
    EXPECT_TRUE(same_on_every_rank(crc32_of_array(std::span<const float>(values))));
    if (n % static_cast<std::size_t>(k) == 0) {
      EXPECT_EQ(
          after.bytes_sent - before.bytes_sent,
          2 * (static_cast<std::size_t>(k) - 1) * n / static_cast<std::size_t>(k) * sizeof(float));
    }
  }
}

// A broadcast gives every rank the root's values, whatever the others held.
TEST(ClusterBroadcast, GivesEveryRankTheRootsValues) {
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{100001}}) {
    std::vector<std::uint32_t> values(n, static_cast<std::uint32_t>(cluster().rank()) + 7);
    if (cluster().is_root()) {
      for (std::size_t i = 0; i < n; ++i)
        values[i] = static_cast<std::uint32_t>(i * 3 + 1);
    }
    cluster().broadcast(values);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(values[i], i * 3 + 1) << "value " << i << " of " << n;
  }
}

// GCN, GraphSAGE and GAT (with dropout, and GAT's attention dropout) on the synthetic graph:
// batches of 64 of its 200 training nodes, so that the ranks' shares differ in size.
TEST(DistributedMiniBatch, EveryModelTrainsAsInOneProcess) {
  const datasets::Dataset data = testing::homophilous_csbm();
  for (const gnn::ModelKind kind :
       {gnn::ModelKind::gcn, gnn::ModelKind::sage, gnn::ModelKind::gat}) {
    SCOPED_TRACE(gnn::to_string(kind));
    const gnn::ModelOptions model = small(kind);
    gnn::TrainOptions options = mini_batch(4, 64);
    const gnn::TrainResult alone = gnn::train(data, model, options);
    options.cluster = &cluster();
    expect_same_training(gnn::train(data, model, options), alone);
  }
}

// The published citation data: GraphSAGE's loss curve on cora with batches of 32 (five per
// epoch), on every rank count, follows one process's.
TEST(DistributedMiniBatch, SageOnCoraFollowsOneProcess) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const datasets::Dataset cora = datasets::open_dataset((datasets / "citation/cora").string());
  const gnn::ModelOptions model = gnn::ModelOptions::defaults(gnn::ModelKind::sage);
  gnn::TrainOptions options = mini_batch(5, 32);
  const gnn::TrainResult alone = gnn::train(cora, model, options);
  options.cluster = &cluster();
  expect_same_training(gnn::train(cora, model, options), alone);
}

gnn::TrainOptions full_graph(std::uint32_t epochs) {
  gnn::TrainOptions options;
  options.epochs = epochs;
  return options;
}

// Every rank fills its own nodes' rows with a function of the node; after the halo exchange
// each halo row holds its node's, and the gradients' way back adds to each owned row one copy
// from every peer whose halo has it: as many as the other parts among its neighbours, counted
// here from the partition itself.
TEST(GraphPartition, HaloExchangeMatchesADirectComputation) {
  std::mt19937_64 random(9);
  const Graph graph = testing::random_graph(random, 300, 0.03);
  gnn::GraphPartition partition(graph, cluster(), true, 5);
  const std::vector<std::uint32_t> part = gnn::partition_graph(graph, cluster().size(), 5);
  const std::span<const std::uint32_t> ids = partition.node_ids();
  std::size_t owned = 0;
  for (const std::uint32_t p : part)
    owned += p == static_cast<std::uint32_t>(cluster().rank()) ? 1 : 0;
  ASSERT_EQ(partition.num_owned(), owned);
  constexpr std::size_t kWidth = 3;
  const auto value = [](std::uint32_t v, std::size_t j) { return static_cast<float>(v * 4 + j); };
  gnn::Tensor rows(partition.num_owned(), kWidth);
  for (std::size_t d = 0; d < partition.num_owned(); ++d) {
    for (std::size_t j = 0; j < kWidth; ++j)
      rows(d, j) = value(ids[d], j);
  }
  partition.gather(rows);
  ASSERT_EQ(rows.rows(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t j = 0; j < kWidth; ++j)
      ASSERT_EQ(rows(i, j), value(ids[i], j)) << "row " << i << " (node " << ids[i] << ")";
  }
  // Every halo node has an owned neighbour, and every neighbour of an owned node is here.
  std::set<std::uint32_t> here(ids.begin(), ids.end());
  for (std::size_t d = 0; d < partition.num_owned(); ++d) {
    for (const VertexId u : graph.neighbours(ids[d]))
      EXPECT_TRUE(here.count(u)) << "neighbour " << u << " of " << ids[d] << " is missing";
  }
  partition.scatter(rows);
  ASSERT_EQ(rows.rows(), partition.num_owned());
  for (std::size_t d = 0; d < partition.num_owned(); ++d) {
    std::set<std::uint32_t> peers;
    for (const VertexId u : graph.neighbours(ids[d])) {
      if (part[u] != part[ids[d]]) peers.insert(part[u]);
    }
    for (std::size_t j = 0; j < kWidth; ++j) {
      ASSERT_EQ(rows(d, j), value(ids[d], j) * static_cast<float>(1 + peers.size()))
          << "node " << ids[d];
    }
  }
}

// Full-graph training over a partition gives single-process training's losses and accuracies,
// for GCN, GraphSAGE and GAT (dropout and attention dropout included), with identical
// parameters on every rank.
TEST(DistributedFullGraph, EveryModelTrainsAsInOneProcess) {
  const datasets::Dataset data = testing::homophilous_csbm();
  for (const gnn::ModelKind kind :
       {gnn::ModelKind::gcn, gnn::ModelKind::sage, gnn::ModelKind::gat}) {
    SCOPED_TRACE(gnn::to_string(kind));
    const gnn::ModelOptions model = small(kind);
    gnn::TrainOptions options = full_graph(5);
    const gnn::TrainResult alone = gnn::train(data, model, options);
    options.cluster = &cluster();
    const gnn::TrainResult ranks = gnn::train(data, model, options);
    expect_same_training(ranks, alone);
    const std::vector<std::uint64_t> owned = cluster().gather(ranks.owned_nodes);
    if (cluster().is_root() && cluster().distributed()) {
      std::uint64_t total = 0;
      for (const std::uint64_t n : owned)
        total += n;
      EXPECT_EQ(total, data.nodes.num_nodes());
    }
  }
}

// The same on the published citation graphs, for each model.
TEST(DistributedFullGraph, CoraAndCiteseerTrainAsInOneProcess) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  for (const char* name : {"cora", "citeseer"}) {
    const datasets::Dataset data = datasets::open_dataset((datasets / "citation" / name).string());
    for (const gnn::ModelKind kind :
         {gnn::ModelKind::gcn, gnn::ModelKind::sage, gnn::ModelKind::gat}) {
      SCOPED_TRACE(std::string(name) + " " + gnn::to_string(kind));
      const gnn::ModelOptions model = gnn::ModelOptions::defaults(kind);
      gnn::TrainOptions options = full_graph(kind == gnn::ModelKind::sage ? 3 : 5);
      const gnn::TrainResult alone = gnn::train(data, model, options);
      options.cluster = &cluster();
      expect_same_training(gnn::train(data, model, options), alone);
    }
  }
}

// A rank that reads its part's and its halo's features only (datasets/dataset.h) trains exactly
// what a rank holding them all trains, on the generated graph and on cora's file; and its
// checkpoint, fingerprinted with the CRC of all the features, resumes in one process that
// holds them. Mini-batch training, which reads them all, trains as with them held.
TEST(DistributedFullGraph, FeaturesReadOnDemandTrainAsTheWholeDataset) {
  std::vector<std::pair<datasets::Dataset, datasets::Dataset>> cases;
  cases.emplace_back(testing::homophilous_csbm(),
                     testing::homophilous_csbm(datasets::FeatureLoading::on_demand));
  if (const auto shared = testing::shared_datasets()) {
    const std::string cora = (*shared / "citation/cora").string();
    cases.emplace_back(datasets::open_dataset(cora),
                       datasets::open_dataset(cora, "", datasets::FeatureLoading::on_demand));
  }
  double tag[1] = {cluster().is_root() ? static_cast<double>(std::random_device{}()) : 0.0};
  cluster().sum(tag);
  for (const auto& [whole, lazy] : cases) {
    SCOPED_TRACE(whole.name);
    const gnn::ModelOptions model = gnn::ModelOptions::defaults(gnn::ModelKind::gcn);
    gnn::TrainOptions options = full_graph(4);
    options.cluster = &cluster();
    const gnn::TrainResult held = gnn::train(whole, model, options);
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("graphmini-gnn-mpi-lazy-" + std::to_string(static_cast<std::uint64_t>(tag[0])) + ".ckpt");
    options.checkpoint = path;
    options.checkpoint_every = 2;
    const gnn::TrainResult read = gnn::train(lazy, model, options);
    ASSERT_EQ(read.epochs.size(), held.epochs.size());
    for (std::size_t e = 0; e < held.epochs.size(); ++e)
      EXPECT_EQ(read.epochs[e].loss, held.epochs[e].loss) << "epoch " << e + 1;
    EXPECT_EQ(read.parameters_crc, held.parameters_crc);
    cluster().max(0);  // the checkpoint is written before any rank reads it
    if (cluster().is_root()) {
      gnn::TrainOptions resume = full_graph(6);
      resume.checkpoint = path;
      resume.resume = true;
      const gnn::TrainResult resumed = gnn::train(whole, model, resume);
      EXPECT_EQ(resumed.epochs.size(), 6u);
      std::filesystem::remove(path);
    }
    cluster().max(0);
  }
  // Mini-batch training reads every row of on-demand features (each rank holds them all).
  const auto& [whole, lazy] = cases.front();
  const gnn::ModelOptions model = small(gnn::ModelKind::sage);
  gnn::TrainOptions options = mini_batch(2, 64);
  options.cluster = &cluster();
  const gnn::TrainResult held = gnn::train(whole, model, options);
  const gnn::TrainResult read = gnn::train(lazy, model, options);
  EXPECT_EQ(read.parameters_crc, held.parameters_crc);
}

// Boundary sampling exchanges about P of the halo each epoch: with P = 0.3 a rank sends well
// under half of what exact training sends (the weights' gradients aside), and still learns.
TEST(DistributedFullGraph, BoundarySamplingSendsAFractionOfTheHalo) {
  if (!cluster().distributed()) GTEST_SKIP() << "one rank has no boundary";
  const datasets::Dataset data = testing::homophilous_csbm();
  gnn::ModelOptions model = gnn::ModelOptions::defaults(gnn::ModelKind::sage);
  model.hidden = 16;
  gnn::TrainOptions options = full_graph(20);
  options.cluster = &cluster();
  const gnn::TrainResult exact = gnn::train(data, model, options);
  options.boundary_sample = 0.3;
  const gnn::TrainResult sampled = gnn::train(data, model, options);
  EXPECT_LT(sampled.bytes_sent, exact.bytes_sent);
  // SAGE 16 -> 16 -> 4 over a ring: 2 (K - 1) / K of its parameters per epoch.
  const double k = cluster().size();
  const double gradients = 20 * 2 * (k - 1) / k * ((16 + 16) * 16 + 16 + (16 + 16) * 4 + 4) * 4;
  const double halo_exact = static_cast<double>(exact.bytes_sent) - gradients;
  const double halo_sampled = static_cast<double>(sampled.bytes_sent) - gradients;
  EXPECT_GT(halo_exact, 0);
  EXPECT_LT(halo_sampled, 0.5 * halo_exact);
  EXPECT_GT(halo_sampled, 0.1 * halo_exact);
  EXPECT_GT(sampled.test_accuracy, 0.6);  // four classes: chance is 0.25
  EXPECT_TRUE(same_on_every_rank(sampled.parameters_crc));
}

// A checkpoint written by the ranks resumes in one process, and one written by one process
// resumes on the ranks, in either mode: the run ends as an uninterrupted one does.
TEST(DistributedTraining, CheckpointsResumeOnAnyNumberOfRanks) {
  const datasets::Dataset data = testing::homophilous_csbm();
  const gnn::ModelOptions model = gnn::ModelOptions::defaults(gnn::ModelKind::gcn);
  // A file of this job's own (ctest may run several jobs at once), named by the root.
  double tag[1] = {cluster().is_root() ? static_cast<double>(std::random_device{}()) : 0.0};
  cluster().sum(tag);
  for (const bool mini : {true, false}) {
    const auto options = [&](std::uint32_t epochs) {
      return mini ? mini_batch(epochs, 64) : full_graph(epochs);
    };
    const gnn::TrainResult whole = gnn::train(data, model, options(6));
    for (const bool ranks_first : {true, false}) {
      SCOPED_TRACE(std::string(mini ? "mini-batch, " : "full graph, ") +
                   (ranks_first ? "written on the ranks, resumed alone"
                                : "written alone, resumed on the ranks"));
      const std::filesystem::path path =
          std::filesystem::temp_directory_path() /
          ("graphmini-gnn-mpi-" + std::to_string(static_cast<std::uint64_t>(tag[0])) + "-" +
           std::to_string(mini) + std::to_string(ranks_first) + ".ckpt");
      if (cluster().is_root()) std::filesystem::remove(path);
      gnn::TrainOptions first = options(3);
      first.checkpoint = path;
      first.checkpoint_every = 3;
      if (ranks_first) {
        first.cluster = &cluster();
        gnn::train(data, model, first);
      } else if (cluster().is_root()) {
        gnn::train(data, model, first);
      }
      cluster().max(0);  // the checkpoint is written before any rank reads it
      gnn::TrainOptions second = options(6);
      second.checkpoint = path;
      second.resume = true;
      second.checkpoint_every = 100;
      if (!ranks_first) second.cluster = &cluster();
      const gnn::TrainResult resumed = gnn::train(data, model, second);
      ASSERT_EQ(resumed.epochs.size(), 6u);
      for (std::size_t e = 3; e < 6; ++e)
        EXPECT_NEAR(resumed.epochs[e].loss, whole.epochs[e].loss, 2e-5) << "epoch " << e + 1;
      cluster().max(0);
      if (cluster().is_root()) std::filesystem::remove(path);
    }
  }
}

}  // namespace
}  // namespace graphmini
