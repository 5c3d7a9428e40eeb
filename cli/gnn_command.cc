// graphmini gnn train | compare: GNN training on a dataset (gnn/trainer.h) and the
// time-to-accuracy comparison of training methods (gnn/compare.h).
#include "cli/gnn_command.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

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
#include "gnn/compare.h"
#include "gnn/tensor.h"
#include "gnn/trainer.h"
#include "runtime/error.h"
#include "runtime/files.h"

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
  std::vector<std::uint32_t> fanouts = {25, 10};
  std::size_t batch_size = 512;
  std::optional<std::size_t> clusters;
  std::optional<std::size_t> clusters_per_batch;
  int threads = 0;
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
};

struct CompareCommand {
  RunFlags run;
  std::vector<std::string> methods = {"full", "neighbor", "cluster"};
  std::size_t seeds = 1;
  std::optional<double> target;
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
             "most epochs (default: 200, gat 1000)");
  add_number(*app, "--patience", flags.patience, 1u, kMaxEpochs,
             "stop when validation accuracy has not improved for this many epochs");
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
  if (flags.optimizer == "sgd") options.optimizer.kind = gnn::OptimizerOptions::Kind::sgd;
  if (flags.learning_rate) options.optimizer.learning_rate = *flags.learning_rate;
  if (flags.weight_decay) options.optimizer.weight_decay = *flags.weight_decay;
  options.normalize_features = !flags.raw_features;
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

// Thread limits for a run: oneTBB gets `threads`, OpenBLAS one (gnn/tensor.h).
struct Threads {
  explicit Threads(int requested)
      : count(requested > 0 ? requested : tbb::info::default_concurrency()),
        control(tbb::global_control::max_allowed_parallelism, count) {
    gnn::set_blas_threads(1);
  }
  int count;
  tbb::global_control control;
};

datasets::Dataset load(const RunFlags& flags) {
  Progress progress;
  progress.step("loading " + flags.dataset);
  datasets::Dataset dataset = datasets::open_dataset(flags.dataset, flags.split);
  progress.done();
  return dataset;
}

bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
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
  if (command.mode == "mini") {
    options.mini_batch = mini_batch_options(flags);
    options.mini_batch->sampler = gnn::parse_sampler(command.sampler);
  }
  if (command.resume && command.checkpoint.empty())
    throw InvalidArgument("--resume needs --checkpoint FILE");

  const std::uint64_t baseline_bytes = gnn::resident_bytes();
  const datasets::Dataset dataset = load(flags);

  // The log is written as epochs finish (each line handed to the system at once), so that a
  // run that is killed keeps the log of the epochs it finished.
  std::optional<OutputFile> log;
  if (!command.log.empty()) {
    log.emplace(command.log, OutputFile::Writing::streamed);
    log->write("epoch,loss,train_acc,val_acc,val_loss,test_acc,epoch_seconds,eval_seconds\n");
    log->flush();
  }
  const bool terminal = stderr_is_terminal();
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
  const gnn::TrainResult result = gnn::train(dataset, model, options);
  if (terminal) std::fprintf(stderr, "\n");
  if (log) log->commit();

  if (flags.json) {
    nlohmann::json out = {
        {"dataset", flags.dataset},
        {"model", gnn::to_string(model.kind)},
        {"mode", command.mode},
        {"sampler", options.mini_batch ? nlohmann::json(command.sampler) : nlohmann::json()},
        {"threads", threads.count},
        {"seed", command.seed},
        {"test_acc", result.test_accuracy},
        {"best_val_acc", result.best_validation_accuracy},
        {"best_epoch", result.best_epoch},
        {"epochs", result.epochs.size()},
        {"stopped_early", result.stopped_early},
        {"epoch_seconds", result.median_epoch_seconds},
        {"train_seconds", result.train_seconds},
        {"eval_seconds", result.evaluation_seconds},
        {"batches_per_epoch", result.batches_per_epoch},
        {"setup_seconds", result.setup_seconds},
        {"peak_rss_bytes", result.peak_rss_bytes},
        {"needed_bytes", result.needed_bytes},
        {"baseline_rss_bytes", baseline_bytes},
    };
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s on %s (%zu nodes, %zu features, %u classes), %d threads\n",
              gnn::to_string(model.kind), dataset.name.c_str(), dataset.nodes.num_nodes(),
              dataset.nodes.num_features(), dataset.nodes.num_classes, threads.count);
  if (options.mini_batch) {
    std::printf("mini-batch training, %s sampler, %zu batches per epoch (setup %.3f s)\n",
                command.sampler.c_str(), result.batches_per_epoch, result.setup_seconds);
  }
  std::printf("epochs %zu%s, best validation %.2f%% at epoch %u, test %.2f%%\n",
              result.epochs.size(), result.stopped_early ? " (stopped early)" : "",
              100 * result.best_validation_accuracy, result.best_epoch, 100 * result.test_accuracy);
  std::printf("training %.3f s (median epoch %.2f ms), evaluation %.3f s\n", result.train_seconds,
              result.median_epoch_seconds * 1e3, result.evaluation_seconds);
  std::printf(
      "memory: peak resident %s (%s before loading); graph, features, parameters and activations "
      "need %s\n",
      human_bytes(result.peak_rss_bytes).c_str(), human_bytes(baseline_bytes).c_str(),
      human_bytes(result.needed_bytes).c_str());
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

