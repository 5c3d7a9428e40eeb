// The time-to-accuracy comparison: the target is the lowest of the methods' converged
// validation accuracies unless given, and each run's time to it is its training time up to
// the first epoch that reaches it.
#include "gnn/compare.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>

#include "support/homophilous_csbm.h"
#include "runtime/error.h"

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

TEST_F(Comparing, TheTargetIsTheLowestConvergedAccuracyAndEveryRunIsMeasuredAgainstIt) {
  std::vector<std::string> started;
  CompareOptions options = three_methods();
  options.on_run = [&](const std::string& method, std::uint64_t seed) {
    started.push_back(method + std::to_string(seed));
  };
  const Comparison c = compare(data_, model_, training_, options);
  EXPECT_EQ(started, (std::vector<std::string>{"full1", "full2", "neighbor1", "neighbor2",
                                               "cluster1", "cluster2"}));
  ASSERT_EQ(c.methods.size(), 3u);
  EXPECT_FALSE(c.target_given);
  double lowest = 1;
  for (const MethodRuns& m : c.methods)
    lowest = std::min(lowest, m.best_validation().mean);
  EXPECT_EQ(c.target, lowest);
  EXPECT_GT(c.target, 0.6);  // every method learns (chance is 25%)
  for (const MethodRuns& m : c.methods) {
    SCOPED_TRACE(m.name);
    ASSERT_EQ(m.runs.size(), 2u);
    EXPECT_NE(m.runs[0].epochs.back().loss, m.runs[1].epochs.back().loss);  // two seeds
    // 240 training nodes in batches of 64; 8 clusters in batches of 2.
    EXPECT_EQ(m.runs[0].batches_per_epoch, m.name == "full" ? 1u : 4u);
    for (std::size_t s = 0; s < m.runs.size(); ++s) {
      const auto reached = time_to_target(m.runs[s].epochs, c.target);
      ASSERT_EQ(m.time_to_target[s].has_value(), reached.has_value());
      if (!reached) continue;
      EXPECT_EQ(*m.time_to_target[s], reached->first);
      EXPECT_EQ(*m.epochs_to_target[s], reached->second);
      EXPECT_LE(*m.time_to_target[s], m.runs[s].train_seconds);
    }
    // A method's mean best is at most its best run's, so the method that sets the target
    // reaches it in at least one run, and so does every other.
    EXPECT_GE(m.time_to_target_seconds().count, 1u);
  }
}

TEST_F(Comparing, AGivenTargetIsUsedAsItIs) {
  CompareOptions options = three_methods();
  options.seeds = 1;
  options.methods.resize(1);  // full-graph only
  options.target = 0.3;
  const Comparison c = compare(data_, model_, training_, options);
  EXPECT_TRUE(c.target_given);
  EXPECT_EQ(c.target, 0.3);
  ASSERT_TRUE(c.methods[0].time_to_target[0]);
  const std::uint32_t first = *c.methods[0].epochs_to_target[0];
  const std::vector<EpochRecord>& epochs = c.methods[0].runs[0].epochs;
  EXPECT_GE(epochs[first - 1].validation_accuracy, 0.3);
  for (std::uint32_t e = 1; e < first; ++e)
    EXPECT_LT(epochs[e - 1].validation_accuracy, 0.3);

  options.target = 1.5;
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
  options.target.reset();
  options.seeds = 0;
  EXPECT_THROW(compare(data_, model_, training_, options), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::gnn
