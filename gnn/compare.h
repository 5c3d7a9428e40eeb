// Time-to-accuracy comparison of training methods, as Bajaj et al. ("Graph Neural Network
// Training Systems: A Performance Comparison of Full-Graph and Mini-Batch", PVLDB 2025) make
// it: the same model trained full-graph and mini-batch (neighbour and cluster sampling), each
// until convergence (no better validation accuracy for `patience` epochs, or a time budget),
// then measured against a target validation accuracy.
//
// Seeds are paired: seed s trains every method with model seed s, and the methods of one seed
// share that seed's targets, so that a seed that trains well for all does not move another
// seed's bar. A seed's target is the paper's: the lowest of its methods' best validation
// accuracies (unless a target is given), leaving out a method that failed to train, whose
// best is less than halfway from the majority class's accuracy to the seed's best method
// (it would otherwise set a target every method reaches at once). Beside it, a ladder of
// targets at fractions of the seed's best method's accuracy (90%, 95%, 99% and 100% by
// default) shows how soon each method gets close to the best anyone did, and how close it
// gets at all.
//
// A run's time to a target is its training time (evaluation excluded, as everywhere) summed
// over the epochs up to the first whose validation accuracy reaches it; a run that never
// reaches it has none. Per method the figures are mean and standard deviation over the seeds
// (time and epochs to a target over the runs that reached it).
//
// Everything is computed from the runs as they stand, so a comparison can be summarised at
// any moment of its progress (the command line writes its files after every epoch).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset.h"
#include "gnn/trainer.h"

namespace graphmini::gnn {

struct Method {
  std::string name;                            // "full", "neighbor" or "cluster"
  std::optional<MiniBatchOptions> mini_batch;  // none: full-graph
};

// Full-graph, neighbour sampling and cluster sampling with `mini`'s settings.
std::vector<Method> standard_methods(const MiniBatchOptions& mini);

struct Statistic {
  double mean = 0;
  double std = 0;  // sample standard deviation; 0 for one value
  std::size_t count = 0;
};
Statistic summarize(const std::vector<double>& values);

// One training run: a method with a model seed, its epochs so far and, once it has ended, its
// result.
struct TrainingRun {
  std::string method;
  std::uint64_t seed = 0;
  std::vector<EpochRecord> epochs;
  std::optional<TrainResult> result;

  double best_validation() const;  // so far; 0 before the first epoch
  double train_seconds() const;    // so far
};

struct Comparison {
  std::vector<std::string> methods;  // in the order they run within a seed
  std::size_t seeds = 0;
  std::optional<double> given_target;
  std::vector<double> ladder;  // fractions of a seed's best accuracy, increasing
  // The validation accuracy of always answering the commonest validation class.
  double majority_accuracy = 0;
  // Seed by seed, each seed's methods in order; the last may still be running.
  std::vector<TrainingRun> runs;
  bool complete = false;  // every run has ended
};

struct CompareOptions {
  std::vector<Method> methods;
  std::size_t seeds = 1;  // model seeds 1 .. seeds
  std::optional<double> target;
  std::vector<double> ladder = {0.90, 0.95, 0.99, 1.0};
  // Called when a run starts, after each of its epochs and when it ends, with the whole
  // comparison so far (the run is its last).
  std::function<void(const Comparison&)> on_run_start;
  std::function<void(const Comparison&)> on_epoch;
  std::function<void(const Comparison&)> on_run_end;
};

// Trains `model` with every seed and method (the model seed is replaced by 1 .. seeds) and
// returns every run. Resets the process's peak resident set before each run, so that each
// run's peak is its own.
Comparison compare(const datasets::Dataset& dataset, const ModelOptions& model,
                   const TrainOptions& training, const CompareOptions& options);

// The training seconds up to the first epoch whose validation accuracy reaches `target`, and
// that epoch; nothing when no epoch does.
std::optional<std::pair<double, std::uint32_t>> time_to_target(
    const std::vector<EpochRecord>& epochs, double target);

// ---- the comparison's figures ----------------------------------------------------------------

// A seed's bars, from its runs so far.
struct SeedTargets {
  std::uint64_t seed = 0;
  double best = 0;                  // the best validation accuracy of any of its methods
  double target = 0;                // the given target, or the lowest of its trained methods
  std::vector<double> ladder;       // best x each fraction
  std::vector<std::string> failed;  // methods that failed to train
};

// A run measured against its seed's bars.
struct RunMeasures {
  const TrainingRun* run = nullptr;
  bool failed = false;
  std::optional<double> time_to_target;
  std::optional<std::uint32_t> epochs_to_target;
  std::vector<std::optional<double>> time_to_ladder;  // one per rung
};

struct MethodSummary {
  std::string name;
  std::vector<RunMeasures> runs;  // one per seed started
  std::size_t failed = 0;
  std::size_t finished = 0;
  // Finished runs by why they stopped, indexed by StopReason.
  std::array<std::size_t, 3> stopped_by{};

  Statistic epoch_seconds() const;  // of the runs' median epochs
  Statistic time_to_target() const;
  Statistic epochs_to_target() const;
  Statistic time_to_rung(std::size_t rung) const;
  Statistic best_validation() const;
  Statistic test_accuracy() const;  // at each run's best validation epoch
  Statistic peak_rss() const;       // of finished runs
  Statistic train_seconds() const;
};

struct Summary {
  std::vector<SeedTargets> seeds;
  std::vector<MethodSummary> methods;
  Statistic target() const;  // the seeds' targets
};

// The summary points into `comparison`, which must outlive it.
Summary measure(const Comparison& comparison);
Summary measure(Comparison&&) = delete;

// Whether a run whose best validation accuracy is `best` failed to train, in a seed whose
// best method reached `seed_best`: it got less than halfway from the majority class's
// accuracy to the best.
bool failed_to_train(double best, double seed_best, double majority_accuracy);

}  // namespace graphmini::gnn
