// Time-to-accuracy comparison of training methods, as Bajaj et al. ("Graph Neural Network
// Training Systems: A Performance Comparison of Full-Graph and Mini-Batch", PVLDB 2025) make
// it: the same model trained full-graph and mini-batch (neighbour and cluster sampling), each
// until convergence (no better validation accuracy for `patience` epochs), then measured
// against one target validation accuracy: the lowest of the methods' converged accuracies
// (each the mean over seeds of a run's best), unless a target is given.
//
// A run's time to target is its training time (evaluation excluded, as everywhere) summed
// over the epochs up to the first whose validation accuracy reaches the target; a run that
// never reaches it has none. Per method the figures are mean and standard deviation over the
// seeds (time and epochs to target over the runs that reached it).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "gnn/trainer.h"

namespace graphmini::gnn {

struct Method {
  std::string name;                          // "full", "neighbor" or "cluster"
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

struct MethodRuns {
  std::string name;
  std::vector<TrainResult> runs;  // one per seed
  // Per run: time and epochs to the target, when reached.
  std::vector<std::optional<double>> time_to_target;
  std::vector<std::optional<std::uint32_t>> epochs_to_target;

  Statistic epoch_seconds() const;  // of the runs' median epochs
  Statistic time_to_target_seconds() const;
  Statistic epochs_to_target_count() const;
  Statistic best_validation() const;
  Statistic test_accuracy() const;
  Statistic peak_rss() const;
  Statistic train_seconds() const;
};

struct Comparison {
  double target = 0;
  bool target_given = false;
  std::vector<MethodRuns> methods;
};

struct CompareOptions {
  std::vector<Method> methods;
  std::size_t seeds = 1;  // model seeds 1 .. seeds
  std::optional<double> target;
  // Called when a run starts (method, seed) and after each of its epochs.
  std::function<void(const std::string& method, std::uint64_t seed)> on_run;
  std::function<void(const EpochRecord&)> on_epoch;
};

// Trains `model` with every method and seed (the model seed is replaced by 1 .. seeds) and
// measures each run against the target. Resets the process's peak resident set before each
// run, so that each run's peak is its own.
Comparison compare(const datasets::Dataset& dataset, const ModelOptions& model,
                   const TrainOptions& training, const CompareOptions& options);

// The training seconds up to the first epoch whose validation accuracy reaches `target`, and
// that epoch; nothing when no epoch does.
std::optional<std::pair<double, std::uint32_t>> time_to_target(
    const std::vector<EpochRecord>& epochs, double target);

}  // namespace graphmini::gnn