// The table of a comparison, in Markdown.
std::string comparison_table(const gnn::Comparison& c) {
  std::string table =
      "| method | batches per epoch | setup (s) | epoch (ms) | epochs to target | time to target "
      "(s) | reached | best validation (%) | test (%) | peak memory (MiB) |\n"
      "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const gnn::MethodRuns& m : c.methods) {
    char setup[32];
    std::snprintf(setup, sizeof setup, "%.2f", m.runs.front().setup_seconds);
    table += "| " + m.name + " | " + std::to_string(m.runs.front().batches_per_epoch) + " | " +
             setup + " | " + mean_std(m.epoch_seconds(), 1e3, 2) + " | " +
             mean_std(m.epochs_to_target_count(), 1, 1) + " | " +
             mean_std(m.time_to_target_seconds(), 1, 3) + " | " +
             std::to_string(m.time_to_target_seconds().count) + "/" +
             std::to_string(m.runs.size()) + " | " + mean_std(m.best_validation(), 100, 2) + " | " +
             mean_std(m.test_accuracy(), 100, 2) + " | " +
             mean_std(m.peak_rss(), 1.0 / (1 << 20), 0) + " |\n";
  }
  return table;
}

nlohmann::json comparison_json(const gnn::Comparison& c, const CompareCommand& command) {
  nlohmann::json methods = nlohmann::json::array();
  for (const gnn::MethodRuns& m : c.methods) {
    const gnn::Statistic time = m.time_to_target_seconds();
    const gnn::Statistic epochs = m.epochs_to_target_count();
    methods.push_back({
        {"name", m.name},
        {"time_to_target_s", time.count > 0 ? nlohmann::json(time.mean) : nlohmann::json()},
        {"epochs_to_target", epochs.count > 0 ? nlohmann::json(epochs.mean) : nlohmann::json()},
        {"reached", time.count},
        {"runs", m.runs.size()},
        {"epoch_s", m.epoch_seconds().mean},
        {"test_acc", m.test_accuracy().mean},
        {"best_val_acc", m.best_validation().mean},
        {"peak_rss_bytes", m.peak_rss().mean},
        {"train_s", m.train_seconds().mean},
        {"batches_per_epoch", m.runs.front().batches_per_epoch},
        {"setup_s", m.runs.front().setup_seconds},
        {"stats",
         {{"time_to_target_s", statistic_json(time)},
          {"epochs_to_target", statistic_json(epochs)},
          {"epoch_s", statistic_json(m.epoch_seconds())},
          {"test_acc", statistic_json(m.test_accuracy())},
          {"best_val_acc", statistic_json(m.best_validation())},
          {"peak_rss_bytes", statistic_json(m.peak_rss())}}},
    });
  }
  return {{"dataset", command.run.dataset}, {"model", command.run.model},
          {"seeds", command.seeds},         {"target_acc", c.target},
          {"target_given", c.target_given}, {"methods", methods}};
}

