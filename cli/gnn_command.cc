// graphmini gnn train | compare: GNN training on a dataset (gnn/trainer.h) and the
// time-to-accuracy comparison of training methods (gnn/compare.h).
#include "cli/gnn_command.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/collective.h"
#include "cli/format.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "datasets/registry.h"
#include "gnn/checkpoint.h"
#include "gnn/compare.h"
#include "gnn/roofline.h"
#include "gnn/tensor.h"
#include "gnn/trainer.h"
#include "runtime/error.h"
#include "runtime/files.h"
#include "runtime/memory.h"

namespace graphmini::cli {
namespace {

// The flags `train` and `compare` share: data, model, training and sampler settings.
struct RunFlags {
  std::string dataset;
  std::string split;
  std::string model = "gcn";
  // Unset values take the model's defaults (gnn::ModelOptions::defaults).
  std::optional<std::size_t> layers;
  std::optional<std::size_t> hidden;
  std::optional<std::size_t> heads;
  std::optional<float> dropout;
  std::optional<float> learning_rate;
  std::optional<float> weight_decay;
  std::string optimizer = "adam";
  std::optional<std::uint32_t> epochs;
  std::uint32_t patience = 100;
  std::optional<double> time_budget;
  std::vector<std::uint32_t> fanouts = {25, 10};
  std::size_t batch_size = 512;
  std::optional<std::size_t> clusters;
  std::optional<std::size_t> clusters_per_batch;
  int threads = 0;
  std::string device = "cpu";
  bool raw_features = false;
  bool json = false;
};

struct TrainCommand {
  RunFlags run;
  std::string mode = "full";
  std::string sampler = "neighbor";
  std::uint64_t seed = 1;
  std::string log;
  std::string checkpoint;
  std::uint32_t checkpoint_every = 10;
  bool resume = false;
  bool measure_peaks = false;
  double boundary_sample = 1;
};

struct CompareCommand {
  RunFlags run;
  std::vector<std::string> methods = {"full", "neighbor", "cluster"};
  std::size_t seeds = 1;
  std::optional<double> target;
  std::vector<double> ladder = {0.90, 0.95, 0.99, 1.0};
  std::vector<double> link_gbps = {1, 25, 100};
  double progress_every = 10;
  std::string out;
};

// Sane bounds for the model's size: beyond them a run cannot fit any machine this runs on,
// or (layers) is not a model anyone trains.
constexpr std::size_t kMaxLayers = 16;
constexpr std::size_t kMaxHidden = 16384;
constexpr std::size_t kMaxHeads = 64;
constexpr std::uint32_t kMaxFanout = 1000000;
constexpr std::uint32_t kMaxEpochs = 1000000;

void add_run_flags(CLI::App* app, RunFlags& flags) {
  app->add_option("-d,--dataset", flags.dataset,
                  "a LINQS folder (its planetoid split), an OGB raw-layout folder or a csbm:... "
                  "generator spec")
      ->required();
  app->add_option("--split", flags.split,
                  "the split to train and evaluate on: an OGB split/NAME folder, or a LINQS "
                  "NAME.SPLIT-split.tsv file (default: the only one, planetoid for LINQS)");
  app->add_option("--model", flags.model, "gcn (Kipf and Welling), sage (GraphSAGE, mean) or gat")
      ->check(CLI::IsMember({"gcn", "sage", "gat"}))
      ->capture_default_str();
  add_number(*app, "--layers", flags.layers, std::size_t{1}, kMaxLayers, "layers (default 2)");
  add_number(*app, "--hidden", flags.hidden, std::size_t{1}, kMaxHidden,
             "hidden width, per head for GAT (default: gcn 16, sage 256, gat 8)");
  add_number(*app, "--heads", flags.heads, std::size_t{1}, kMaxHeads,
             "GAT heads of the hidden layers (default 8)");
  add_number(*app, "--dropout", flags.dropout, 0.0f, 0.95f,
             "dropout on every layer's input (default: 0.5, gat 0.6)");
  add_number(*app, "--lr", flags.learning_rate, 1e-9f, 10.0f,
             "learning rate (default: 0.01, gat 0.005)");
  add_number(*app, "--weight-decay", flags.weight_decay, 0.0f, 1.0f,
             "L2 weight decay (default 5e-4)");
  app->add_option("--optimizer", flags.optimizer, "adam or sgd")
      ->check(CLI::IsMember({"adam", "sgd"}))
      ->capture_default_str();
  add_number(*app, "--epochs", flags.epochs, 1u, kMaxEpochs,
             "most epochs (train's default: 200, gat 1000; compare: no cap, runs end by "
             "--patience or --time-budget)");
  add_number(*app, "--patience", flags.patience, 1u, kMaxEpochs,
             "stop when validation accuracy has not improved for this many epochs");
  add_number(*app, "--time-budget", flags.time_budget, 1e-3, 1e9,
             "stop a run after the epoch that takes its training time (evaluation excluded) "
             "to this many seconds");
  add_numbers(*app, "--fanouts", flags.fanouts, 1u, kMaxFanout,
              "neighbor sampling: neighbors sampled per hop from the seed nodes, one per "
              "layer; 25,10 takes 25 of each seed and 10 of each of those (default 25,10)");
  add_number(*app, "--batch-size", flags.batch_size, std::size_t{1}, std::size_t{1} << 30,
             "training nodes per neighbor-sampled batch; about this many nodes per cluster "
             "batch");
  add_number(*app, "--clusters", flags.clusters, std::size_t{2}, std::size_t{1} << 24,
             "METIS parts for the cluster sampler (default: one per 100 nodes)");
  add_number(*app, "--clusters-per-batch", flags.clusters_per_batch, std::size_t{1},
             std::size_t{1} << 24,
             "clusters in each batch (default: as many as make --batch-size nodes)");
  add_number(*app, "-t,--threads", flags.threads, 1, 4096, "worker threads (default: all cores)");
  app->add_option("--device", flags.device,
                  "where to train: cpu, or cuda (cuda:N for the N-th GPU, from 0): the model's "
                  "passes and optimiser steps run on the GPU, the graph and features are copied "
                  "there once, and mini-batches are sampled on the CPU and copied per batch. "
                  "One process (not under mpirun)")
      ->capture_default_str();
  app->add_flag("--raw-features", flags.raw_features,
                "use the features as they are (by default each node's non-negative features "
                "are scaled to sum 1, as Kipf and Welling do)");
  app->add_flag("--json", flags.json, "print one JSON object");
}

gnn::ModelOptions model_options(const RunFlags& flags) {
  gnn::ModelOptions model = gnn::ModelOptions::defaults(gnn::parse_model_kind(flags.model));
  if (flags.layers) model.layers = *flags.layers;
  if (flags.hidden) model.hidden = *flags.hidden;
  if (flags.heads) model.heads = *flags.heads;
  if (flags.dropout) model.dropout = *flags.dropout;
  return model;
}

gnn::TrainOptions train_options(const RunFlags& flags) {
  gnn::TrainOptions options = gnn::TrainOptions::defaults(gnn::parse_model_kind(flags.model));
  if (flags.epochs) options.epochs = *flags.epochs;
  options.patience = flags.patience;
  options.time_budget_seconds = flags.time_budget;
  if (flags.optimizer == "sgd") options.optimizer.kind = gnn::OptimizerOptions::Kind::sgd;
  if (flags.learning_rate) options.optimizer.learning_rate = *flags.learning_rate;
  if (flags.weight_decay) options.optimizer.weight_decay = *flags.weight_decay;
  options.normalize_features = !flags.raw_features;
  options.device = gnn::parse_device(flags.device);
  // Without CUDA built in or a GPU here, say which before anything is loaded.
  gnn::select_device(options.device);
  return options;
}

gnn::MiniBatchOptions mini_batch_options(const RunFlags& flags) {
  gnn::MiniBatchOptions mini;
  mini.fanouts = flags.fanouts;
  mini.batch_size = flags.batch_size;
  mini.clusters = flags.clusters.value_or(0);  // 0: the sampler's default
  mini.clusters_per_batch = flags.clusters_per_batch.value_or(0);
  return mini;
}

// Thread limits for a run: oneTBB gets `threads` (by default the cores of this host, shared
// among the ranks on it), OpenBLAS one (gnn/tensor.h).
struct Threads {
  explicit Threads(int requested)
      : count(requested > 0 ? requested : default_threads(Cluster::get())),
        control(tbb::global_control::max_allowed_parallelism, count) {
    gnn::set_blas_threads(1);
  }
  int count;
  tbb::global_control control;
};

datasets::Dataset load(const RunFlags& flags, datasets::FeatureLoading features) {
  Progress progress;
  progress.step("loading " + flags.dataset);
  datasets::Dataset dataset = datasets::open_dataset(flags.dataset, flags.split, features);
  progress.done();
  return dataset;
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

// Loads the dataset on every rank (collective) and checks that every rank has the same one.
// Full-graph training over MPI ranks reads its features on demand, each rank those of its
// part and halo (`full_graph_only`: no mini-batch training is asked for).
datasets::Dataset load_everywhere(Cluster& cluster, const RunFlags& flags, bool full_graph_only) {
  const datasets::FeatureLoading features = cluster.distributed() && full_graph_only
                                                ? datasets::FeatureLoading::on_demand
                                                : datasets::FeatureLoading::all;
  datasets::Dataset dataset = all_or_none(cluster, [&] {
    refuse_standard_input(cluster, flags.dataset, "dataset");
    return load(flags, features);
  });
  if (cluster.distributed()) {
    const gnn::DataFingerprint data = gnn::DataFingerprint::of(dataset);
    check_same_everywhere(cluster,
                          std::to_string(data.graph) + " " + std::to_string(data.features) + " " +
                              std::to_string(data.labels) + " " + std::to_string(data.split),
                          "dataset", flags.dataset);
  }
  return dataset;
}

// Training (gnn::train or gnn::compare) on every rank. A failure on one rank alone (out of
// memory, say) may leave the others waiting for it in a collective, where agree() cannot
// reach them: the failing rank prints its error and ends the whole job (Cluster::abort).
// Failures every rank meets alike are reported by the root (gnn::train throws
// FailedElsewhere on the others).
template <typename Training>
auto on_every_rank(Cluster& cluster, const Training& training) {
  if (!cluster.distributed()) return training();
  try {
    return training();
  } catch (const FailedElsewhere&) {
    throw;
  } catch (const std::exception& e) {
    const int code = dynamic_cast<const InvalidArgument*>(&e) != nullptr ? 2 : 1;
    const std::string what =
        dynamic_cast<const std::bad_alloc*>(&e) != nullptr ? "out of memory" : e.what();
    std::fprintf(stderr, "graphmini: error: %s%s\n",
                 cluster.is_root() ? "" : ("rank " + std::to_string(cluster.rank()) + ": ").c_str(),
                 printable(what).c_str());
    std::fflush(stderr);
    cluster.abort(code);
  }
}

nlohmann::json communication_json(const gnn::Communication& c) {
  return {{"bytes_sent_per_epoch", c.bytes_sent},
          {"modelled_bytes_per_epoch", c.modelled_bytes},
          {"mpi_seconds_per_epoch", c.mpi_seconds},
          {"compute_seconds_per_epoch", c.compute_seconds}};
}

// Every rank's memory and traffic (collective): a list on the root, empty elsewhere and
// without MPI.
std::vector<nlohmann::json> per_rank(Cluster& cluster, const gnn::TrainResult& result) {
  if (!cluster.distributed()) return {};
  const double epochs = std::max<double>(1, result.epochs_trained);
  const std::vector<std::uint64_t> peak = cluster.gather(result.peak_rss_bytes);
  const std::vector<std::uint64_t> sent =
      cluster.gather(static_cast<std::uint64_t>(static_cast<double>(result.bytes_sent) / epochs));
  const std::vector<double> wait = cluster.gather(result.mpi_seconds);
  const std::vector<std::uint64_t> crc = cluster.gather(std::uint64_t{result.parameters_crc});
  const std::vector<std::uint64_t> owned = cluster.gather(result.owned_nodes);
  const std::vector<std::uint64_t> halo = cluster.gather(result.halo_nodes);
  std::vector<nlohmann::json> ranks;
  for (std::size_t r = 0; r < peak.size(); ++r) {
    ranks.push_back({{"rank", r},
                     {"owned_nodes", owned[r]},
                     {"halo_nodes", halo[r]},
                     {"peak_rss_bytes", peak[r]},
                     {"bytes_sent_per_epoch", sent[r]},
                     {"mpi_wait_seconds", wait[r]},
                     {"parameters_crc", crc[r]}});
  }
  return ranks;
}

void run_train(const TrainCommand& command) {
  const RunFlags& flags = command.run;
  const Threads threads(flags.threads);
  gnn::ModelOptions model = model_options(flags);
  model.seed = command.seed;
  gnn::TrainOptions options = train_options(flags);
  if (!command.checkpoint.empty()) options.checkpoint = command.checkpoint;
  options.checkpoint_every = command.checkpoint_every;
  options.resume = command.resume;
  options.boundary_sample = command.boundary_sample;
  if (command.mode == "mini") {
    options.mini_batch = mini_batch_options(flags);
    options.mini_batch->sampler = gnn::parse_sampler(command.sampler);
  }
  if (command.resume && command.checkpoint.empty())
    throw InvalidArgument("--resume needs --checkpoint FILE");

  // Over MPI every rank loads the data and trains on its share of each batch (gnn/trainer.h);
  // the root alone writes the log and checkpoints and prints.
  Cluster& cluster = Cluster::get();
  options.cluster = &cluster;
  const std::uint64_t baseline_bytes = resident_bytes();
  const datasets::Dataset dataset = load_everywhere(cluster, flags, !options.mini_batch);
  all_or_none(cluster, [&] { gnn::check_training(dataset, model, options); });

  // The log is written as epochs finish (each line handed to the system at once), so that a
  // run that is killed keeps the log of the epochs it finished.
  std::optional<OutputFile> log;
  all_or_none(cluster, [&] {
    if (command.log.empty() || !cluster.is_root()) return;
    log.emplace(command.log, OutputFile::Writing::streamed);
    log->write("epoch,loss,train_acc,val_acc,val_loss,test_acc,epoch_seconds,eval_seconds\n");
    log->flush();
  });
  const bool terminal = stderr_is_terminal() && cluster.is_root();
  options.on_epoch = [&](const gnn::EpochRecord& r) {
    if (log) {
      char line[256];
      std::snprintf(line, sizeof line, "%u,%.6f,%.4f,%.4f,%.6f,%.4f,%.6f,%.6f\n", r.epoch, r.loss,
                    r.train_accuracy, r.validation_accuracy, r.validation_loss, r.test_accuracy,
                    r.seconds, r.evaluation_seconds);
      log->write(line);
      log->flush();
    }
    if (terminal) {
      std::fprintf(stderr, "\repoch %u/%u  loss %.4f  train %.3f  val %.3f  %.1f ms/epoch   ",
                   r.epoch, options.epochs, r.loss, r.train_accuracy, r.validation_accuracy,
                   r.seconds * 1e3);
    }
  };
  const gnn::TrainResult result =
      on_every_rank(cluster, [&] { return gnn::train(dataset, model, options); });
  if (terminal) std::fprintf(stderr, "\n");
  if (log) log->commit();
  const std::vector<nlohmann::json> ranks = per_rank(cluster, result);
  if (!cluster.is_root()) return;
  // The roofline of the median epoch, under this machine's CPU peaks (measured once, cached);
  // none for a GPU run (its peaks are not measured).
  const bool on_cpu = result.device.kind == gnn::DeviceKind::cpu;
  const gnn::MachinePeaks peaks =
      on_cpu ? gnn::machine_peaks(threads.count, user_cache_dir(), command.measure_peaks)
             : gnn::MachinePeaks{};
  const double limit_seconds = on_cpu ? gnn::time_limit(result.median_epoch_work, peaks) : 0;
  const double limit_fraction = limit_seconds / result.median_epoch_seconds;
  const auto if_cpu = [&](double value) {
    return on_cpu ? nlohmann::json(value) : nlohmann::json();
  };

  if (flags.json) {
    nlohmann::json out = {
        {"dataset", flags.dataset},
        {"model", gnn::to_string(model.kind)},
        {"mode", command.mode},
        {"sampler", options.mini_batch ? nlohmann::json(command.sampler) : nlohmann::json()},
        {"threads", threads.count},
        {"device", gnn::to_string(result.device)},
        {"device_name", result.device_name},
        {"device_peak_bytes", result.device_peak_bytes},
        {"seed", command.seed},
        {"test_acc", result.test_accuracy},
        {"best_val_acc", result.best_validation_accuracy},
        {"best_epoch", result.best_epoch},
        {"epochs", result.epochs.size()},
        {"stopped_by", gnn::to_string(result.stopped_by)},
        {"epoch_seconds", result.median_epoch_seconds},
        {"flops_per_epoch", result.median_epoch_work.flops},
        {"min_bytes_per_epoch", result.median_epoch_work.bytes},
        {"epoch_limit_seconds", if_cpu(limit_seconds)},
        {"limit_fraction", if_cpu(limit_fraction)},
        {"peak_flops_per_second", if_cpu(peaks.flops_per_second)},
        {"peak_bytes_per_second", if_cpu(peaks.bytes_per_second)},
        {"train_seconds", result.train_seconds},
        {"eval_seconds", result.evaluation_seconds},
        {"batches_per_epoch", result.batches_per_epoch},
        {"setup_seconds", result.setup_seconds},
        {"peak_rss_bytes", result.peak_rss_bytes},
        {"needed_bytes", result.needed_bytes},
        {"baseline_rss_bytes", baseline_bytes},
        {"ranks", result.ranks},
        {"per_rank", ranks},
        {"communication", communication_json(result.communication)},
    };
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s on %s (%zu nodes, %zu features, %u classes), %s%d threads\n",
              gnn::to_string(model.kind), dataset.name.c_str(), dataset.nodes.num_nodes(),
              dataset.nodes.num_features(), dataset.nodes.num_classes,
              result.ranks > 1 ? (std::to_string(result.ranks) + " ranks x ").c_str() : "",
              threads.count);
  if (options.mini_batch) {
    std::printf("mini-batch training, %s sampler, %zu batches per epoch (setup %.3f s)\n",
                command.sampler.c_str(), result.batches_per_epoch, result.setup_seconds);
  }
  std::printf("epochs %zu (stopped by %s), best validation %.2f%% at epoch %u, test %.2f%%\n",
              result.epochs.size(), gnn::to_string(result.stopped_by),
              100 * result.best_validation_accuracy, result.best_epoch, 100 * result.test_accuracy);
  std::printf("training %.3f s (median epoch %.2f ms), evaluation %.3f s\n", result.train_seconds,
              result.median_epoch_seconds * 1e3, result.evaluation_seconds);
  if (on_cpu) {
    std::printf(
        "roofline: %.3g GFLOP and %.3g MB per epoch; at this machine's measured %.1f GFLOP/s "
        "and %.1f GB/s an epoch takes at least %.2f ms: the median epoch reaches %.0f%% of that "
        "limit\n",
        result.median_epoch_work.flops * 1e-9, result.median_epoch_work.bytes * 1e-6,
        peaks.flops_per_second * 1e-9, peaks.bytes_per_second * 1e-9, limit_seconds * 1e3,
        100 * limit_fraction);
  } else {
    std::printf("device: %s (%s), peak device memory in use %s\n",
                gnn::to_string(result.device).c_str(), result.device_name.c_str(),
                human_bytes(result.device_peak_bytes).c_str());
  }
  std::printf(
      "memory: peak resident %s (%s before loading); graph, features, parameters and activations "
      "need %s\n",
      human_bytes(result.peak_rss_bytes).c_str(), human_bytes(baseline_bytes).c_str(),
      human_bytes(result.needed_bytes).c_str());
  for (const nlohmann::json& r : ranks) {
    if (r["owned_nodes"].get<std::uint64_t>() > 0) {
      std::printf("rank %d: %llu nodes and a halo of %llu; ", r["rank"].get<int>(),
                  static_cast<unsigned long long>(r["owned_nodes"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(r["halo_nodes"].get<std::uint64_t>()));
    } else {
      std::printf("rank %d: ", r["rank"].get<int>());
    }
    std::printf("sent %s per epoch, %.3f s in MPI, peak resident %s\n",
                human_bytes(r["bytes_sent_per_epoch"].get<std::uint64_t>()).c_str(),
                r["mpi_wait_seconds"].get<double>(),
                human_bytes(r["peak_rss_bytes"].get<std::uint64_t>()).c_str());
  }
}

// ---- compare ----------------------------------------------------------------------------------

std::string mean_std(const gnn::Statistic& s, double scale, int digits) {
  if (s.count == 0) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f ± %.*f", digits, s.mean * scale, digits, s.std * scale);
  return text;
}

nlohmann::json statistic_json(const gnn::Statistic& s) {
  if (s.count == 0) return nullptr;
  return {{"mean", s.mean}, {"std", s.std}, {"count", s.count}};
}

nlohmann::json mean_json(const gnn::Statistic& s) {
  return s.count == 0 ? nlohmann::json() : nlohmann::json(s.mean);
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

// The first finished run of a method: what does not change between seeds (batches, setup).
// Over MPI, the mean over a method's finished runs of their communication per epoch.
gnn::Communication mean_communication(const gnn::MethodSummary& m) {
  gnn::Communication mean;
  double runs = 0;
  for (const gnn::RunMeasures& r : m.runs) {
    if (!r.run->result) continue;
    const gnn::Communication& c = r.run->result->communication;
    mean.bytes_sent += c.bytes_sent;
    mean.modelled_bytes += c.modelled_bytes;
    mean.mpi_seconds += c.mpi_seconds;
    mean.compute_seconds += c.compute_seconds;
    ++runs;
  }
  if (runs > 0) {
    for (double* value :
         {&mean.bytes_sent, &mean.modelled_bytes, &mean.mpi_seconds, &mean.compute_seconds})
      *value /= runs;
  }
  return mean;
}

// The time to target these ranks would take as hosts of their own on a link of `gbps`: the
// epochs to target, each the busiest rank's compute and its bytes over the link (Bajaj et
// al.'s model); none when no run reached the target.
std::optional<double> predicted_time(const gnn::MethodSummary& m, double gbps) {
  const gnn::Statistic epochs = m.epochs_to_target();
  if (epochs.count == 0) return std::nullopt;
  const gnn::Communication c = mean_communication(m);
  return epochs.mean * (c.compute_seconds + c.bytes_sent / (gbps * 1e9 / 8));
}

const gnn::TrainResult* first_result(const gnn::MethodSummary& m) {
  for (const gnn::RunMeasures& r : m.runs) {
    if (r.run->result) return &*r.run->result;
  }
  return nullptr;
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", 100 * fraction);
  return text;
}

// How a method's finished runs stopped: "converged 4, time budget 1".
std::string stopped_text(const gnn::MethodSummary& m) {
  std::string text;
  for (const gnn::StopReason reason :
       {gnn::StopReason::converged, gnn::StopReason::time_budget, gnn::StopReason::epochs}) {
    const std::size_t count = m.stopped_by[static_cast<std::size_t>(reason)];
    if (count == 0) continue;
    text += (text.empty() ? "" : ", ") + std::string(gnn::to_string(reason)) + " " +
            std::to_string(count);
  }
  const std::size_t running = m.runs.size() - m.finished;
  if (running > 0)
    text += (text.empty() ? "" : ", ") + std::string("running ") + std::to_string(running);
  return text.empty() ? "-" : text;
}

// The tables of a comparison, in Markdown: the methods against the paper's target, the
// ladder, and each seed's bars.
// Over MPI: each method's bytes per epoch (measured, and as modelled), and its time to
// target measured here beside the time predicted for hosts of their own on each link.
std::string communication_table(const gnn::Summary& summary, const CompareCommand& command) {
  std::string table =
      "\nCommunication over " + std::to_string(Cluster::get().size()) +
      " ranks, per epoch, the busiest rank (mini-batch training holds every feature row and "
      "sends only the gradients' sum; full-graph training also exchanges its halo's rows), "
      "and the time to target on hosts of their own "
      "(epochs to target x (compute + bytes / link)):\n\n"
      "| method | sent (MiB) | modelled (MiB) | in MPI (s) | compute (s) | time to target here "
      "(s) |";
  std::string rule = "|---|---|---|---|---|---|";
  for (const double gbps : command.link_gbps) {
    char head[64];
    std::snprintf(head, sizeof head, " at %g Gbit/s (s) |", gbps);
    table += head;
    rule += "---|";
  }
  table += "\n" + rule + "\n";
  for (const gnn::MethodSummary& m : summary.methods) {
    const gnn::Communication c = mean_communication(m);
    char line[256];
    std::snprintf(line, sizeof line, "| %s | %.3f | %.3f | %.4f | %.4f | %s |", m.name.c_str(),
                  c.bytes_sent / (1 << 20), c.modelled_bytes / (1 << 20), c.mpi_seconds,
                  c.compute_seconds, mean_std(m.time_to_target(), 1, 3).c_str());
    table += line;
    for (const double gbps : command.link_gbps) {
      const std::optional<double> time = predicted_time(m, gbps);
      char cell[64] = " - |";
      if (time) std::snprintf(cell, sizeof cell, " %.3f |", *time);
      table += cell;
    }
    table += "\n";
  }
  return table;
}

std::string comparison_table(const gnn::Comparison& c, const gnn::Summary& summary,
                             const CompareCommand& command) {
  std::string table =
      "| method | batches per epoch | setup (s) | epoch (ms) | epochs to target | time to target "
      "(s) | reached | best validation (%) | test (%) | peak memory (MiB) | stopped by | failed "
      "to train |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const gnn::MethodSummary& m : summary.methods) {
    const gnn::TrainResult* first = first_result(m);
    char setup[32] = "-";
    if (first != nullptr) std::snprintf(setup, sizeof setup, "%.2f", first->setup_seconds);
    table += "| " + m.name + " | " +
             (first != nullptr ? std::to_string(first->batches_per_epoch) : "-") + " | " + setup +
             " | " + mean_std(m.epoch_seconds(), 1e3, 2) + " | " +
             mean_std(m.epochs_to_target(), 1, 1) + " | " + mean_std(m.time_to_target(), 1, 3) +
             " | " + std::to_string(m.time_to_target().count) + "/" +
             std::to_string(m.runs.size()) + " | " + mean_std(m.best_validation(), 100, 2) + " | " +
             mean_std(m.test_accuracy(), 100, 2) + " | " +
             mean_std(m.peak_rss(), 1.0 / (1 << 20), 0) + " | " + stopped_text(m) + " | " +
             std::to_string(m.failed) + "/" + std::to_string(m.runs.size()) + " |\n";
  }
  table +=
      "\nTime to a fraction of each seed's best validation accuracy (s, reached/runs):\n\n"
      "| method |";
  std::string rule = "|---|";
  for (const double fraction : c.ladder) {
    table += " " + percent(fraction) + " |";
    rule += "---|";
  }
  table += "\n" + rule + "\n";
  for (const gnn::MethodSummary& m : summary.methods) {
    table += "| " + m.name + " |";
    for (std::size_t rung = 0; rung < c.ladder.size(); ++rung) {
      const gnn::Statistic time = m.time_to_rung(rung);
      table += " " + mean_std(time, 1, 3) + " (" + std::to_string(time.count) + "/" +
               std::to_string(m.runs.size()) + ") |";
    }
    table += "\n";
  }
  if (Cluster::get().distributed()) table += communication_table(summary, command);
  table += "\n| seed | best validation (%) | target (%) | failed to train |\n|---|---|---|---|\n";
  for (const gnn::SeedTargets& seed : summary.seeds) {
    char line[128];
    std::snprintf(line, sizeof line, "| %llu | %.2f | %.2f | ",
                  static_cast<unsigned long long>(seed.seed), 100 * seed.best, 100 * seed.target);
    std::string failed;
    for (const std::string& name : seed.failed)
      failed += (failed.empty() ? "" : ", ") + name;
    table += line + (failed.empty() ? "-" : failed) + " |\n";
  }
  return table;
}

// Over MPI: a method's communication per epoch and its time to target predicted on each
// link; null in one process.
nlohmann::json method_communication_json(const gnn::MethodSummary& m,
                                         const CompareCommand& command) {
  if (!Cluster::get().distributed()) return nullptr;
  nlohmann::json predicted = nlohmann::json::array();
  for (const double gbps : command.link_gbps)
    predicted.push_back(
        {{"link_gbps", gbps}, {"time_to_target_s", optional_json(predicted_time(m, gbps))}});
  nlohmann::json out = communication_json(mean_communication(m));
  out["predicted"] = predicted;
  return out;
}

nlohmann::json comparison_json(const gnn::Comparison& c, const gnn::Summary& summary,
                               const CompareCommand& command) {
  nlohmann::json methods = nlohmann::json::array();
  for (const gnn::MethodSummary& m : summary.methods) {
    const gnn::TrainResult* first = first_result(m);
    nlohmann::json stopped = nlohmann::json::object();
    for (const gnn::StopReason reason :
         {gnn::StopReason::converged, gnn::StopReason::time_budget, gnn::StopReason::epochs}) {
      std::string key = gnn::to_string(reason);
      std::replace(key.begin(), key.end(), ' ', '_');
      stopped[key] = m.stopped_by[static_cast<std::size_t>(reason)];
    }
    nlohmann::json ladder = nlohmann::json::array();
    for (std::size_t rung = 0; rung < c.ladder.size(); ++rung) {
      const gnn::Statistic time = m.time_to_rung(rung);
      ladder.push_back({{"fraction", c.ladder[rung]},
                        {"time_s", mean_json(time)},
                        {"reached", time.count},
                        {"stats", statistic_json(time)}});
    }
    methods.push_back({
        {"name", m.name},
        {"time_to_target_s", mean_json(m.time_to_target())},
        {"epochs_to_target", mean_json(m.epochs_to_target())},
        {"reached", m.time_to_target().count},
        {"runs", m.runs.size()},
        {"finished", m.finished},
        {"failed", m.failed},
        {"stopped_by", stopped},
        {"epoch_s", mean_json(m.epoch_seconds())},
        {"test_acc", mean_json(m.test_accuracy())},
        {"best_val_acc", mean_json(m.best_validation())},
        {"peak_rss_bytes", mean_json(m.peak_rss())},
        {"train_s", mean_json(m.train_seconds())},
        {"batches_per_epoch",
         first != nullptr ? nlohmann::json(first->batches_per_epoch) : nlohmann::json()},
        {"setup_s", first != nullptr ? nlohmann::json(first->setup_seconds) : nlohmann::json()},
        {"ladder", ladder},
        {"communication", method_communication_json(m, command)},
        {"stats",
         {{"time_to_target_s", statistic_json(m.time_to_target())},
          {"epochs_to_target", statistic_json(m.epochs_to_target())},
          {"epoch_s", statistic_json(m.epoch_seconds())},
          {"test_acc", statistic_json(m.test_accuracy())},
          {"best_val_acc", statistic_json(m.best_validation())},
          {"peak_rss_bytes", statistic_json(m.peak_rss())}}},
    });
  }
  nlohmann::json seeds = nlohmann::json::array();
  for (const gnn::SeedTargets& seed : summary.seeds) {
    seeds.push_back({{"seed", seed.seed},
                     {"best_acc", seed.best},
                     {"target_acc", seed.target},
                     {"ladder_acc", seed.ladder},
                     {"failed", seed.failed}});
  }
  nlohmann::json runs = nlohmann::json::array();
  for (const gnn::MethodSummary& m : summary.methods) {
    for (const gnn::RunMeasures& r : m.runs) {
      nlohmann::json ladder = nlohmann::json::array();
      for (const std::optional<double>& time : r.time_to_ladder)
        ladder.push_back(optional_json(time));
      runs.push_back({
          {"method", r.run->method},
          {"seed", r.run->seed},
          {"epochs", r.run->epochs.size()},
          {"stopped_by", r.run->result ? nlohmann::json(gnn::to_string(r.run->result->stopped_by))
                                       : nlohmann::json()},
          {"best_val_acc", r.run->best_validation()},
          {"failed", r.failed},
          {"time_to_target_s", optional_json(r.time_to_target)},
          {"ladder_s", ladder},
      });
    }
  }
  return {{"dataset", command.run.dataset},
          {"model", command.run.model},
          {"device", gnn::to_string(gnn::parse_device(command.run.device))},
          {"ranks", Cluster::get().size()},
          {"seeds", command.seeds},
          {"complete", c.complete},
          {"target_given", c.given_target.has_value()},
          {"target_acc", mean_json(summary.target())},
          {"majority_acc", c.majority_accuracy},
          {"ladder", c.ladder},
          {"seed_targets", seeds},
          {"methods", methods},
          {"runs", runs}};
}

// The --out folder of a comparison, kept up to date as it runs. It is made (beside its
// destination, which it then replaces) before the long work, so that a destination that
// cannot be written fails at once. From then on curves.csv gains a line after every epoch,
// and comparison.json and table.md are replaced whole after every epoch (not synced: a stopped
// run must leave the last whole version, and syncing after each epoch of a small graph would
// cost more than the epoch) and synced at the end. So an interrupted or failed comparison
// leaves everything measured up to its last epoch, and comparison.json says "complete": false.
class ComparisonFiles {
 public:
  ComparisonFiles(const std::string& folder, const gnn::Comparison& empty,
                  const CompareCommand& command)
      : folder_(folder), command_(command) {
    OutputFolder made(folder, [](const std::filesystem::path& existing) {
      return std::filesystem::exists(existing / "comparison.json");
    });
    curves_.emplace(made.path() / "curves.csv", OutputFile::Writing::streamed);
    curves_->write("method,seed,epoch,train_seconds,loss,train_acc,val_acc,test_acc\n");
    curves_->flush();
    write(made.path(), empty, OutputFile::Writing::atomic);
    made.commit();
  }

  void epoch(const gnn::Comparison& c) {
    const gnn::TrainingRun& run = c.runs.back();
    const gnn::EpochRecord& r = run.epochs.back();
    char line[256];
    std::snprintf(line, sizeof line, "%s,%llu,%u,%.6f,%.6f,%.4f,%.4f,%.4f\n", run.method.c_str(),
                  static_cast<unsigned long long>(run.seed), r.epoch, run.train_seconds(), r.loss,
                  r.train_accuracy, r.validation_accuracy, r.test_accuracy);
    // The summary first: a stop right after an epoch's curve line still finds that epoch in
    // comparison.json.
    write(folder_, c, OutputFile::Writing::snapshot);
    curves_->write(line);
    curves_->flush();
  }

  void finish(const gnn::Comparison& c) {
    curves_->commit();
    write(folder_, c, OutputFile::Writing::atomic);
  }

 private:
  void write(const std::filesystem::path& folder, const gnn::Comparison& c,
             OutputFile::Writing writing) const {
    const gnn::Summary summary = gnn::measure(c);
    OutputFile json(folder / "comparison.json", writing);
    json.write(comparison_json(c, summary, command_).dump(2) + "\n");
    json.commit();
    OutputFile table(folder / "table.md", writing);
    table.write(comparison_table(c, summary, command_));
    table.commit();
  }

  std::filesystem::path folder_;
  const CompareCommand& command_;
  std::optional<OutputFile> curves_;
};

// Progress of a comparison on stderr: on a terminal the current run's epoch, rewritten in
// place; otherwise (a log, a pipe) one line every --progress-every seconds, so that a long
// run shows it is alive without flooding its log.
class CompareProgress {
 public:
  CompareProgress(std::size_t runs, double every_seconds)
      : runs_(runs), every_(every_seconds), terminal_(stderr_is_terminal()) {}

  void start(const gnn::Comparison& c) {
    const gnn::TrainingRun& run = c.runs.back();
    current_ = "run " + std::to_string(c.runs.size()) + "/" + std::to_string(runs_) + " (" +
               run.method + ", seed " + std::to_string(run.seed) + ")";
    if (terminal_) std::fprintf(stderr, "%s ", current_.c_str());
  }

  void epoch(const gnn::Comparison& c) {
    const gnn::TrainingRun& run = c.runs.back();
    const gnn::EpochRecord& r = run.epochs.back();
    if (terminal_) {
      std::fprintf(stderr, "\r%s: epoch %u  val %.3f  %.1f ms/epoch   ", current_.c_str(), r.epoch,
                   r.validation_accuracy, r.seconds * 1e3);
      return;
    }
    const double now = seconds_since(started_);
    if (now < next_) return;
    next_ = now + every_;
    std::fprintf(stderr,
                 "gnn compare: %s: epoch %u, validation %.4f (best %.4f), %.1f s training; "
                 "%.0f s elapsed\n",
                 current_.c_str(), r.epoch, r.validation_accuracy, run.best_validation(),
                 run.train_seconds(), now);
  }

  void end_run() const {
    if (terminal_) std::fprintf(stderr, "\n");
  }

 private:
  std::size_t runs_;
  double every_;
  bool terminal_;
  std::string current_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  double next_ = 0;
};

void run_compare(const CompareCommand& command) {
  const RunFlags& flags = command.run;
  const Threads threads(flags.threads);
  // Over MPI every run trains over the ranks, as gnn train does; the root writes and prints.
  Cluster& cluster = Cluster::get();
  const gnn::ModelOptions model = model_options(flags);
  gnn::TrainOptions training = train_options(flags);
  training.cluster = &cluster;
  // Runs go to convergence (or the time budget), not to the model's usual epoch count.
  if (!flags.epochs) training.epochs = kMaxEpochs;
  gnn::CompareOptions options;
  // Cluster-GCN batches are not split over ranks: left out of the default methods there.
  const bool default_methods = command.methods == CompareCommand().methods;
  for (const gnn::Method& m : gnn::standard_methods(mini_batch_options(flags))) {
    if (std::find(command.methods.begin(), command.methods.end(), m.name) == command.methods.end())
      continue;
    if (cluster.distributed() && default_methods && m.name == "cluster") {
      if (cluster.is_root())
        std::fprintf(stderr,
                     "graphmini: note: cluster sampling does not run over MPI; "
                     "comparing full and neighbor\n");
      continue;
    }
    options.methods.push_back(m);
  }
  options.seeds = command.seeds;
  options.target = command.target;
  options.ladder = command.ladder;
  std::sort(options.ladder.begin(), options.ladder.end());
  options.ladder.erase(std::unique(options.ladder.begin(), options.ladder.end()),
                       options.ladder.end());

  std::optional<ComparisonFiles> files;
  all_or_none(cluster, [&] {
    if (command.out.empty() || !cluster.is_root()) return;
    gnn::Comparison empty;
    empty.seeds = command.seeds;
    empty.ladder = options.ladder;
    for (const gnn::Method& m : options.methods)
      empty.methods.push_back(m.name);
    files.emplace(command.out, empty, command);
  });
  const datasets::Dataset dataset =
      load_everywhere(cluster, flags,
                      std::none_of(options.methods.begin(), options.methods.end(),
                                   [](const gnn::Method& m) { return m.mini_batch.has_value(); }));
  all_or_none(cluster, [&] {
    for (const gnn::Method& m : options.methods) {
      gnn::TrainOptions run = training;
      run.mini_batch = m.mini_batch;
      gnn::check_training(dataset, model, run);
    }
  });

  CompareProgress progress(options.seeds * options.methods.size(), command.progress_every);
  options.on_run_start = [&](const gnn::Comparison& c) {
    if (cluster.is_root()) progress.start(c);
  };
  options.on_epoch = [&](const gnn::Comparison& c) {
    if (!cluster.is_root()) return;
    progress.epoch(c);
    if (files) files->epoch(c);
  };
  // Each run's result on stdout as it ends, so that a pipe or a log has it at once.
  options.on_run_end = [&](const gnn::Comparison& c) {
    if (!cluster.is_root()) return;
    progress.end_run();
    if (flags.json) return;
    const gnn::TrainingRun& run = c.runs.back();
    const gnn::TrainResult& r = *run.result;
    std::printf(
        "%s seed %llu: %zu epochs (%s), best validation %.2f%% at epoch %u, test %.2f%%, "
        "training %.3f s\n",
        run.method.c_str(), static_cast<unsigned long long>(run.seed), r.epochs.size(),
        gnn::to_string(r.stopped_by), 100 * r.best_validation_accuracy, r.best_epoch,
        100 * r.test_accuracy, r.train_seconds);
    std::fflush(stdout);
  };
  const gnn::Comparison comparison =
      on_every_rank(cluster, [&] { return gnn::compare(dataset, model, training, options); });
  if (!cluster.is_root()) return;
  if (files) files->finish(comparison);

  const gnn::Summary summary = gnn::measure(comparison);
  if (flags.json) {
    std::printf("%s\n", comparison_json(comparison, summary, command).dump(2).c_str());
    return;
  }
  const gnn::Statistic target = summary.target();
  std::printf("\n%s on %s (%zu nodes, %zu features, %u classes), %zu seed%s, %s%d threads\n",
              flags.model.c_str(), dataset.name.c_str(), dataset.nodes.num_nodes(),
              dataset.nodes.num_features(), dataset.nodes.num_classes, command.seeds,
              command.seeds == 1 ? "" : "s",
              cluster.distributed() ? (std::to_string(cluster.size()) + " ranks x ").c_str() : "",
              threads.count);
  std::printf(
      "target validation accuracy %s%% (%s)\n\n%s", mean_std(target, 100, 2).c_str(),
      comparison.given_target ? "given" : "per seed, the lowest of its methods' best that trained",
      comparison_table(comparison, summary, command).c_str());
}

}  // namespace

void add_gnn_command(CLI::App& app) {
  auto* gnn = app.add_subcommand("gnn", "Train graph neural networks and compare training methods");
  gnn->require_subcommand(1);

  auto train_command = std::make_shared<TrainCommand>();
  auto* train = gnn->add_subcommand(
      "train",
      "Train a GCN, GraphSAGE or GAT node classifier and report its test accuracy at the best "
      "validation epoch. Under mpirun the ranks train one model together: mini-batch training "
      "splits every batch over them, full-graph training partitions the graph (METIS), each "
      "rank reading the features of its part and halo only, and exchanges each part's halo "
      "between layers; either gives one process's result");
  add_run_flags(train, train_command->run);
  train
      ->add_option("--mode", train_command->mode,
                   "full: the whole graph every epoch; mini: sampled mini-batches (--sampler)")
      ->check(CLI::IsMember({"full", "mini"}))
      ->capture_default_str();
  train
      ->add_option("--sampler", train_command->sampler,
                   "mini-batches by neighbor sampling (GraphSAGE) or of METIS clusters "
                   "(Cluster-GCN)")
      ->check(CLI::IsMember({"neighbor", "cluster"}))
      ->capture_default_str();
  add_number(*train, "--seed", train_command->seed, std::uint64_t{0},
             std::numeric_limits<std::uint64_t>::max(),
             "seed of initialisation, dropout and sampling");
  train->add_option("--log", train_command->log,
                    "write per-epoch loss, accuracies and times to this CSV file, each epoch as "
                    "it finishes (a device or FIFO is written straight)");
  train->add_option("--checkpoint", train_command->checkpoint,
                    "save the run to this file (atomically, keeping its mode) every "
                    "--checkpoint-every epochs");
  add_number(*train, "--checkpoint-every", train_command->checkpoint_every, 1u, kMaxEpochs,
             "epochs between checkpoints");
  train->add_flag("--resume", train_command->resume,
                  "continue from --checkpoint when it exists (same model, settings, seed and "
                  "data: the graph, features, labels and split are checked)");
  add_number(*train, "--boundary-sample", train_command->boundary_sample, 0.0, 1.0,
             "full-graph training under mpirun: the fraction of each partition's boundary nodes "
             "exchanged per epoch (BNS-GCN); 1 is exact training");
  train->add_flag("--measure-peaks", train_command->measure_peaks,
                  "measure this machine's GEMM FLOP/s and memory bandwidth again for the "
                  "roofline (limit_fraction); they are measured once per thread count and "
                  "cached, and a busy machine measures low");
  train->callback([train_command] { run_train(*train_command); });

  auto compare_command = std::make_shared<CompareCommand>();
  auto* compare = gnn->add_subcommand(
      "compare",
      "Time to accuracy of full-graph, neighbor-sampling and cluster mini-batch training of the "
      "same model (Bajaj et al., PVLDB 2025). Seeds are paired: for each seed every method "
      "trains to convergence (--patience; no epoch cap unless --epochs, or --time-budget), then "
      "each is timed to that seed's target (the lowest of its methods' best validation "
      "accuracies, or --target) and to a ladder of fractions of its best method's accuracy. "
      "Training time excludes evaluation. Each run's result is printed as it ends, and --out is "
      "brought up to date after every epoch. Under mpirun every run trains over the ranks (as "
      "gnn train does; cluster sampling is left out) and each method's bytes per epoch, "
      "measured and modelled, and its time to target predicted over --link-gbps links are "
      "added");
  add_run_flags(compare, compare_command->run);
  compare
      ->add_option("--methods", compare_command->methods,
                   "the methods to run, of full, neighbor "
                   "and cluster")
      ->delimiter(',')
      ->check(CLI::IsMember({"full", "neighbor", "cluster"}))
      ->capture_default_str();
  add_number(*compare, "--seeds", compare_command->seeds, std::size_t{1}, std::size_t{1000},
             "runs per method, with seeds 1, 2, ...");
  add_number(*compare, "--target", compare_command->target, 0.001, 1.0,
             "one target validation accuracy for every seed (default: per seed, the lowest of "
             "its methods' best, leaving out a method that failed to train: one less than "
             "halfway from the commonest class's accuracy to the seed's best method)");
  add_numbers(*compare, "--link-gbps", compare_command->link_gbps, 0.001, 1e6,
              "under mpirun: predict each method's time to target on hosts of their own joined "
              "by links of these Gbit/s, from its measured compute and bytes per epoch (default "
              "1,25,100)");
  add_numbers(*compare, "--ladder", compare_command->ladder, 0.001, 1.0,
              "also time each run to these fractions of its seed's best method's validation "
              "accuracy (default 0.9,0.95,0.99,1)");
  add_number(*compare, "--progress-every", compare_command->progress_every, 0.0, 1e6,
             "when stderr is not a terminal, a progress line every this many seconds (0: "
             "every epoch)");
  compare->add_option("--out", compare_command->out,
                      "write comparison.json, table.md and curves.csv (per-epoch validation "
                      "accuracy against training time; bench/plot_gnn_compare.py draws it) to "
                      "this folder, updated after every epoch, so that a stopped run leaves "
                      "what it measured (comparison.json says \"complete\": false until the "
                      "end); an existing folder is replaced only if it holds an earlier "
                      "comparison");
  compare->callback([compare_command] { run_compare(*compare_command); });
}

}  // namespace graphmini::cli
