// The trainers, full-graph and mini-batch: they learn, it is reproducible for a seed, early
// stopping and the best-validation model behave as documented, checkpoints resume the run exactly
// and damaged ones are refused, and the citation datasets reach their published accuracy.
#include "gnn/trainer.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <fstream>
#include <optional>
#include <string>
#include <variant>

#include "datasets/linqs.h"
#include "datasets/ogb.h"
#include "datasets/registry.h"
#include "runtime/error.h"
#include "support/homophilous_csbm.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

// Full-graph training, and mini-batch training with either sampler (small batches, so that
// an epoch has several).
std::vector<std::optional<MiniBatchOptions>> every_mode() {
  MiniBatchOptions neighbor;
  neighbor.fanouts = {5, 5};
  neighbor.batch_size = 32;
  MiniBatchOptions cluster;
  cluster.sampler = MiniBatchOptions::Sampler::cluster;
  cluster.clusters = 8;
  cluster.clusters_per_batch = 2;
  return {std::nullopt, neighbor, cluster};
}

std::string mode_name(const std::optional<MiniBatchOptions>& mini) {
  return mini ? to_string(mini->sampler) : "full";
}

// The same losses and validation accuracies, epoch by epoch.
void expect_same_epochs(const TrainResult& a, const TrainResult& b) {
  ASSERT_EQ(a.epochs.size(), b.epochs.size());
  for (std::size_t i = 0; i < a.epochs.size(); ++i) {
    EXPECT_EQ(a.epochs[i].loss, b.epochs[i].loss);
    EXPECT_EQ(a.epochs[i].validation_accuracy, b.epochs[i].validation_accuracy);
  }
}

// One thread: runs are reproducible bit for bit only then.
class Trainer : public ::testing::Test {
 protected:
  tbb::global_control one_thread_{tbb::global_control::max_allowed_parallelism, 1};
  datasets::Dataset data_ = testing::homophilous_csbm();
};

TEST_F(Trainer, EveryModelLearnsAHomophilousGraphInEveryMode) {
  for (const std::optional<MiniBatchOptions>& mini : every_mode()) {
    for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
      SCOPED_TRACE(mode_name(mini) + " " + to_string(kind));
      ModelOptions model = ModelOptions::defaults(kind);
      model.hidden = 16;
      TrainOptions options;
      options.epochs = mini ? 40 : 60;
      options.mini_batch = mini;
      const TrainResult result = train(data_, model, options);
      // Four classes: chance is 25%.
      EXPECT_GT(result.test_accuracy, 0.8);
      EXPECT_LT(result.epochs.back().loss, result.epochs.front().loss);
      const std::size_t train_nodes = static_cast<std::size_t>(
          std::count(data_.nodes.split.begin(), data_.nodes.split.end(), Split::train));
      EXPECT_EQ(result.batches_per_epoch, !mini ? 1
                                          : mini->sampler == MiniBatchOptions::Sampler::cluster
                                              ? 4
                                              : (train_nodes + 31) / 32);
    }
  }
}

TEST_F(Trainer, MiniBatchSettingsMustFitTheModel) {
  TrainOptions options;
  options.epochs = 1;
  options.mini_batch.emplace();
  options.mini_batch->fanouts = {10, 10, 10};
  EXPECT_THROW(train(data_, ModelOptions::defaults(ModelKind::sage), options), InvalidArgument);
  options.mini_batch->fanouts = {10, 10};
  options.mini_batch->batch_size = 0;
  EXPECT_THROW(train(data_, ModelOptions::defaults(ModelKind::sage), options), InvalidArgument);
  options.mini_batch->sampler = MiniBatchOptions::Sampler::cluster;
  options.mini_batch->batch_size = 64;
  options.mini_batch->clusters = 401;
  EXPECT_THROW(train(data_, ModelOptions::defaults(ModelKind::sage), options), InvalidArgument);
}

TEST_F(Trainer, ASeedReproducesTheRunBitForBit) {
  for (const std::optional<MiniBatchOptions>& mini : every_mode()) {
    SCOPED_TRACE(mode_name(mini));
    TrainOptions options;
    options.epochs = mini ? 4 : 15;
    options.mini_batch = mini;
    const ModelOptions gat = ModelOptions::defaults(ModelKind::gat);
    const TrainResult a = train(data_, gat, options);
    const TrainResult b = train(data_, gat, options);
    expect_same_epochs(a, b);
    ModelOptions other = gat;
    other.seed = 2;
    const TrainResult c = train(data_, other, options);
    EXPECT_NE(a.epochs.back().loss, c.epochs.back().loss);
  }
}