// Per-epoch curves: one row per method, seed and epoch, with the training time so far.
std::string comparison_curves(const gnn::Comparison& c) {
  std::string csv = "method,seed,epoch,train_seconds,loss,train_acc,val_acc,test_acc\n";
  for (const gnn::MethodRuns& m : c.methods) {
    for (std::size_t s = 0; s < m.runs.size(); ++s) {
      double seconds = 0;
      for (const gnn::EpochRecord& r : m.runs[s].epochs) {
        seconds += r.seconds;
        char line[256];
        std::snprintf(line, sizeof line, "%s,%zu,%u,%.6f,%.6f,%.4f,%.4f,%.4f\n", m.name.c_str(),
                      s + 1, r.epoch, seconds, r.loss, r.train_accuracy, r.validation_accuracy,
                      r.test_accuracy);
        csv += line;
      }
    }
  }
  return csv;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

void run_compare(const CompareCommand& command) {
  const RunFlags& flags = command.run;
  const Threads threads(flags.threads);
  const gnn::ModelOptions model = model_options(flags);
  const gnn::TrainOptions training = train_options(flags);
  gnn::CompareOptions options;
  for (const gnn::Method& m : gnn::standard_methods(mini_batch_options(flags))) {
    if (std::find(command.methods.begin(), command.methods.end(), m.name) != command.methods.end())
      options.methods.push_back(m);
  }
  options.seeds = command.seeds;
  options.target = command.target;
  // The output folder is made (beside its destination) before the long work, so that a
  // destination that cannot be written fails at once, not after the comparison.
  std::optional<OutputFolder> out;
  if (!command.out.empty()) {
    out.emplace(command.out, [](const std::filesystem::path& existing) {
      return std::filesystem::exists(existing / "comparison.json");
    });
  }
  const datasets::Dataset dataset = load(flags);

  // Progress: a line per run, and its epochs on a terminal.
  const bool terminal = stderr_is_terminal();
  std::string current;
  options.on_run = [&](const std::string& method, std::uint64_t seed) {
    if (terminal && !current.empty()) std::fprintf(stderr, "\n");
    current = method + " seed " + std::to_string(seed) + "/" + std::to_string(command.seeds);
    if (terminal) std::fprintf(stderr, "%s ", current.c_str());
  };
  options.on_epoch = [&](const gnn::EpochRecord& r) {
    if (terminal) {
      std::fprintf(stderr, "\r%s: epoch %u  val %.3f  %.1f ms/epoch   ", current.c_str(), r.epoch,
                   r.validation_accuracy, r.seconds * 1e3);
    }
  };
  const gnn::Comparison comparison = gnn::compare(dataset, model, training, options);
  if (terminal) std::fprintf(stderr, "\n");

  const nlohmann::json json = comparison_json(comparison, command);
  const std::string table = comparison_table(comparison);
  if (out) {
    write_file(out->path() / "comparison.json", json.dump(2) + "\n");
    write_file(out->path() / "curves.csv", comparison_curves(comparison));
    write_file(out->path() / "table.md", table);
    out->commit();
  }
  if (flags.json) {
    std::printf("%s\n", json.dump(2).c_str());
    return;
  }
  std::printf("%s on %s (%zu nodes, %zu features, %u classes), %zu seed%s, %d threads\n",
              flags.model.c_str(), dataset.name.c_str(), dataset.nodes.num_nodes(),
              dataset.nodes.num_features(), dataset.nodes.num_classes, command.seeds,
              command.seeds == 1 ? "" : "s", threads.count);
  std::printf("target validation accuracy %.2f%% (%s)\n\n%s", 100 * comparison.target,
              comparison.target_given ? "given" : "the lowest of the methods' best", table.c_str());
}

}  // namespace

void add_gnn_command(CLI::App& app) {
  auto* gnn = app.add_subcommand("gnn", "Train graph neural networks and compare training methods");
  gnn->require_subcommand(1);

  auto train_command = std::make_shared<TrainCommand>();
  auto* train = gnn->add_subcommand(
      "train",
      "Train a GCN, GraphSAGE or GAT node classifier and report its test accuracy at the best "
      "validation epoch");
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
  train->callback(on_root_only("gnn train", [train_command] { run_train(*train_command); }));

  auto compare_command = std::make_shared<CompareCommand>();
  auto* compare = gnn->add_subcommand(
      "compare",
      "Time to accuracy of full-graph, neighbor-sampling and cluster mini-batch training of the "
      "same model (Bajaj et al., PVLDB 2025): each method trains to convergence (--patience), "
      "then each is timed to the lowest of their best validation accuracies (or --target); "
      "training time excludes evaluation");
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
             "target validation accuracy (default: the lowest of the methods' best, averaged "
             "over seeds)");
  compare->add_option("--out", compare_command->out,
                      "write comparison.json, table.md and curves.csv (per-epoch validation "
                      "accuracy against training time; bench/plot_gnn_compare.py draws it) to "
                      "this folder, all three or none; an existing folder is replaced only if "
                      "it holds an earlier comparison");
  compare->callback(
      on_root_only("gnn compare", [compare_command] { run_compare(*compare_command); }));
}

}  // namespace graphmini::cli
