// graphmini gnn train: GNN training on a dataset (gnn/trainer.h).
#include "cli/gnn_command.h"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/format.h"
#include "cli/progress.h"
#include "datasets/registry.h"
#include "gnn/tensor.h"
#include "gnn/trainer.h"
#include "runtime/error.h"
#include "runtime/files.h"

namespace graphmini::cli {
namespace {

struct TrainCommand {
  std::string dataset;
  std::string model = "gcn";
  std::string mode = "full";
  std::string sampler = "neighbor";
  std::vector<std::uint32_t> fanouts = {25, 10};
  std::size_t batch_size = 512;
  std::size_t clusters = 0;
  std::size_t clusters_per_batch = 0;
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
  std::uint64_t seed = 1;
  int threads = 0;
  std::string log;
  std::string checkpoint;
  std::uint32_t checkpoint_every = 10;
  bool resume = false;
  bool raw_features = false;
  bool json = false;
};

void run_train(const TrainCommand& command) {
  const int threads = command.threads > 0 ? command.threads : tbb::info::default_concurrency();
  const tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
  gnn::set_blas_threads(1);

  const gnn::ModelKind kind = gnn::parse_model_kind(command.model);
  gnn::ModelOptions model = gnn::ModelOptions::defaults(kind);
  if (command.layers) model.layers = *command.layers;
  if (command.hidden) model.hidden = *command.hidden;
  if (command.heads) model.heads = *command.heads;
  if (command.dropout) model.dropout = *command.dropout;
  model.seed = command.seed;
  gnn::TrainOptions options = gnn::TrainOptions::defaults(kind);
  if (command.epochs) options.epochs = *command.epochs;
  options.patience = command.patience;
  if (command.optimizer == "sgd") options.optimizer.kind = gnn::OptimizerOptions::Kind::sgd;
  if (command.learning_rate) options.optimizer.learning_rate = *command.learning_rate;
  if (command.weight_decay) options.optimizer.weight_decay = *command.weight_decay;
  if (!command.checkpoint.empty()) options.checkpoint = command.checkpoint;
  options.checkpoint_every = command.checkpoint_every;
  options.resume = command.resume;
  options.normalize_features = !command.raw_features;
  if (command.mode == "mini") {
    gnn::MiniBatchOptions& mini = options.mini_batch.emplace();
    mini.sampler = gnn::parse_sampler(command.sampler);
    mini.fanouts = command.fanouts;
    mini.batch_size = command.batch_size;
    mini.clusters = command.clusters;
    mini.clusters_per_batch = command.clusters_per_batch;
  }
  if (command.resume && command.checkpoint.empty())
    throw InvalidArgument("--resume needs --checkpoint FILE");

  const std::uint64_t baseline_bytes = gnn::resident_bytes();
  Progress progress;
  progress.step("loading " + command.dataset);
  const datasets::Dataset dataset = datasets::open_dataset(command.dataset);
  progress.done();

  std::optional<AtomicFile> log;
  if (!command.log.empty()) {
    log.emplace(command.log);
    log->write("epoch,loss,train_acc,val_acc,val_loss,test_acc,epoch_seconds,eval_seconds\n");
  }
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  options.on_epoch = [&](const gnn::EpochRecord& r) {
    if (log) {
      char line[256];
      std::snprintf(line, sizeof line, "%u,%.6f,%.4f,%.4f,%.6f,%.4f,%.6f,%.6f\n", r.epoch, r.loss,
                    r.train_accuracy, r.validation_accuracy, r.validation_loss, r.test_accuracy,
                    r.seconds, r.evaluation_seconds);
      log->write(line);
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

  if (command.json) {
    nlohmann::json out = {
        {"dataset", command.dataset},
        {"model", gnn::to_string(model.kind)},
        {"mode", command.mode},
        {"sampler", command.mode == "mini" ? nlohmann::json(command.sampler) : nlohmann::json()},
        {"batches_per_epoch", result.batches_per_epoch},
        {"setup_seconds", result.setup_seconds},
        {"threads", threads},
        {"seed", command.seed},
        {"test_acc", result.test_accuracy},
        {"best_val_acc", result.best_validation_accuracy},
        {"best_epoch", result.best_epoch},
        {"epochs", result.epochs.size()},
        {"stopped_early", result.stopped_early},
        {"epoch_seconds", result.median_epoch_seconds},
        {"train_seconds", result.train_seconds},
        {"eval_seconds", result.evaluation_seconds},
        {"peak_rss_bytes", result.peak_rss_bytes},
        {"needed_bytes", result.needed_bytes},
        {"baseline_rss_bytes", baseline_bytes},
    };
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%s on %s (%zu nodes, %zu features, %u classes), %d threads\n",
              gnn::to_string(model.kind), dataset.name.c_str(), dataset.nodes.num_nodes(),
              dataset.nodes.num_features(), dataset.nodes.num_classes, threads);
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

}  // namespace

void add_gnn_command(CLI::App& app) {
  auto* gnn = app.add_subcommand("gnn", "Train graph neural networks");
  gnn->require_subcommand(1);
  auto command = std::make_shared<TrainCommand>();
  auto* train = gnn->add_subcommand(
      "train",
      "Train a GCN, GraphSAGE or GAT node classifier and report its test accuracy at the best "
      "validation epoch");
  train
      ->add_option("-d,--dataset", command->dataset,
                   "a LINQS folder (its planetoid split), an OGB raw-layout folder or a csbm:... "
                   "generator spec")
      ->required();
  train
      ->add_option("--model", command->model,
                   "gcn (Kipf and Welling), sage (GraphSAGE, mean) or gat")
      ->check(CLI::IsMember({"gcn", "sage", "gat"}))
      ->capture_default_str();
  train
      ->add_option("--mode", command->mode,
                   "full: the whole graph every epoch; mini: sampled mini-batches (--sampler)")
      ->check(CLI::IsMember({"full", "mini"}))
      ->capture_default_str();
  train
      ->add_option("--sampler", command->sampler,
                   "mini-batches by neighbor sampling (GraphSAGE) or of METIS clusters "
                   "(Cluster-GCN)")
      ->check(CLI::IsMember({"neighbor", "cluster"}))
      ->capture_default_str();
  train
      ->add_option("--fanouts", command->fanouts,
                   "neighbors sampled per hop from the seed nodes, one per layer: 25,10 takes 25 "
                   "of each seed and 10 of each of those")
      ->delimiter(',')
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  train
      ->add_option("--batch-size", command->batch_size,
                   "training nodes per neighbor-sampled batch; about this many nodes per cluster "
                   "batch")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  train->add_option("--clusters", command->clusters,
                    "METIS parts for the cluster sampler (default: one per 100 nodes)");
  train->add_option("--clusters-per-batch", command->clusters_per_batch,
                    "clusters in each batch (default: as many as make --batch-size nodes)");
  train->add_option("--layers", command->layers, "layers (default 2)");
  train->add_option("--hidden", command->hidden,
                    "hidden width, per head for GAT (default: gcn 16, sage 256, gat 8)");
  train->add_option("--heads", command->heads, "GAT heads of the hidden layers (default 8)");
  train->add_option("--dropout", command->dropout,
                    "dropout on every layer's input (default: 0.5, gat 0.6)");
  train->add_option("--lr", command->learning_rate, "learning rate (default: 0.01, gat 0.005)");
  train->add_option("--weight-decay", command->weight_decay, "L2 weight decay (default 5e-4)");
  train->add_option("--optimizer", command->optimizer, "adam or sgd")
      ->check(CLI::IsMember({"adam", "sgd"}))
      ->capture_default_str();
  train->add_option("--epochs", command->epochs, "most epochs (default: 200, gat 1000)");
  train
      ->add_option("--patience", command->patience,
                   "stop when validation accuracy has not improved for this many epochs")
      ->capture_default_str();
  train->add_option("--seed", command->seed, "seed of initialisation and dropout")
      ->capture_default_str();
  train->add_option("-t,--threads", command->threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  train->add_option("--log", command->log,
                    "write per-epoch loss, accuracies and times to this CSV file");
  train->add_option("--checkpoint", command->checkpoint,
                    "save the run to this file (atomically) every --checkpoint-every epochs");
  train->add_option("--checkpoint-every", command->checkpoint_every, "epochs between checkpoints")
      ->capture_default_str();
  train->add_flag("--resume", command->resume,
                  "continue from --checkpoint when it exists (same model, data and seed)");
  train->add_flag("--raw-features", command->raw_features,
                  "use the features as they are (by default each node's non-negative features "
                  "are scaled to sum 1, as Kipf and Welling do)");
  train->add_flag("--json", command->json, "print one JSON object");
  train->callback([command] { run_train(*command); });
}

}  // namespace graphmini::cli