TEST_F(Trainer, StopsAfterPatienceEpochsWithoutABetterValidationAccuracy) {
  TrainOptions options;
  options.epochs = 500;
  options.patience = 5;
  const TrainResult result = train(data_, ModelOptions::defaults(ModelKind::gcn), options);
  ASSERT_EQ(result.stopped_by, StopReason::converged);
  EXPECT_EQ(result.epochs.size(), result.best_epoch + 5u);
  const EpochRecord& best = result.epochs[result.best_epoch - 1];
  EXPECT_EQ(result.best_validation_accuracy, best.validation_accuracy);
  EXPECT_EQ(result.test_accuracy, best.test_accuracy);
  for (const EpochRecord& r : result.epochs) {
    EXPECT_LE(r.validation_accuracy, result.best_validation_accuracy);
    // Ties go to the lower validation loss.
    if (r.validation_accuracy == best.validation_accuracy) {
      EXPECT_GE(r.validation_loss, best.validation_loss);
    }
  }
  EXPECT_GT(result.peak_rss_bytes, result.needed_bytes);
}

TEST_F(Trainer, ATimeBudgetEndsTheRunAfterTheEpochThatSpendsIt) {
  TrainOptions options;
  options.patience = 50;
  const ModelOptions model = ModelOptions::defaults(ModelKind::gcn);
  options.epochs = 3;
  const TrainResult capped = train(data_, model, options);
  EXPECT_EQ(capped.stopped_by, StopReason::epochs);
  EXPECT_EQ(capped.epochs.size(), 3u);

  options.epochs = 50;
  options.time_budget_seconds = 1e-9;  // every epoch takes longer
  const TrainResult spent = train(data_, model, options);
  EXPECT_EQ(spent.stopped_by, StopReason::time_budget);
  ASSERT_EQ(spent.epochs.size(), 1u);
  // The one epoch run is the capped run's first: the budget only decides when to stop.
  EXPECT_EQ(spent.epochs[0].loss, capped.epochs[0].loss);

  options.time_budget_seconds = 0;
  EXPECT_THROW(train(data_, model, options), InvalidArgument);
}

// A run that ends between checkpoints (converged, or its budget spent) still saves its last
// epoch, so that resuming it finds the run finished rather than redoing epochs.
TEST_F(Trainer, ARunThatStopsEarlySavesItsLastEpoch) {
  const testing::ScratchDir folder;
  const ModelOptions model = ModelOptions::defaults(ModelKind::gcn);
  TrainOptions options;
  options.epochs = 50;
  options.time_budget_seconds = 1e-9;
  options.checkpoint = folder / "run.ckpt";
  options.checkpoint_every = 10;
  const TrainResult spent = train(data_, model, options);
  ASSERT_EQ(spent.epochs.size(), 1u);
  ASSERT_TRUE(std::filesystem::exists(folder / "run.ckpt"));
  options.resume = true;
  const TrainResult resumed = train(data_, model, options);
  ASSERT_EQ(resumed.epochs.size(), 1u);  // restored, and the budget is spent already
  EXPECT_EQ(resumed.epochs[0].loss, spent.epochs[0].loss);
  EXPECT_EQ(resumed.stopped_by, StopReason::time_budget);
}

TEST_F(Trainer, AResumedRunEqualsTheUninterruptedOne) {
  for (const std::optional<MiniBatchOptions>& mini : every_mode()) {
    SCOPED_TRACE(mode_name(mini));
    const testing::ScratchDir folder;
    const ModelOptions model = ModelOptions::defaults(ModelKind::sage);
    TrainOptions options;
    options.mini_batch = mini;
    options.epochs = 12;
    const TrainResult whole = train(data_, model, options);

    options.checkpoint = folder / "run.ckpt";
    options.checkpoint_every = 4;
    options.epochs = 8;  // interrupted after epoch 8
    train(data_, model, options);
    options.epochs = 12;
    options.resume = true;
    const TrainResult resumed = train(data_, model, options);
    ASSERT_EQ(resumed.epochs.size(), whole.epochs.size());
    for (std::size_t i = 0; i < whole.epochs.size(); ++i) {
      EXPECT_EQ(resumed.epochs[i].loss, whole.epochs[i].loss) << "epoch " << i + 1;
      EXPECT_EQ(resumed.epochs[i].test_accuracy, whole.epochs[i].test_accuracy);
    }
    EXPECT_EQ(resumed.test_accuracy, whole.test_accuracy);
    EXPECT_EQ(testing::count_files(folder.path()), 1u);  // no temporary left behind
  }
}

