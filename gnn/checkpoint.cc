#include "gnn/checkpoint.h"

#include <cstdio>
#include <cstring>
#include <sstream>
#include <type_traits>
#include <variant>

#include "runtime/checksum.h"
#include "runtime/error.h"
#include "runtime/files.h"

namespace graphmini::gnn {
namespace {

constexpr char kMagic[8] = {'G', 'M', 'C', 'K', 'P', 'T', '5', '\n'};
// The first bytes of every checkpoint version ("GMCKPT" and a digit), to tell an older file
// from one that is not a checkpoint at all.
constexpr std::size_t kMagicStem = 6;

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
  void put(const Tensor& tensor) {
    const Tensor t = tensor.to(DeviceKind::cpu);
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
    Tensor read(t.rows(), t.cols());
    std::memcpy(read.data(), take(t.size() * sizeof(float)), t.size() * sizeof(float));
    t = read.to(t.device());
  }
  std::size_t remaining() const { return bytes_.size() - position_; }
  bool done() const { return position_ == bytes_.size(); }

 private:
  const std::byte* take(std::size_t n) {
    if (n > remaining()) throw FormatError(path_, "checkpoint is truncated");
    const std::byte* p = bytes_.data() + position_;
    position_ += n;
    return p;
  }
  std::span<const std::byte> bytes_;
  std::string path_;
  std::size_t position_ = 0;
};

std::string hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", value);
  return text;
}

}  // namespace

DataFingerprint DataFingerprint::of(const datasets::Dataset& dataset) {
  const Graph& graph = dataset.graph;
  const NodeData& nodes = dataset.nodes;
  DataFingerprint print;
  print.graph = crc32_combine(crc32_of_array(graph.offsets()), crc32_of_array(graph.adjacency()),
                              graph.adjacency().size_bytes());
  print.features = features_crc(nodes.features);
  print.labels = crc32_of_array(std::span<const std::int32_t>(nodes.labels));
  print.split = crc32_of_array(std::span<const Split>(nodes.split));
  return print;
}

std::string run_settings(const ModelOptions& model, const datasets::Dataset& dataset,
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

void save_checkpoint(const std::filesystem::path& path, const std::string& settings,
                     const DataFingerprint& data, Model& model, Optimizer& optimizer,
                     const TrainingProgress& progress) {
  Writer out;
  out.put(settings);
  out.put(data);
  std::ostringstream random;
  random << model.random();
  out.put(random.str());
  out.put<std::uint64_t>(progress.records.size());
  for (const EpochRecord& r : progress.records)
    out.put(r);
  out.put<std::uint32_t>(progress.best_epoch);
  out.put<double>(progress.best_validation);
  out.put<double>(progress.best_validation_loss);
  out.put<double>(progress.best_test);
  const std::vector<Parameter*> parameters = model.parameters();
  for (const Parameter* p : parameters)
    out.put(p->value);
  out.put<std::uint64_t>(optimizer.steps());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    out.put(optimizer.first_moments()[i]);
    out.put(optimizer.second_moments()[i]);
  }
  const std::string& payload = out.data();
  const std::uint32_t crc = crc32_of(std::as_bytes(std::span(payload.data(), payload.size())));
  OutputFile file(path);
  file.write(std::string_view(kMagic, sizeof kMagic));
  file.write(payload);
  file.write(std::string_view(reinterpret_cast<const char*>(&crc), sizeof crc));
  file.commit();
}

void load_checkpoint(const std::filesystem::path& path, const std::string& settings,
                     const DataFingerprint& data, Model& model, Optimizer& optimizer,
                     TrainingProgress& progress) {
  const MappedFile file(path);
  const std::span<const std::byte> bytes = file.bytes();
  const std::string name = path.string();
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, kMagicStem) != 0)
    throw FormatError(name, "not a graphmini checkpoint");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw FormatError(name, "checkpoint of another graphmini version (format " +
                                printable(std::string_view(
                                    reinterpret_cast<const char*>(bytes.data()) + kMagicStem, 1)) +
                                "; this build reads format " + std::string(1, kMagic[kMagicStem]) +
                                "); train again without --resume");
  }
  const std::span<const std::byte> payload =
      bytes.subspan(sizeof kMagic, bytes.size() - sizeof kMagic - 4);
  std::uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + bytes.size() - 4, 4);
  if (crc32_of(payload) != crc) {
    throw FormatError(name, "checksum mismatch: the checkpoint is corrupted");
  }
  Reader in(payload, name);
  const std::string written = in.get_string();
  if (written != settings)
    throw FormatError(name, "checkpoint of another run (" + printable(written) +
                                "), not of this one (" + settings + ")");
  const auto written_data = in.get<DataFingerprint>();
  if (written_data != data) {
    std::string parts;
    const auto differs = [&](const char* what, std::uint32_t a, std::uint32_t b) {
      if (a != b)
        parts += std::string(parts.empty() ? "" : ", ") + what + " " + hex(a) + " vs " + hex(b);
    };
    differs("graph", written_data.graph, data.graph);
    differs("features", written_data.features, data.features);
    differs("labels", written_data.labels, data.labels);
    differs("split", written_data.split, data.split);
    throw FormatError(name, "checkpoint of a run on other data (checkpoint vs this data: " + parts +
                                "); train again without --resume");
  }
  std::istringstream random(in.get_string());
  random >> model.random();
  if (!random) throw FormatError(name, "bad random state");
  const auto records = in.get<std::uint64_t>();
  if (records > in.remaining() / sizeof(EpochRecord))
    throw FormatError(name, "checkpoint is truncated");
  progress.records.resize(records);
  for (EpochRecord& r : progress.records)
    r = in.get<EpochRecord>();
  progress.best_epoch = in.get<std::uint32_t>();
  progress.best_validation = in.get<double>();
  progress.best_validation_loss = in.get<double>();
  progress.best_test = in.get<double>();
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

}  // namespace graphmini::gnn
