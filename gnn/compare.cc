#include "gnn/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

template <typename T, typename F>
Statistic summarize_runs(const std::vector<T>& items, const F& value) {
  std::vector<double> values;
  for (const T& item : items) {
    if (const std::optional<double> v = value(item)) values.push_back(*v);
  }
  return summarize(values);
}

}  // namespace

std::vector<Method> standard_methods(const MiniBatchOptions& mini) {
  MiniBatchOptions neighbor = mini;
  neighbor.sampler = MiniBatchOptions::Sampler::neighbor;
  MiniBatchOptions cluster = mini;
  cluster.sampler = MiniBatchOptions::Sampler::cluster;
  return {{"full", std::nullopt}, {"neighbor", neighbor}, {"cluster", cluster}};
}

Statistic summarize(const std::vector<double>& values) {
  Statistic s;
  s.count = values.size();
  if (values.empty()) return s;
  for (const double v : values)
    s.mean += v;
  s.mean /= static_cast<double>(values.size());
  if (values.size() > 1) {
    double squares = 0;
    for (const double v : values)
      squares += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  return s;
}

Statistic MethodRuns::epoch_seconds() const {
  return summarize_runs(runs, [](const TrainResult& r) {
    return std::optional<double>(r.median_epoch_seconds);
  });
}

Statistic MethodRuns::time_to_target_seconds() const {
  return summarize_runs(time_to_target, [](const std::optional<double>& t) { return t; });
}

Statistic MethodRuns::epochs_to_target_count() const {
  return summarize_runs(epochs_to_target, [](const std::optional<std::uint32_t>& e) {
    return e ? std::optional<double>(*e) : std::nullopt;
  });
}

Statistic MethodRuns::best_validation() const {
  return summarize_runs(runs, [](const TrainResult& r) {
    return std::optional<double>(r.best_validation_accuracy);
  });
}

Statistic MethodRuns::test_accuracy() const {
  return summarize_runs(
      runs, [](const TrainResult& r) { return std::optional<double>(r.test_accuracy); });
}

Statistic MethodRuns::peak_rss() const {
  return summarize_runs(runs, [](const TrainResult& r) {
    return std::optional<double>(static_cast<double>(r.peak_rss_bytes));
  });
}

Statistic MethodRuns::train_seconds() const {
  return summarize_runs(
      runs, [](const TrainResult& r) { return std::optional<double>(r.train_seconds); });
}

std::optional<std::pair<double, std::uint32_t>> time_to_target(
    const std::vector<EpochRecord>& epochs, double target) {
  double seconds = 0;
  for (const EpochRecord& r : epochs) {
    seconds += r.seconds;
    if (r.validation_accuracy >= target) return std::pair(seconds, r.epoch);
  }
  return std::nullopt;
}

Comparison compare(const datasets::Dataset& dataset, const ModelOptions& model,
                   const TrainOptions& training, const CompareOptions& options) {
  if (options.methods.empty()) throw InvalidArgument("nothing to compare: no methods");
  if (options.seeds == 0) throw InvalidArgument("at least one seed is needed");
  if (options.target && !(*options.target > 0 && *options.target <= 1))
    throw InvalidArgument("target accuracy must be in (0, 1]");
  Comparison comparison;
  for (const Method& method : options.methods) {
    MethodRuns& runs = comparison.methods.emplace_back();
    runs.name = method.name;
    for (std::uint64_t seed = 1; seed <= options.seeds; ++seed) {
      if (options.on_run) options.on_run(method.name, seed);
      ModelOptions seeded = model;
      seeded.seed = seed;
      TrainOptions run = training;
      run.mini_batch = method.mini_batch;
      run.on_epoch = options.on_epoch;
      reset_peak_rss();
      runs.runs.push_back(train(dataset, seeded, run));
    }
  }
  comparison.target_given = options.target.has_value();
  if (options.target) {
    comparison.target = *options.target;
  } else {
    comparison.target = std::numeric_limits<double>::infinity();
    for (const MethodRuns& m : comparison.methods)
      comparison.target = std::min(comparison.target, m.best_validation().mean);
  }
  for (MethodRuns& m : comparison.methods) {
    for (const TrainResult& r : m.runs) {
      const auto reached = time_to_target(r.epochs, comparison.target);
      m.time_to_target.push_back(reached ? std::optional(reached->first) : std::nullopt);
      m.epochs_to_target.push_back(reached ? std::optional(reached->second) : std::nullopt);
    }
  }
  return comparison;
}

}  // namespace graphmini::gnn
