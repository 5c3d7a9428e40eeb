#include "gnn/trainer.h"

#include <tbb/parallel_pipeline.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <variant>

#include "datasets/random.h"
#include "gnn/features.h"
#include "gnn/sampler.h"
#include "runtime/error.h"
#include "runtime/files.h"

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

// ---- Checkpoints ----------------------------------------------------------------------------
// "GMCKPT3\n", then the payload, then the CRC-32 of the payload (4 bytes, little-endian).

constexpr char kMagic[8] = {'G', 'M', 'C', 'K', 'P', 'T', '3', '\n'};

class Writer {
 public:
  template <typename T>
  void put(const T& value) {
    const auto* bytes = reinterpret_cast<const char*>(&value);
    data_.append(bytes, sizeof(T));
  }
  void put(const std::string& text) {
    put<std::uint64_t>(text.size());
    data_ += text;
  }
  void put(const Tensor& t) {
    put<std::uint64_t>(t.rows());
    put<std::uint64_t>(t.cols());
    data_.append(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(float));
  }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class Reader {
 public:
  Reader(std::span<const std::byte> bytes, std::string path)
      : bytes_(bytes), path_(std::move(path)) {}
  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  std::string get_string() {
    const auto size = get<std::uint64_t>();
    const std::byte* p = take(size);
    return std::string(reinterpret_cast<const char*>(p), size);
  }
  void get(Tensor& t, const std::string& what) {
    const auto rows = get<std::uint64_t>();
    const auto cols = get<std::uint64_t>();
    if (rows != t.rows() || cols != t.cols())
      throw FormatError(path_, what + " has shape " + std::to_string(rows) + "x" +
                                   std::to_string(cols) + ", the model needs " +
                                   std::to_string(t.rows()) + "x" + std::to_string(t.cols()));
    std::memcpy(t.data(), take(t.size() * sizeof(float)), t.size() * sizeof(float));
  }
  bool done() const { return position_ == bytes_.size(); }

 private:
  const std::byte* take(std::size_t n) {
    if (n > bytes_.size() - position_) throw FormatError(path_, "checkpoint is truncated");
    const std::byte* p = bytes_.data() + position_;
    position_ += n;
    return p;
  }
  std::span<const std::byte> bytes_;
  std::string path_;
  std::size_t position_ = 0;
};

// What a checkpoint must match to be resumed: the model and the data shape.
std::string fingerprint(const ModelOptions& model, const datasets::Dataset& dataset,
                        const TrainOptions& options) {
  std::ostringstream text;
  text << to_string(model.kind) << " layers=" << model.layers << " hidden=" << model.hidden
       << " heads=" << model.heads << "/" << model.output_heads << " dropout=" << model.dropout
       << "/" << model.attention_dropout << " seed=" << model.seed
       << " nodes=" << dataset.nodes.num_nodes() << " features=" << dataset.nodes.num_features()
       << " classes=" << dataset.nodes.num_classes << " lr=" << options.optimizer.learning_rate
       << " weight_decay=" << options.optimizer.weight_decay
       << " optimizer=" << static_cast<int>(options.optimizer.kind)
       << " normalize=" << options.normalize_features;
  if (const auto& mini = options.mini_batch) {
    text << " sampler=" << to_string(mini->sampler) << " fanouts=";
    for (const std::uint32_t f : mini->fanouts)
      text << f << ",";
    text << " batch=" << mini->batch_size << " clusters=" << mini->clusters << "/"
         << mini->clusters_per_batch;
  }
  return text.str();
}

struct RunState {
  std::vector<EpochRecord> records;
  std::uint32_t best_epoch = 0;
  double best_validation = -1;
  double best_validation_loss = 0;
  double best_test = 0;
};

void save_checkpoint(const std::filesystem::path& path, const std::string& print, Model& model,
                     Optimizer& optimizer, const RunState& state) {
  Writer out;
  out.put(print);
  std::ostringstream random;
  random << model.random();
  out.put(random.str());
  out.put<std::uint64_t>(state.records.size());
  for (const EpochRecord& r : state.records)
    out.put(r);
  out.put<std::uint32_t>(state.best_epoch);
  out.put<double>(state.best_validation);
  out.put<double>(state.best_validation_loss);
  out.put<double>(state.best_test);
  const std::vector<Parameter*> parameters = model.parameters();
  for (const Parameter* p : parameters)
    out.put(p->value);
  out.put<std::uint64_t>(optimizer.steps());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    out.put(optimizer.first_moments()[i]);
    out.put(optimizer.second_moments()[i]);
  }
  const std::string& payload = out.data();
  const std::uint32_t crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
  AtomicFile file(path);
  file.write(std::string_view(kMagic, sizeof kMagic));
  file.write(payload);
  file.write(std::string_view(reinterpret_cast<const char*>(&crc), sizeof crc));
  file.commit();
}

