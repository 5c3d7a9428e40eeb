// The time-to-accuracy comparison: seeds are paired, each seed's target is the lowest of its
// methods' best validation accuracies (leaving out one that failed to train) unless given,
// the ladder follows each seed's best, and a run's time to a target is its training time up
// to the first epoch that reaches it.
#include "gnn/compare.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>

#include "runtime/error.h"
#include "support/homophilous_csbm.h"

namespace graphmini::gnn {
namespace {

EpochRecord epoch(std::uint32_t n, double validation, double seconds) {
  EpochRecord r;
  r.epoch = n;
  r.validation_accuracy = validation;
  r.seconds = seconds;
  r.evaluation_seconds = 100;  // never counted
  return r;
}

TEST(Compare, TimeToTargetSumsTrainingTimeUpToTheFirstEpochThatReachesIt) {
  const std::vector<EpochRecord> epochs = {epoch(1, 0.5, 1.0), epoch(2, 0.7, 2.0),
                                           epoch(3, 0.6, 4.0), epoch(4, 0.8, 8.0)};
  const auto at_70 = time_to_target(epochs, 0.7);
  ASSERT_TRUE(at_70);
  EXPECT_EQ(at_70->first, 3.0);
  EXPECT_EQ(at_70->second, 2u);
  const auto at_75 = time_to_target(epochs, 0.75);
  ASSERT_TRUE(at_75);
  EXPECT_EQ(at_75->first, 15.0);
  EXPECT_EQ(at_75->second, 4u);
  EXPECT_FALSE(time_to_target(epochs, 0.81));
  EXPECT_FALSE(time_to_target({}, 0.1));
}

TEST(Compare, SummarizeGivesMeanAndSampleStandardDeviation) {
  const Statistic s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.std, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(summarize({3}).std, 0.0);
  EXPECT_EQ(summarize({}).count, 0u);
}

TEST(Compare, AMethodFailedToTrainWhenItGotLessThanHalfwayFromTheMajorityClassToTheBest) {
  // Majority class 30%, best 80%: halfway is 55%.
  EXPECT_TRUE(failed_to_train(0.54, 0.8, 0.3));
  EXPECT_FALSE(failed_to_train(0.55, 0.8, 0.3));
  EXPECT_FALSE(failed_to_train(0.8, 0.8, 0.3));
  // When nothing beats the majority class, no method is singled out.
  EXPECT_FALSE(failed_to_train(0.1, 0.3, 0.3));
}

// Epochs reaching `accuracies` in turn, each taking one second.
TrainingRun run(const std::string& method, std::uint64_t seed,
                const std::vector<double>& accuracies, std::optional<StopReason> stopped) {
  TrainingRun r;
  r.method = method;
  r.seed = seed;
  for (std::size_t i = 0; i < accuracies.size(); ++i)
    r.epochs.push_back(epoch(static_cast<std::uint32_t>(i + 1), accuracies[i], 1.0));
  if (stopped) {
    r.result.emplace();
    r.result->stopped_by = *stopped;
    r.result->epochs = r.epochs;
  }
  return r;
}

Comparison two_seeds() {
  Comparison c;
  c.methods = {"full", "neighbor", "cluster"};
  c.seeds = 2;
  c.ladder = {0.5, 1.0};
  c.majority_accuracy = 0.3;
  c.runs = {run("full", 1, {0.4, 0.6, 0.8}, StopReason::converged),
            run("neighbor", 1, {0.7, 0.65}, StopReason::time_budget),
            run("cluster", 1, {0.3, 0.35}, StopReason::converged),  // failed: below 55%
            run("full", 2, {0.5, 0.9}, StopReason::epochs),
            run("neighbor", 2, {0.6}, std::nullopt)};  // running; cluster not started
  return c;
}

TEST(Compare, EachSeedSetsItsOwnTargetsFromItsMethodsThatTrained) {
  const Comparison c = two_seeds();
  const Summary summary = measure(c);
  ASSERT_EQ(summary.seeds.size(), 2u);
  // Seed 1: best 0.8 (full); cluster failed, so the target is neighbor's 0.7.
  EXPECT_EQ(summary.seeds[0].best, 0.8);
  EXPECT_EQ(summary.seeds[0].target, 0.7);
  EXPECT_EQ(summary.seeds[0].failed, std::vector<std::string>{"cluster"});
  EXPECT_EQ(summary.seeds[0].ladder, (std::vector<double>{0.4, 0.8}));
  // Seed 2 so far: best 0.9, target the running neighbor run's 0.6.
  EXPECT_EQ(summary.seeds[1].best, 0.9);
  EXPECT_EQ(summary.seeds[1].target, 0.6);
  EXPECT_TRUE(summary.seeds[1].failed.empty());
  EXPECT_DOUBLE_EQ(summary.target().mean, 0.65);

  ASSERT_EQ(summary.methods.size(), 3u);
  const MethodSummary& full = summary.methods[0];
  ASSERT_EQ(full.runs.size(), 2u);
  EXPECT_EQ(full.runs[0].time_to_target, 3.0);  // 0.8 >= 0.7 at its third epoch
  EXPECT_EQ(full.runs[1].time_to_target, 2.0);  // 0.9 >= 0.6 at its second
  EXPECT_EQ(full.runs[0].time_to_ladder, (std::vector<std::optional<double>>{1.0, 3.0}));
  EXPECT_EQ(full.runs[1].time_to_ladder, (std::vector<std::optional<double>>{1.0, 2.0}));
  EXPECT_EQ(full.time_to_target().mean, 2.5);
  EXPECT_EQ(full.stopped_by[static_cast<std::size_t>(StopReason::converged)], 1u);
  EXPECT_EQ(full.stopped_by[static_cast<std::size_t>(StopReason::epochs)], 1u);
  EXPECT_EQ(full.finished, 2u);

  const MethodSummary& neighbor = summary.methods[1];
  EXPECT_EQ(neighbor.runs[0].time_to_target, 1.0);
  EXPECT_EQ(neighbor.runs[0].time_to_ladder,
            (std::vector<std::optional<double>>{1.0, std::nullopt}));  // never 0.8
  EXPECT_EQ(neighbor.runs[1].time_to_target, 1.0);
  EXPECT_EQ(neighbor.finished, 1u);  // seed 2 still running
  EXPECT_EQ(neighbor.stopped_by[static_cast<std::size_t>(StopReason::time_budget)], 1u);
  EXPECT_DOUBLE_EQ(neighbor.best_validation().mean, 0.65);

  const MethodSummary& cluster = summary.methods[2];
  ASSERT_EQ(cluster.runs.size(), 1u);
  EXPECT_TRUE(cluster.runs[0].failed);
  EXPECT_EQ(cluster.failed, 1u);
  EXPECT_FALSE(cluster.runs[0].time_to_target);
  EXPECT_EQ(cluster.time_to_target().count, 0u);
}

TEST(Compare, AGivenTargetIsEverySeedsAndTheLadderStillFollowsTheBest) {
  Comparison c = two_seeds();
  c.given_target = 0.62;
  const Summary summary = measure(c);
  EXPECT_EQ(summary.seeds[0].target, 0.62);
  EXPECT_EQ(summary.seeds[1].target, 0.62);
  EXPECT_EQ(summary.seeds[0].ladder, (std::vector<double>{0.4, 0.8}));
  EXPECT_EQ(summary.methods[0].runs[0].time_to_target, 3.0);
  EXPECT_EQ(summary.methods[0].runs[1].time_to_target, 2.0);
  EXPECT_FALSE(summary.methods[1].runs[1].time_to_target);  // 0.6 so far
}

class Comparing : public ::testing::Test {
 protected:
  static CompareOptions three_methods() {
    MiniBatchOptions mini;
    mini.fanouts = {5, 5};
    mini.batch_size = 64;
    mini.clusters = 8;
    mini.clusters_per_batch = 2;
    CompareOptions options;
    options.methods = standard_methods(mini);
    options.seeds = 2;
    return options;
  }
  tbb::global_control one_thread_{tbb::global_control::max_allowed_parallelism, 1};
  datasets::Dataset data_ = testing::homophilous_csbm();
  ModelOptions model_ = [] {
    ModelOptions m = ModelOptions::defaults(ModelKind::sage);
    m.hidden = 16;
    return m;
  }();
  TrainOptions training_ = [] {
    TrainOptions t;
    t.epochs = 40;
    t.patience = 10;
    return t;
  }();
};

TEST_F(Comparing, SeedsArePairedAndEveryRunIsMeasuredAgainstItsSeedsTarget) {
  std::vector<std::string> started;
  std::size_t epochs_seen = 0;
  CompareOptions options = three_methods();
  options.on_run_start = [&](const Comparison& c) {
    started.push_back(c.runs.back().method + std::to_string(c.runs.back().seed));
    EXPECT_TRUE(c.runs.back().epochs.empty());
  };
  options.on_epoch = [&](const Comparison& c) {
    ++epochs_seen;
    EXPECT_FALSE(c.runs.back().result);  // still running
    EXPECT_FALSE(c.complete);
  };
  const Comparison c = compare(data_, model_, training_, options);
  EXPECT_EQ(started, (std::vector<std::string>{"full1", "neighbor1", "cluster1", "full2",
                                               "neighbor2", "cluster2"}));
  EXPECT_TRUE(c.complete);
  EXPECT_FALSE(c.given_target);
  std::vector<int> per_class(4);
  int validation = 0;
  for (std::size_t i = 0; i < data_.nodes.num_nodes(); ++i) {
    if (data_.nodes.split[i] != Split::validation) continue;
    ++per_class[static_cast<std::size_t>(data_.nodes.labels[i])];
    ++validation;
  }
  EXPECT_EQ(c.majority_accuracy,
            static_cast<double>(*std::max_element(per_class.begin(), per_class.end())) /
                validation);
  ASSERT_EQ(c.runs.size(), 6u);
  std::size_t epochs = 0;
  for (const TrainingRun& r : c.runs) {
    ASSERT_TRUE(r.result);
    EXPECT_EQ(r.epochs.size(), r.result->epochs.size());
    EXPECT_EQ(r.best_validation(), r.result->best_validation_accuracy);
    epochs += r.epochs.size();
  }
  EXPECT_EQ(epochs_seen, epochs);
  EXPECT_NE(c.runs[0].epochs.back().loss, c.runs[3].epochs.back().loss);  // two seeds

  const Summary summary = measure(c);
  ASSERT_EQ(summary.seeds.size(), 2u);
  for (const SeedTargets& seed : summary.seeds) {
    SCOPED_TRACE(seed.seed);
    EXPECT_TRUE(seed.failed.empty());  // every method learns
    double lowest = 1;
    for (const TrainingRun& r : c.runs) {
      if (r.seed == seed.seed) lowest = std::min(lowest, r.best_validation());
    }
    EXPECT_EQ(seed.target, lowest);
    EXPECT_GT(seed.target, 0.6);
  }
  for (const MethodSummary& m : summary.methods) {
    SCOPED_TRACE(m.name);
    ASSERT_EQ(m.runs.size(), 2u);
    // 240 training nodes in batches of 64; 8 clusters in batches of 2.
    EXPECT_EQ(m.runs[0].run->result->batches_per_epoch, m.name == "full" ? 1u : 4u);
    for (std::size_t s = 0; s < m.runs.size(); ++s) {
      const auto reached = time_to_target(m.runs[s].run->epochs, summary.seeds[s].target);
      ASSERT_TRUE(reached);  // every method reaches the lowest best of its seed
      EXPECT_EQ(*m.runs[s].time_to_target, reached->first);
      EXPECT_EQ(*m.runs[s].epochs_to_target, reached->second);
      EXPECT_LE(*m.runs[s].time_to_target, m.runs[s].run->result->train_seconds);
    }
  }
}

TEST_F(Comparing, BadSettingsAreRefused) {
  CompareOptions options = three_methods();
  options.target = 1.5;
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
  options.target.reset();
  options.seeds = 0;
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
  options.seeds = 1;
  options.ladder = {0.9, 0.5};
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
  options.ladder = {0, 1};
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
  options.ladder = {0.5, 1};
  options.methods.clear();
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::gnn
