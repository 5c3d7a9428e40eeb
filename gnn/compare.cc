#include "gnn/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "runtime/error.h"
#include "runtime/memory.h"

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

// The validation accuracy of answering the commonest class of the validation nodes.
double majority_accuracy(const NodeData& nodes) {
  std::map<std::int32_t, std::size_t> counts;
  std::size_t total = 0;
  for (std::size_t i = 0; i < nodes.num_nodes(); ++i) {
    if (nodes.split[i] != Split::validation) continue;
    ++counts[nodes.labels[i]];
    ++total;
  }
  std::size_t most = 0;
  for (const auto& [label, count] : counts)
    most = std::max(most, count);
  return total == 0 ? 0 : static_cast<double>(most) / static_cast<double>(total);
}

// The epoch the trainer reports a run by: the best validation epoch so far.
const EpochRecord* best_epoch(const std::vector<EpochRecord>& epochs) {
  const EpochRecord* best = nullptr;
  for (const EpochRecord& r : epochs) {
    if (best == nullptr || improves(r, best->validation_accuracy, best->validation_loss)) best = &r;
  }
  return best;
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

double TrainingRun::best_validation() const {
  const EpochRecord* best = best_epoch(epochs);
  return best == nullptr ? 0 : best->validation_accuracy;
}

double TrainingRun::train_seconds() const {
  double seconds = 0;
  for (const EpochRecord& r : epochs)
    seconds += r.seconds;
  return seconds;
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
  if (options.ladder.empty() || !std::is_sorted(options.ladder.begin(), options.ladder.end()) ||
      !(options.ladder.front() > 0 && options.ladder.back() <= 1)) {
    throw InvalidArgument("the ladder must be increasing fractions in (0, 1]");
  }
  Comparison comparison;
  for (const Method& method : options.methods)
    comparison.methods.push_back(method.name);
  comparison.seeds = options.seeds;
  comparison.given_target = options.target;
  comparison.ladder = options.ladder;
  comparison.majority_accuracy = majority_accuracy(dataset.nodes);
  comparison.runs.reserve(options.seeds * options.methods.size());
  for (std::uint64_t seed = 1; seed <= options.seeds; ++seed) {
    for (const Method& method : options.methods) {
      TrainingRun& run = comparison.runs.emplace_back();
      run.method = method.name;
      run.seed = seed;
      if (options.on_run_start) options.on_run_start(comparison);
      ModelOptions seeded = model;
      seeded.seed = seed;
      TrainOptions settings = training;
      settings.mini_batch = method.mini_batch;
      settings.on_epoch = [&](const EpochRecord& r) {
        run.epochs.push_back(r);
        if (options.on_epoch) options.on_epoch(comparison);
      };
      reset_peak_rss();
      run.result = train(dataset, seeded, settings);
      comparison.complete = comparison.runs.size() == options.seeds * options.methods.size();
      if (options.on_run_end) options.on_run_end(comparison);
    }
  }
  return comparison;
}

// ---- the comparison's figures ----------------------------------------------------------------

bool failed_to_train(double best, double seed_best, double majority_accuracy) {
  return seed_best > majority_accuracy && best < (majority_accuracy + seed_best) / 2;
}

Statistic MethodSummary::epoch_seconds() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    if (!m.run->result) return std::nullopt;
    return m.run->result->median_epoch_seconds;
  });
}

Statistic MethodSummary::time_to_target() const {
  return summarize_runs(runs, [](const RunMeasures& m) { return m.time_to_target; });
}

Statistic MethodSummary::epochs_to_target() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    if (!m.epochs_to_target) return std::nullopt;
    return *m.epochs_to_target;
  });
}

Statistic MethodSummary::time_to_rung(std::size_t rung) const {
  return summarize_runs(runs, [rung](const RunMeasures& m) { return m.time_to_ladder[rung]; });
}

Statistic MethodSummary::best_validation() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    if (m.run->epochs.empty()) return std::nullopt;
    return m.run->best_validation();
  });
}

Statistic MethodSummary::test_accuracy() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    const EpochRecord* best = best_epoch(m.run->epochs);
    if (best == nullptr) return std::nullopt;
    return best->test_accuracy;
  });
}

Statistic MethodSummary::peak_rss() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    if (!m.run->result) return std::nullopt;
    return static_cast<double>(m.run->result->peak_rss_bytes);
  });
}

Statistic MethodSummary::train_seconds() const {
  return summarize_runs(runs, [](const RunMeasures& m) -> std::optional<double> {
    if (m.run->epochs.empty()) return std::nullopt;
    return m.run->train_seconds();
  });
}

Statistic Summary::target() const {
  return summarize_runs(seeds, [](const SeedTargets& s) -> std::optional<double> {
    if (s.best == 0) return std::nullopt;  // nothing trained yet
    return s.target;
  });
}

Summary measure(const Comparison& comparison) {
  Summary summary;
  for (const std::string& name : comparison.methods)
    summary.methods.emplace_back().name = name;
  for (std::uint64_t seed = 1; seed <= comparison.seeds; ++seed) {
    std::vector<const TrainingRun*> runs;
    for (const TrainingRun& run : comparison.runs) {
      if (run.seed == seed && !run.epochs.empty()) runs.push_back(&run);
    }
    if (runs.empty()) break;
    SeedTargets& targets = summary.seeds.emplace_back();
    targets.seed = seed;
    for (const TrainingRun* run : runs)
      targets.best = std::max(targets.best, run->best_validation());
    targets.target = comparison.given_target.value_or(targets.best);
    for (const TrainingRun* run : runs) {
      const double best = run->best_validation();
      if (failed_to_train(best, targets.best, comparison.majority_accuracy)) {
        targets.failed.push_back(run->method);
      } else if (!comparison.given_target) {
        targets.target = std::min(targets.target, best);
      }
    }
    for (const double fraction : comparison.ladder)
      targets.ladder.push_back(fraction * targets.best);

    for (const TrainingRun* run : runs) {
      MethodSummary& method =
          *std::find_if(summary.methods.begin(), summary.methods.end(),
                        [&](const MethodSummary& m) { return m.name == run->method; });
      RunMeasures& measures = method.runs.emplace_back();
      measures.run = run;
      measures.failed = std::find(targets.failed.begin(), targets.failed.end(), run->method) !=
                        targets.failed.end();
      if (const auto reached = gnn::time_to_target(run->epochs, targets.target)) {
        measures.time_to_target = reached->first;
        measures.epochs_to_target = reached->second;
      }
      for (const double rung : targets.ladder) {
        const auto reached = gnn::time_to_target(run->epochs, rung);
        measures.time_to_ladder.push_back(reached ? std::optional(reached->first) : std::nullopt);
      }
      method.failed += measures.failed ? 1 : 0;
      if (run->result) {
        ++method.finished;
        ++method.stopped_by[static_cast<std::size_t>(run->result->stopped_by)];
      }
    }
  }
  return summary;
}

}  // namespace graphmini::gnn