TEST_F(Trainer, DamagedOrForeignCheckpointsAreRefused) {
  const testing::ScratchDir folder;
  TrainOptions options;
  options.epochs = 2;
  options.checkpoint = folder / "run.ckpt";
  options.checkpoint_every = 1;
  const ModelOptions model = ModelOptions::defaults(ModelKind::gcn);
  train(data_, model, options);
  const std::string good = testing::read_file(*options.checkpoint);
  options.resume = true;
  options.epochs = 3;

  const auto expect_refused = [&](const std::string& bytes, const char* phrase,
                                  const ModelOptions& with) {
    std::ofstream(*options.checkpoint, std::ios::binary) << bytes;
    try {
      train(data_, with, options);
      ADD_FAILURE() << "accepted a checkpoint that should fail with: " << phrase;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  expect_refused(flipped, "corrupted", model);
  expect_refused(good.substr(0, good.size() - 9), "corrupted", model);
  expect_refused("not a checkpoint at all", "not a graphmini checkpoint", model);
  ModelOptions wider = model;
  wider.hidden = 32;
  expect_refused(good, "another run", wider);
}

TEST_F(Trainer, MissingSplitsAreRejected) {
  for (Split& s : data_.nodes.split) {
    if (s == Split::validation) s = Split::none;
  }
  EXPECT_THROW(train(data_, ModelOptions{}, TrainOptions{}), InvalidArgument);
  for (Split& s : data_.nodes.split) {
    if (s == Split::train) s = Split::validation;
  }
  EXPECT_THROW(train(data_, ModelOptions{}, TrainOptions{}), InvalidArgument);
}

// Kipf and Welling's GCN on cora's Planetoid split: 81.5% published (mean of runs); one seed
// lands within a point or two of it.
TEST_F(Trainer, GcnOnCoraReachesThePublishedAccuracy) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const datasets::Dataset cora = datasets::open_dataset((datasets / "citation/cora").string());
  const TrainResult result = train(cora, ModelOptions::defaults(ModelKind::gcn), TrainOptions{});
  EXPECT_GE(result.test_accuracy, 0.795);
  EXPECT_LE(result.test_accuracy, 0.84);
}

// The same dataset in the LINQS and OGB layouts: cora read from LINQS, written as OGB (every
// value spelled out) and read back is stored alike, sparse with the same values, so that GCN
// trains on it step for step the same: the same losses and accuracies, and the same speed.
TEST_F(Trainer, CoraTrainsTheSameFromTheLinqsAndOgbLayouts) {
  GRAPHMINI_REQUIRE_SHARED_DATASETS();
  const datasets::Dataset linqs = datasets::read_linqs(datasets / "citation/cora");
  testing::ScratchDir scratch;
  datasets::write_ogb(linqs, scratch / "cora");
  const datasets::Dataset ogb = datasets::read_ogb(scratch / "cora");
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(linqs.nodes.features));
  ASSERT_TRUE(std::holds_alternative<SparseFeatures>(ogb.nodes.features));
  const auto& from_linqs = std::get<SparseFeatures>(linqs.nodes.features);
  const auto& from_ogb = std::get<SparseFeatures>(ogb.nodes.features);
  EXPECT_EQ(from_ogb.cols, 1433u);
  EXPECT_EQ(from_ogb.offsets, from_linqs.offsets);
  EXPECT_EQ(from_ogb.columns, from_linqs.columns);
  EXPECT_EQ(from_ogb.values, from_linqs.values);

  TrainOptions options;
  options.epochs = 50;
  const ModelOptions gcn = ModelOptions::defaults(ModelKind::gcn);
  const TrainResult a = train(linqs, gcn, options);
  const TrainResult b = train(ogb, gcn, options);
  expect_same_epochs(a, b);
  EXPECT_EQ(a.test_accuracy, b.test_accuracy);
  EXPECT_GT(a.test_accuracy, 0.7);  // it learned: the largest of seven classes is 30% of cora
}

}  // namespace
}  // namespace graphmini::gnn
