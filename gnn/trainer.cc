#include "gnn/trainer.h"

#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "datasets/random.h"
#include "gnn/checkpoint.h"
#include "gnn/features.h"
#include "gnn/inference.h"
#include "gnn/partition.h"
#include "gnn/sampler.h"
#include "runtime/checksum.h"
#include "runtime/error.h"
#include "runtime/memory.h"

namespace graphmini::gnn {
namespace {

using Clock = std::chrono::steady_clock;

// Sets mini-batch dropout's streams apart from the sampler's, which have the same seed.
constexpr std::uint64_t kDropoutSalt = 0x64726f706f7574;  // "dropout"

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
  std::size_t index = 0;  // in the epoch
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
  // Rank r's share of batch b over K ranks: its r-th contiguous K-th (empty when the batch
  // has fewer items than ranks).
  std::span<const std::uint32_t> share(std::size_t b, int rank, int ranks) const {
    const std::span<const std::uint32_t> all = batch(b);
    const auto cut = [&](int r) { return all.size() * static_cast<std::size_t>(r) / ranks; };
    return all.subspan(cut(rank), cut(rank + 1) - cut(rank));
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

// For a failure that every rank finds alike at the same point (from values they share): the
// root throws it and the others FailedElsewhere, so that it is reported once.
template <typename E>
[[noreturn]] void fail_together(Cluster* cluster, const E& error) {
  if (cluster != nullptr && !cluster->is_root())
    throw FailedElsewhere(std::is_base_of_v<InvalidArgument, E>);
  throw error;
}

// Sums the parameters' gradients over the ranks (each rank's already weighted by its share of
// the training nodes, see weigh()).
void sum_gradients(Cluster& cluster, const std::vector<Parameter*>& parameters,
                   std::vector<float>& packed) {
  packed.clear();
  for (const Parameter* parameter : parameters) {
    const std::span<const float> g = parameter->gradient.values();
    packed.insert(packed.end(), g.begin(), g.end());
  }
  cluster.sum(packed);
  std::size_t at = 0;
  for (Parameter* parameter : parameters) {
    for (float& g : parameter->gradient.values())
      g = packed[at++];
  }
}

// Over MPI, the gradient of the mean loss over a rank's `rows` of all `total` training nodes
// (of the batch, or of the graph) becomes its share of the gradient of the mean over all of
// them, before the backward pass (which, over a partition, sends parts of it to other ranks).
void weigh(Tensor& d_logits, std::size_t rows, std::size_t total) {
  const auto weight = static_cast<float>(static_cast<double>(rows) / static_cast<double>(total));
  for (float& g : d_logits.values())
    g *= weight;
}

// How many of `rows` the scores predict right (0 for none).
double count_correct(const Tensor& scores, std::span<const std::uint32_t> rows,
                     std::span<const std::int32_t> labels) {
  return rows.empty()
             ? 0.0
             : std::round(accuracy(scores, rows, labels) * static_cast<double>(rows.size()));
}

// The largest of the ranks' values. Collective.
double largest(Cluster& cluster, double value) {
  std::vector<double> all(static_cast<std::size_t>(cluster.size()), 0.0);
  all[static_cast<std::size_t>(cluster.rank())] = value;
  cluster.sum(all);
  return *std::max_element(all.begin(), all.end());
}

// Bajaj et al.'s communication volume of one epoch on this rank, in bytes: the gradients'
// ring sum (2 (K - 1) / K of the parameters) after every batch, and for a partition each
// layer's halo rows but the last's: forward its rows in the peers' halos, backward the
// gradients of its own halo, P of them with boundary sampling.
double modelled_bytes(const GraphPartition* partition, std::size_t batches, int ranks,
                      std::size_t parameters, const ModelOptions& model, double fraction) {
  const double k = ranks;
  double bytes = static_cast<double>(batches) * 2 * (k - 1) / k * static_cast<double>(parameters) *
                 sizeof(float);
  if (partition != nullptr) {
    const double width =
        static_cast<double>(model.hidden * (model.kind == ModelKind::gat ? model.heads : 1));
    bytes += fraction * static_cast<double>(model.layers - 1) * width * sizeof(float) *
             static_cast<double>(partition->boundary_rows() + partition->num_halo());
  }
  return bytes;
}

// Whether a checkpoint is there to resume from. Over MPI every rank must see it (a file on a
// shared file system, or on each host) or none: ranks that resumed beside ranks that started
// afresh would train different models.
bool resumable(Cluster* cluster, const std::filesystem::path& checkpoint) {
  const bool here = std::filesystem::exists(checkpoint);
  if (cluster == nullptr) return here;
  double seen[1] = {here ? 1.0 : 0.0};
  cluster->sum(seen);
  if (seen[0] != 0 && seen[0] != cluster->size())
    fail_together(cluster, InvalidArgument("checkpoint " + checkpoint.string() + " is on " +
                                           std::to_string(static_cast<int>(seen[0])) + " of " +
                                           std::to_string(cluster->size()) +
                                           " ranks: resuming needs it on every rank (a shared "
                                           "file system)"));
  return here;
}

}  // namespace

void check_training(const datasets::Dataset& dataset, const ModelOptions& model_options,
                    const TrainOptions& options) {
  if (options.epochs == 0) throw InvalidArgument("training needs at least one epoch");
  if (options.patience == 0) throw InvalidArgument("patience must be at least one epoch");
  if (options.time_budget_seconds && !(*options.time_budget_seconds > 0))
    throw InvalidArgument("a time budget must be a positive number of seconds");
  if (options.checkpoint && options.checkpoint_every == 0)
    throw InvalidArgument("checkpoints must be written at least every epoch, not every 0");
  const NodeData& nodes = dataset.nodes;
  nodes.validate(!dataset.read_features);
  if (dataset.graph.num_vertices() != nodes.num_nodes())
    throw InvalidArgument("graph has " + std::to_string(dataset.graph.num_vertices()) +
                          " vertices but the node data " + std::to_string(nodes.num_nodes()));
  const bool distributed = options.cluster != nullptr && options.cluster->distributed();
  if (!(options.boundary_sample > 0 && options.boundary_sample <= 1))
    throw InvalidArgument("a boundary sample must be a fraction in (0, 1], not " +
                          std::to_string(options.boundary_sample));
  if (options.boundary_sample < 1 && (options.mini_batch || !distributed))
    throw InvalidArgument(
        "boundary sampling is for full-graph training over MPI ranks (a partition has a "
        "boundary); run it under mpirun with --mode full");
  if (dataset.graph.orientation() != Orientation::undirected)
    throw InvalidArgument("GNN training needs an undirected graph");
  if (distributed && !options.mini_batch &&
      nodes.num_nodes() < static_cast<std::size_t>(options.cluster->size()))
    throw InvalidArgument("cannot partition " + std::to_string(nodes.num_nodes()) + " nodes over " +
                          std::to_string(options.cluster->size()) + " ranks");
  if (distributed && options.mini_batch) {
    if (options.mini_batch->sampler != MiniBatchOptions::Sampler::neighbor)
      throw InvalidArgument(
          "over MPI, mini-batch training samples neighbours (--sampler neighbor): a Cluster-GCN "
          "batch's edges between its clusters would be lost by splitting it over ranks");
  }
  if (options.device.kind == DeviceKind::cuda && options.cluster != nullptr &&
      options.cluster->distributed())
    throw InvalidArgument(
        "--device cuda trains in one process; over MPI ranks train on the CPU (--device cpu)");
  if (std::find(nodes.split.begin(), nodes.split.end(), Split::train) == nodes.split.end())
    throw InvalidArgument("the dataset has no training nodes");
  if (std::find(nodes.split.begin(), nodes.split.end(), Split::validation) == nodes.split.end())
    throw InvalidArgument("the dataset has no validation nodes");
  Model model(model_options, nodes.num_features(), nodes.num_classes);
  const Optimizer optimizer(options.optimizer, model.parameters());
  if (const MiniBatchOptions* mini = options.mini_batch ? &*options.mini_batch : nullptr) {
    if (mini->batch_size == 0) throw InvalidArgument("batch size must be positive");
    if (mini->sampler == MiniBatchOptions::Sampler::neighbor &&
        mini->fanouts.size() != model.num_layers())
      throw InvalidArgument(std::to_string(mini->fanouts.size()) + " fanouts for a model of " +
                            std::to_string(model.num_layers()) + " layers (one per layer)");
  }
  require_memory(training_bytes_lower_bound(model_options, dataset, options.mini_batch.has_value()),
                 "training this model on " + dataset.name);
}

TrainResult train(const datasets::Dataset& dataset, const ModelOptions& model_options,
                  const TrainOptions& options) {
  check_training(dataset, model_options, options);
  const NodeData& nodes = dataset.nodes;
  Cluster* const cluster =
      options.cluster != nullptr && options.cluster->distributed() ? options.cluster : nullptr;
  const int ranks = cluster != nullptr ? cluster->size() : 1;
  const int rank = cluster != nullptr ? cluster->rank() : 0;
  const std::vector<std::uint32_t> train = nodes_in(nodes, Split::train);
  const std::vector<std::uint32_t> validation = nodes_in(nodes, Split::validation);
  const std::vector<std::uint32_t> test = nodes_in(nodes, Split::test);

  TrainResult result;
  const DeviceKind device = options.device.kind;
  select_device(options.device);
  reset_device_peak();
  result.device = options.device;
  result.device_name = device_name(options.device);
  Model model(model_options, nodes.num_features(), nodes.num_classes);
  model.to(device);
  Optimizer optimizer(options.optimizer, model.parameters());
  // Mini-batch training: the sampler, and the items each epoch's batches are cut from.
  const MiniBatchOptions* mini = options.mini_batch ? &*options.mini_batch : nullptr;
  // The features as the layers read them. Features read on demand (datasets/dataset.h) are
  // read for the nodes this rank computes: over a partition, its part and halo; else all.
  std::optional<std::uint32_t> read_crc;
  const auto read_features = [&](std::span<const std::uint32_t> rows) {
    datasets::FeatureRows read = dataset.read_features(rows);
    read_crc = read.crc;
    return InputFeatures(read.rows, options.normalize_features);
  };
  const bool read_part = dataset.read_features && cluster != nullptr && mini == nullptr;
  InputFeatures features;
  if (!dataset.read_features) {
    features = InputFeatures(nodes.features, options.normalize_features);
  } else if (!read_part) {
    std::vector<std::uint32_t> all(nodes.num_nodes());
    std::iota(all.begin(), all.end(), 0);
    features = cluster != nullptr ? all_or_none(*cluster, [&] { return read_features(all); })
                                  : read_features(all);
  }
  // Full-graph training works on the whole graph's block (a view of its CSR), or over MPI on
  // this rank's part of the graph with its halo (gnn/partition.h); mini-batch training
  // evaluates layer by layer (over the whole graph's view, held by the inference), or over
  // MPI as full-graph training does, each rank its part.
  std::optional<GraphPartition> partition;
  InputFeatures part_features;
  // The rows this process computes the loss and scores of, by split, and their labels: every
  // node's, or over a partition the owned nodes' (in local ids).
  std::vector<std::uint32_t> train_rows;
  std::vector<std::uint32_t> validation_rows;
  std::vector<std::uint32_t> test_rows;
  std::vector<std::int32_t> part_labels;
  if (cluster != nullptr) {
    const Clock::time_point setup = Clock::now();
    partition.emplace(dataset.graph, *cluster, model.needs_self_loops(), model_options.seed);
    // Full-graph training keeps its part's and its halo's rows only.
    if (read_part) {
      part_features = all_or_none(*cluster, [&] { return read_features(partition->node_ids()); });
    } else {
      features.gather(partition->node_ids(), part_features);
      if (mini == nullptr) features = InputFeatures();
    }
    if (read_crc) {  // every rank read the same features
      std::vector<std::uint32_t> crc{*read_crc};
      cluster->broadcast(crc);
      all_or_none(*cluster, [&] {
        if (crc.front() != *read_crc) {
          throw InvalidArgument("the dataset's features differ between ranks (CRC-32 " +
                                std::to_string(*read_crc) + " here, " +
                                std::to_string(crc.front()) + " on the root)");
        }
      });
    }
    for (std::uint32_t d = 0; d < partition->num_owned(); ++d) {
      const std::uint32_t v = partition->node_ids()[d];
      part_labels.push_back(nodes.labels[v]);
      if (nodes.split[v] == Split::train) train_rows.push_back(d);
      if (nodes.split[v] == Split::validation) validation_rows.push_back(d);
      if (nodes.split[v] == Split::test) test_rows.push_back(d);
    }
    result.setup_seconds += seconds_since(setup);
  } else {
    train_rows = train;
    validation_rows = validation;
    test_rows = test;
  }
  // On a GPU the features and the whole graph are copied there once, as setup (one process:
  // a partition's features stay on the CPU).
  const Clock::time_point copy = Clock::now();
  features.to(device);
  const std::span<const std::int32_t> labels =
      partition ? std::span<const std::int32_t>(part_labels) : nodes.labels;
  const LayerInput input = partition ? part_features.input() : features.input();
  const Block block = mini == nullptr && !partition
                          ? Block::whole_graph(dataset.graph, model.needs_self_loops())
                          : Block();
  block.to(device);
  result.setup_seconds += seconds_since(copy);
  std::vector<const Block*> blocks(model.num_layers(), partition ? &partition->block() : &block);
  Halo* const halo = partition ? &*partition : nullptr;
  std::optional<LayerwiseInference> layerwise;
  if (mini != nullptr && !partition) layerwise.emplace(dataset.graph, model.needs_self_loops());
  std::optional<NeighborSampler> neighbor_sampler;
  std::optional<ClusterSampler> cluster_sampler;
  EpochPlan plan;
  if (mini != nullptr) {
    const Clock::time_point setup = Clock::now();
    if (mini->sampler == MiniBatchOptions::Sampler::neighbor) {
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
    result.setup_seconds += seconds_since(setup);
  }
  // Samples batch b of an epoch and gathers what its training step needs.
  // Over MPI, this rank's share of it, which may be empty (then nothing is sampled).
  const auto prepare = [&](std::size_t b, std::uint64_t stream) {
    auto prepared = std::make_shared<PreparedBatch>();
    prepared->index = b;
    if (neighbor_sampler) {
      const std::span<const std::uint32_t> seeds = plan.share(b, rank, ranks);
      if (seeds.empty()) return prepared;
      prepared->batch = neighbor_sampler->sample(seeds, stream);
    } else {
      prepared->batch = cluster_sampler->sample(plan.batch(b));
    }
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
  DataFingerprint data = options.checkpoint ? DataFingerprint::of(dataset) : DataFingerprint{};
  if (read_crc) data.features = *read_crc;
  if (options.resume && options.checkpoint && resumable(cluster, *options.checkpoint)) {
    if (cluster != nullptr) {
      all_or_none(*cluster, [&] {
        load_checkpoint(*options.checkpoint, settings, data, model, optimizer, state);
      });
    } else {
      load_checkpoint(*options.checkpoint, settings, data, model, optimizer, state);
    }
    if (options.on_epoch) {
      for (const EpochRecord& r : state.records)
        options.on_epoch(r);
    }
  }

  Tensor d_logits;
  // Over MPI: the parameters' gradients, packed for their sum over the ranks.
  std::vector<float> packed;
  const std::vector<Parameter*> parameters = model.parameters();
  const Work full_graph_work =
      mini == nullptr ? training_work(model_options, nodes.num_classes, blocks, input) : Work{};
  Work epoch_work;
  // One epoch of training; returns the mean loss over its training nodes.
  const auto train_epoch = [&](std::uint32_t epoch) {
    if (mini == nullptr) {
      epoch_work = full_graph_work;
      if (partition) {
        partition->sample_boundary(options.boundary_sample, model_options.seed, epoch);
        std::fill(blocks.begin(), blocks.end(), &partition->block());
      }
      model.zero_gradients();
      const Tensor& logits = model.forward(blocks, input, true, halo);
      double loss = 0;
      if (train_rows.empty()) {  // a part without training nodes still passes gradients on
        d_logits.resize(logits.rows(), logits.cols());
        d_logits.fill(0);
      } else {
        loss = log_softmax_nll(logits, train_rows, labels, &d_logits);
      }
      if (cluster != nullptr) weigh(d_logits, train_rows.size(), train.size());
      model.backward(blocks, input, d_logits, halo);
      if (cluster != nullptr) {
        sum_gradients(*cluster, parameters, packed);
        double total[1] = {loss * static_cast<double>(train_rows.size())};
        cluster->sum(total);
        loss = total[0] / static_cast<double>(train.size());
      }
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
                  // Without training nodes (a cluster batch may have none; over MPI a rank's
                  // share may be empty) a process has nothing to step on, a rank still adds
                  // its zeros to the others' gradients.
                  if (p->rows.empty() && cluster == nullptr) return;
                  model.zero_gradients();
                  if (!p->rows.empty()) {
                    const std::vector<const Block*> layers =
                        p->batch.layer_blocks(model.num_layers());
                    const LayerInput batch_input = p->features.input();
                    epoch_work +=
                        training_work(model_options, nodes.num_classes, layers, batch_input);
                    // Dropout's stream restarts from the batch, like its sampling: the same
                    // masks on any number of ranks.
                    model.random().seed(datasets::splitmix64(model_options.seed ^ kDropoutSalt,
                                                             epoch_stream + p->index));
                    const Tensor& logits = model.forward(layers, batch_input, true);
                    loss_sum += log_softmax_nll(logits, p->rows, p->labels, &d_logits) *
                                static_cast<double>(p->rows.size());
                    loss_nodes += p->rows.size();
                    if (cluster != nullptr)
                      weigh(d_logits, p->rows.size(), plan.batch(p->index).size());
                    model.backward(layers, batch_input, d_logits);
                  }
                  if (cluster != nullptr) sum_gradients(*cluster, parameters, packed);
                  optimizer.step();
                }));
    if (cluster != nullptr) {
      double totals[2] = {loss_sum, static_cast<double>(loss_nodes)};
      cluster->sum(totals);
      loss_sum = totals[0];
      loss_nodes = static_cast<std::size_t>(totals[1]);
    }
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
  const std::uint32_t restored_epochs = epoch;
  while (!stop()) {
    ++epoch;
    EpochRecord record;
    record.epoch = epoch;
    const Clock::time_point start = Clock::now();
    const Cluster::Traffic before = cluster != nullptr ? cluster->traffic() : Cluster::Traffic{};
    record.loss = train_epoch(epoch);
    finish_queued_work(device);
    record.seconds = seconds_since(start);
    if (cluster != nullptr) {
      const Cluster::Traffic after = cluster->traffic();
      result.bytes_sent += after.bytes_sent - before.bytes_sent;
      result.mpi_seconds += after.seconds - before.seconds;
    }
    if (cluster != nullptr) record.seconds = largest(*cluster, record.seconds);
    record.work = epoch_work;
    train_seconds += record.seconds;
    if (!std::isfinite(record.loss)) {
      fail_together(cluster,
                    Error("training diverged: the loss is " + std::to_string(record.loss) +
                          " at epoch " + std::to_string(epoch) + " (try a lower learning rate)"));
    }

    const Clock::time_point evaluation = Clock::now();
    if (partition) {  // exact
      partition->sample_boundary(1, model_options.seed, epoch);
      std::fill(blocks.begin(), blocks.end(), &partition->block());
    }
    const Tensor& scores =
        layerwise ? layerwise->run(model, features) : model.forward(blocks, input, false, halo);
    // Correct predictions by split and the validation loss summed, added up over a partition.
    double sums[4] = {count_correct(scores, train_rows, labels),
                      count_correct(scores, validation_rows, labels),
                      validation_rows.empty() ? 0.0
                                              : log_softmax_nll(scores, validation_rows, labels) *
                                                    static_cast<double>(validation_rows.size()),
                      count_correct(scores, test_rows, labels)};
    if (partition) cluster->sum(sums);
    record.train_accuracy = sums[0] / static_cast<double>(train.size());
    record.validation_accuracy = sums[1] / static_cast<double>(validation.size());
    record.validation_loss = sums[2] / static_cast<double>(validation.size());
    record.test_accuracy = test.empty() ? 0 : sums[3] / static_cast<double>(test.size());
    finish_queued_work(device);
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
        (cluster == nullptr || cluster->is_root()) &&
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
  result.device_peak_bytes = device_peak_bytes();
  if (partition) {
    result.owned_nodes = partition->num_owned();
    result.halo_nodes = partition->num_halo();
  }
  result.ranks = ranks;
  result.epochs_trained = epoch - restored_epochs;
  const auto epochs_run = static_cast<double>(result.epochs_trained);
  if (cluster != nullptr && epochs_run > 0) {
    Communication& c = result.communication;
    c.bytes_sent = largest(*cluster, static_cast<double>(result.bytes_sent) / epochs_run);
    c.mpi_seconds = largest(*cluster, result.mpi_seconds / epochs_run);
    double run_seconds = 0;
    for (std::size_t e = restored_epochs; e < state.records.size(); ++e)
      run_seconds += state.records[e].seconds;
    c.compute_seconds = largest(*cluster, (run_seconds - result.mpi_seconds) / epochs_run);
    c.modelled_bytes =
        largest(*cluster, modelled_bytes(mini == nullptr ? &*partition : nullptr,
                                         result.batches_per_epoch, ranks, model.parameter_count(),
                                         model_options, options.boundary_sample));
  }
  for (const Parameter* parameter : parameters) {
    const Tensor host = parameter->value.to(DeviceKind::cpu);
    const std::span<const float> values = host.values();
    result.parameters_crc =
        crc32_combine(result.parameters_crc, crc32_of_array(values), values.size_bytes());
  }
  const Graph& graph = dataset.graph;
  result.needed_bytes = graph.offsets().size_bytes() + graph.adjacency().size_bytes() +
                        block.bytes() + features.bytes() +
                        (partition ? partition->bytes() + part_features.bytes() : 0) +
                        4 * model.parameter_count() * sizeof(float) + 2 * model.activation_bytes() +
                        nodes.num_nodes() * (sizeof(std::int32_t) + sizeof(Split));
  return result;
}

}  // namespace graphmini::gnn