void load_checkpoint(const std::filesystem::path& path, const std::string& print, Model& model,
                     Optimizer& optimizer, RunState& state) {
  const MappedFile file(path);
  const std::span<const std::byte> bytes = file.bytes();
  const std::string name = path.string();
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw FormatError(name, "not a graphmini checkpoint");
  const std::span<const std::byte> payload =
      bytes.subspan(sizeof kMagic, bytes.size() - sizeof kMagic - 4);
  std::uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + bytes.size() - 4, 4);
  if (crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())) !=
      crc) {
    throw FormatError(name, "checksum mismatch: the checkpoint is corrupted");
  }
  Reader in(payload, name);
  const std::string written = in.get_string();
  if (written != print)
    throw FormatError(
        name, "checkpoint of another run (" + written + "), not of this one (" + print + ")");
  std::istringstream random(in.get_string());
  random >> model.random();
  if (!random) throw FormatError(name, "bad random state");
  const auto records = in.get<std::uint64_t>();
  if (records > 1u << 24) throw FormatError(name, "implausible epoch count");
  state.records.resize(records);
  for (EpochRecord& r : state.records)
    r = in.get<EpochRecord>();
  state.best_epoch = in.get<std::uint32_t>();
  state.best_validation = in.get<double>();
  state.best_validation_loss = in.get<double>();
  state.best_test = in.get<double>();
  const std::vector<Parameter*> parameters = model.parameters();
  for (Parameter* p : parameters)
    in.get(p->value, p->name);
  optimizer.steps() = in.get<std::uint64_t>();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    in.get(optimizer.first_moments()[i], "first moment of " + parameters[i]->name);
    in.get(optimizer.second_moments()[i], "second moment of " + parameters[i]->name);
  }
  if (!in.done()) throw FormatError(name, "trailing bytes after the checkpoint");
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
  for (const auto sampler : {MiniBatchOptions::Sampler::neighbor, MiniBatchOptions::Sampler::cluster}) {
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

}  // namespace

TrainResult train(const datasets::Dataset& dataset, const ModelOptions& model_options,
                  const TrainOptions& options) {
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
  for (const std::vector<std::uint32_t>* split : {&train, &validation}) {
    for (const std::uint32_t v : *split) {
      if (nodes.labels[v] < 0)
        throw InvalidArgument("node " + std::to_string(v) + " is in a split but has no label");
    }
  }

  TrainResult result;
  Model model(model_options, nodes.num_features(), nodes.num_classes);
  Optimizer optimizer(options.optimizer, model.parameters());
  const Block block = Block::whole_graph(dataset.graph, model.needs_self_loops());
  const std::vector<const Block*> blocks(model.num_layers(), &block);
  const InputFeatures features(nodes.features, options.normalize_features);
  const LayerInput input = features.input();

  // Mini-batch training: the sampler, and the items each epoch's batches are cut from.
  const MiniBatchOptions* mini = options.mini_batch ? &*options.mini_batch : nullptr;
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

  RunState state;
  const std::string print = fingerprint(model_options, dataset, options);
  if (options.resume && options.checkpoint && std::filesystem::exists(*options.checkpoint))
    load_checkpoint(*options.checkpoint, print, model, optimizer, state);

  Tensor d_logits;
  // One epoch of training; returns the mean loss over its training nodes.
  const auto train_epoch = [&](std::uint32_t epoch) {
    if (mini == nullptr) {
      model.zero_gradients();
      const Tensor& logits = model.forward(blocks, input, true);
      const double loss = log_softmax_nll(logits, train, nodes.labels, &d_logits);
      model.backward(blocks, input, d_logits);
      optimizer.step();
      return loss;
    }
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
  for (const EpochRecord& r : state.records)
    since_best = r.epoch == state.best_epoch ? 0 : since_best + 1;
  std::uint32_t epoch = static_cast<std::uint32_t>(state.records.size());
  while (epoch < options.epochs && since_best < options.patience) {
    ++epoch;
    EpochRecord record;
    record.epoch = epoch;
    const Clock::time_point start = Clock::now();
    record.loss = train_epoch(epoch);
    record.seconds = seconds_since(start);

    const Clock::time_point evaluation = Clock::now();
    const Tensor& scores = model.forward(blocks, input, false);
    record.train_accuracy = accuracy(scores, train, nodes.labels);
    record.validation_accuracy = accuracy(scores, validation, nodes.labels);
    record.validation_loss = log_softmax_nll(scores, validation, nodes.labels);
    record.test_accuracy = test.empty() ? 0 : accuracy(scores, test, nodes.labels);
    record.evaluation_seconds = seconds_since(evaluation);

    // Better: a higher validation accuracy, or the same with a lower validation loss (the
    // accuracy of a few hundred nodes ties often).
    if (record.validation_accuracy > state.best_validation ||
        (record.validation_accuracy == state.best_validation &&
         record.validation_loss < state.best_validation_loss)) {
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
        (epoch % options.checkpoint_every == 0 || epoch == options.epochs)) {
      save_checkpoint(*options.checkpoint, print, model, optimizer, state);
    }
  }

  result.epochs = state.records;
  result.best_epoch = state.best_epoch;
  result.best_validation_accuracy = std::max(state.best_validation, 0.0);
  result.test_accuracy = state.best_test;
  result.stopped_early = since_best >= options.patience && epoch < options.epochs;
  std::vector<double> times;
  for (const EpochRecord& r : result.epochs) {
    result.train_seconds += r.seconds;
    result.evaluation_seconds += r.evaluation_seconds;
    times.push_back(r.seconds);
  }
  if (!times.empty()) {
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    result.median_epoch_seconds = times[times.size() / 2];
  }
  result.peak_rss_bytes = peak_rss_bytes();
  result.needed_bytes = block.bytes() + features.bytes() +
                        4 * model.parameter_count() * sizeof(float) + 2 * model.activation_bytes() +
                        nodes.num_nodes() * (sizeof(std::int32_t) + sizeof(Split));
  return result;
}

}  // namespace graphmini::gnn
