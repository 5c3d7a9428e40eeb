#include "gnn/trainer.h"

#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <variant>

#include "datasets/random.h"
#include "gnn/checkpoint.h"
#include "gnn/features.h"
#include "gnn/inference.h"
#include "gnn/sampler.h"
#include "runtime/error.h"
#include "runtime/memory.h"

namespace graphmini::gnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::uint32_t> nodes_in(const NodeData& nodes, Split which) {
  std::vector<std::uint32_t> result;
  for (std::size_t i = 0; i < nodes.split.size(); ++i) {
    if (nodes.split[i] == which) result.push_back(static_cast<std::uint32_t>(i));
  }
  return result;
}

}  // namespace

TrainOptions TrainOptions::defaults(ModelKind kind) {
  TrainOptions options;
  if (kind == ModelKind::gat) {
    options.optimizer.learning_rate = 0.005f;
    options.epochs = 1000;
  }
  return options;
}

bool improves(const EpochRecord& r, double best_accuracy, double best_loss) {
  return r.validation_accuracy > best_accuracy ||
         (r.validation_accuracy == best_accuracy && r.validation_loss < best_loss);
}

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::epochs:
      return "epochs";
    case StopReason::converged:
      return "converged";
    case StopReason::time_budget:
      return "time budget";
  }
  return "?";
}

namespace {

// A "Name:   N kB" field of /proc/self/status, in bytes.
std::uint64_t status_bytes(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size())) * 1024;
  }
  return 0;
}

}  // namespace

std::uint64_t peak_rss_bytes() {
  return status_bytes("VmHWM:");
}

std::uint64_t resident_bytes() {
  return status_bytes("VmRSS:");
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

const char* to_string(MiniBatchOptions::Sampler sampler) {
  return sampler == MiniBatchOptions::Sampler::neighbor ? "neighbor" : "cluster";
}

MiniBatchOptions::Sampler parse_sampler(std::string_view text) {
  for (const auto sampler :
       {MiniBatchOptions::Sampler::neighbor, MiniBatchOptions::Sampler::cluster}) {
    if (text == to_string(sampler)) return sampler;
  }
  throw InvalidArgument("sampler must be neighbor or cluster, not '" + std::string(text) + "'");
}

namespace {

// A batch ready for its training step: blocks, gathered features, and the rows of its output
// that are training nodes with their labels.
struct PreparedBatch {
  MiniBatch batch;
  InputFeatures features;
  std::vector<std::uint32_t> rows;
  std::vector<std::int32_t> labels;  // per output row
};

// The batches of one epoch and how to sample each: the items (training nodes or clusters) in
// the epoch's shuffled order, cut into groups.
class EpochPlan {
 public:
  std::vector<std::uint32_t> all;    // in increasing order
  std::vector<std::uint32_t> items;  // this epoch's order
  std::size_t group = 1;
  std::size_t batches() const { return (items.size() + group - 1) / group; }
  std::span<const std::uint32_t> batch(std::size_t b) const {
    const std::size_t first = b * group;
    return {items.data() + first, std::min(group, items.size() - first)};
  }

  // Fisher-Yates from the increasing order with the epoch's stream, so that an epoch's
  // order depends on nothing else (the same for any thread count, and on resume).
  void shuffle(std::uint64_t key) {
    items = all;
    datasets::RandomDraws random(key);
    for (std::size_t i = items.size(); i > 1; --i)
      std::swap(items[i - 1], items[random.below(i)]);
  }
};

// A lower bound of what training holds. Full-graph: per layer its output over every node
// with the output's gradient, activation and dropout mask (four floats per output value), and
// per GAT layer an attention value per edge and head, both ways. Mini-batch: its evaluation's
// two layers of outputs over every node (layer-wise inference). Enough to refuse a --hidden or
// --layers that no machine of this size can train before allocating, instead of being killed
// by the kernel halfway through.
std::uint64_t training_bytes_lower_bound(const ModelOptions& model, const datasets::Dataset& data,
                                         bool mini_batch) {
  const auto nodes = static_cast<double>(data.nodes.num_nodes());
  const auto edges = static_cast<double>(data.graph.adjacency().size());
  const bool gat = model.kind == ModelKind::gat;
  double floats = 0;
  double previous_width = 0;
  for (std::size_t layer = 0; layer < model.layers; ++layer) {
    const bool last = layer + 1 == model.layers;
    const double heads = gat ? static_cast<double>(last ? model.output_heads : model.heads) : 1;
    const double width = last ? static_cast<double>(data.nodes.num_classes) * heads
                              : static_cast<double>(model.hidden) * heads;
    if (mini_batch) {
      floats = std::max(floats, nodes * (previous_width + width));
    } else {
      floats += 4 * nodes * width + (gat ? 2 * edges * heads : 0);
    }
    previous_width = width;
  }
  return static_cast<std::uint64_t>(std::min(floats * sizeof(float), 1e19));
}

}  // namespace

TrainResult train(const datasets::Dataset& dataset, const ModelOptions& model_options,
                  const TrainOptions& options) {
  if (options.epochs == 0) throw InvalidArgument("training needs at least one epoch");
  if (options.patience == 0) throw InvalidArgument("patience must be at least one epoch");
  if (options.time_budget_seconds && !(*options.time_budget_seconds > 0))
    throw InvalidArgument("a time budget must be a positive number of seconds");
  if (options.checkpoint && options.checkpoint_every == 0)
    throw InvalidArgument("checkpoints must be written at least every epoch, not every 0");
  const NodeData& nodes = dataset.nodes;
  nodes.validate();
  if (dataset.graph.num_vertices() != nodes.num_nodes())
    throw InvalidArgument("graph has " + std::to_string(dataset.graph.num_vertices()) +
                          " vertices but the node data " + std::to_string(nodes.num_nodes()));
  const std::vector<std::uint32_t> train = nodes_in(nodes, Split::train);
  const std::vector<std::uint32_t> validation = nodes_in(nodes, Split::validation);
  const std::vector<std::uint32_t> test = nodes_in(nodes, Split::test);
  if (train.empty()) throw InvalidArgument("the dataset has no training nodes");
  if (validation.empty()) throw InvalidArgument("the dataset has no validation nodes");

  require_memory(training_bytes_lower_bound(model_options, dataset, options.mini_batch.has_value()),
                 "training this model on " + dataset.name);

  TrainResult result;
  Model model(model_options, nodes.num_features(), nodes.num_classes);
  Optimizer optimizer(options.optimizer, model.parameters());
  const InputFeatures features(nodes.features, options.normalize_features);
  const LayerInput input = features.input();
  // Mini-batch training: the sampler, and the items each epoch's batches are cut from.
  const MiniBatchOptions* mini = options.mini_batch ? &*options.mini_batch : nullptr;
  // Full-graph training works on the whole graph's block (a view of its CSR); mini-batch
  // training evaluates layer by layer (over the same view, held by the inference).
  const Block block =
      mini == nullptr ? Block::whole_graph(dataset.graph, model.needs_self_loops()) : Block();
  const std::vector<const Block*> blocks(model.num_layers(), &block);
  std::optional<LayerwiseInference> layerwise;
  if (mini != nullptr) layerwise.emplace(dataset.graph, model.needs_self_loops());
  std::optional<NeighborSampler> neighbor_sampler;
  std::optional<ClusterSampler> cluster_sampler;
  EpochPlan plan;
  if (mini != nullptr) {
    const Clock::time_point setup = Clock::now();
    if (mini->batch_size == 0) throw InvalidArgument("batch size must be positive");
    if (mini->sampler == MiniBatchOptions::Sampler::neighbor) {
      if (mini->fanouts.size() != model.num_layers())
        throw InvalidArgument(std::to_string(mini->fanouts.size()) + " fanouts for a model of " +
                              std::to_string(model.num_layers()) + " layers (one per layer)");
      neighbor_sampler.emplace(dataset.graph, mini->fanouts, model.needs_self_loops(),
                               model_options.seed);
      plan.all = train;
      plan.group = mini->batch_size;
    } else {
      const std::size_t n = nodes.num_nodes();
      const std::size_t clusters =
          mini->clusters > 0 ? mini->clusters : std::max<std::size_t>(2, (n + 50) / 100);
      cluster_sampler.emplace(dataset.graph, clusters, model.needs_self_loops(),
                              model_options.seed);
      plan.all.resize(cluster_sampler->num_clusters());
      for (std::size_t c = 0; c < plan.all.size(); ++c)
        plan.all[c] = static_cast<std::uint32_t>(c);
      const std::size_t per_cluster = std::max<std::size_t>(1, n / plan.all.size());
      plan.group = mini->clusters_per_batch > 0
                       ? mini->clusters_per_batch
                       : std::max<std::size_t>(1, mini->batch_size / per_cluster);
    }
    plan.items = plan.all;
    result.batches_per_epoch = plan.batches();
    result.setup_seconds = seconds_since(setup);
  }
  // Samples batch b of an epoch and gathers what its training step needs.
  const auto prepare = [&](std::size_t b, std::uint64_t stream) {
    auto prepared = std::make_shared<PreparedBatch>();
    prepared->batch = neighbor_sampler ? neighbor_sampler->sample(plan.batch(b), stream)
                                       : cluster_sampler->sample(plan.batch(b));
    features.gather(prepared->batch.input_nodes, prepared->features);
    const std::vector<std::uint32_t>& outputs = prepared->batch.output_nodes;
    prepared->labels.resize(outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      prepared->labels[i] = nodes.labels[outputs[i]];
      if (nodes.split[outputs[i]] == Split::train)
        prepared->rows.push_back(static_cast<std::uint32_t>(i));
    }
    return prepared;
  };

  TrainingProgress state;
  const std::string settings = run_settings(model_options, dataset, options);
  const DataFingerprint data =
      options.checkpoint ? DataFingerprint::of(dataset) : DataFingerprint{};
  if (options.resume && options.checkpoint && std::filesystem::exists(*options.checkpoint)) {
    load_checkpoint(*options.checkpoint, settings, data, model, optimizer, state);
    if (options.on_epoch) {
      for (const EpochRecord& r : state.records)
        options.on_epoch(r);
    }
  }

  Tensor d_logits;
  const Work full_graph_work =
      mini == nullptr ? training_work(model_options, nodes.num_classes, blocks, input) : Work{};
  Work epoch_work;
  // One epoch of training; returns the mean loss over its training nodes.
  const auto train_epoch = [&](std::uint32_t epoch) {
    if (mini == nullptr) {
      epoch_work = full_graph_work;
      model.zero_gradients();
      const Tensor& logits = model.forward(blocks, input, true);
      const double loss = log_softmax_nll(logits, train, nodes.labels, &d_logits);
      model.backward(blocks, input, d_logits);
      optimizer.step();
      return loss;
    }
    epoch_work = {};
    plan.shuffle(datasets::splitmix64(model_options.seed, epoch));
    double loss_sum = 0;
    std::size_t loss_nodes = 0;
    std::size_t next = 0;
    const std::uint64_t epoch_stream = static_cast<std::uint64_t>(epoch) << 32;
    tbb::parallel_pipeline(
        std::max<std::size_t>(2, mini->batches_in_flight + 1),
        tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                            [&](tbb::flow_control& control) -> std::size_t {
                                              if (next == plan.batches()) control.stop();
                                              return next++;
                                            }) &
            tbb::make_filter<std::size_t, std::shared_ptr<PreparedBatch>>(
                tbb::filter_mode::parallel,
                [&](std::size_t b) { return prepare(b, epoch_stream + b); }) &
            tbb::make_filter<std::shared_ptr<PreparedBatch>, void>(
                tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<PreparedBatch>& p) {
                  if (p->rows.empty()) return;  // a cluster batch without training nodes
                  const std::vector<const Block*> layers =
                      p->batch.layer_blocks(model.num_layers());
                  const LayerInput batch_input = p->features.input();
                  epoch_work +=
                      training_work(model_options, nodes.num_classes, layers, batch_input);
                  model.zero_gradients();
                  const Tensor& logits = model.forward(layers, batch_input, true);
                  loss_sum += log_softmax_nll(logits, p->rows, p->labels, &d_logits) *
                              static_cast<double>(p->rows.size());
                  loss_nodes += p->rows.size();
                  model.backward(layers, batch_input, d_logits);
                  optimizer.step();
                }));
    return loss_nodes == 0 ? 0.0 : loss_sum / static_cast<double>(loss_nodes);
  };

  std::uint32_t since_best = 0;
  double train_seconds = 0;
  for (const EpochRecord& r : state.records) {
    since_best = r.epoch == state.best_epoch ? 0 : since_best + 1;
    train_seconds += r.seconds;
  }
  const auto stop = [&]() -> std::optional<StopReason> {
    if (since_best >= options.patience) return StopReason::converged;
    if (options.time_budget_seconds && train_seconds >= *options.time_budget_seconds)
      return StopReason::time_budget;
    if (state.records.size() >= options.epochs) return StopReason::epochs;
    return std::nullopt;
  };
  std::uint32_t epoch = static_cast<std::uint32_t>(state.records.size());
  while (!stop()) {
    ++epoch;
    EpochRecord record;
    record.epoch = epoch;
    const Clock::time_point start = Clock::now();
    record.loss = train_epoch(epoch);
    record.seconds = seconds_since(start);
    record.work = epoch_work;
    train_seconds += record.seconds;
    if (!std::isfinite(record.loss)) {
      throw Error("training diverged: the loss is " + std::to_string(record.loss) + " at epoch " +
                  std::to_string(epoch) + " (try a lower learning rate)");
    }

    const Clock::time_point evaluation = Clock::now();
    const Tensor& scores =
        layerwise ? layerwise->run(model, features) : model.forward(blocks, input, false);
    record.train_accuracy = accuracy(scores, train, nodes.labels);
    record.validation_accuracy = accuracy(scores, validation, nodes.labels);
    record.validation_loss = log_softmax_nll(scores, validation, nodes.labels);
    record.test_accuracy = test.empty() ? 0 : accuracy(scores, test, nodes.labels);
    record.evaluation_seconds = seconds_since(evaluation);

    if (improves(record, state.best_validation, state.best_validation_loss)) {
      state.best_validation = record.validation_accuracy;
      state.best_validation_loss = record.validation_loss;
      state.best_test = record.test_accuracy;
      state.best_epoch = epoch;
      since_best = 0;
    } else {
      ++since_best;
    }
    state.records.push_back(record);
    if (options.on_epoch) options.on_epoch(record);
    if (options.checkpoint && options.checkpoint_every > 0 &&
        (epoch % options.checkpoint_every == 0 || stop())) {
      save_checkpoint(*options.checkpoint, settings, data, model, optimizer, state);
    }
  }

  result.epochs = state.records;
  result.best_epoch = state.best_epoch;
  result.best_validation_accuracy = std::max(state.best_validation, 0.0);
  result.test_accuracy = state.best_test;
  result.stopped_by = *stop();
  std::vector<const EpochRecord*> by_time;
  for (const EpochRecord& r : result.epochs) {
    result.train_seconds += r.seconds;
    result.evaluation_seconds += r.evaluation_seconds;
    by_time.push_back(&r);
  }
  if (!by_time.empty()) {
    const auto median = by_time.begin() + static_cast<std::ptrdiff_t>(by_time.size() / 2);
    std::nth_element(
        by_time.begin(), median, by_time.end(),
        [](const EpochRecord* a, const EpochRecord* b) { return a->seconds < b->seconds; });
    result.median_epoch_seconds = (*median)->seconds;
    result.median_epoch_work = (*median)->work;
  }
  result.peak_rss_bytes = peak_rss_bytes();
  const Graph& graph = dataset.graph;
  result.needed_bytes = graph.offsets().size_bytes() + graph.adjacency().size_bytes() +
                        block.bytes() + features.bytes() +
                        4 * model.parameter_count() * sizeof(float) + 2 * model.activation_bytes() +
                        nodes.num_nodes() * (sizeof(std::int32_t) + sizeof(Split));
  return result;
}

}  // namespace graphmini::gnn
