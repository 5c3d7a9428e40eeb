// The trainers. Full-graph: every epoch is one forward and backward pass over the whole
// graph (one block per layer, gnn/block.h). Mini-batch: every epoch visits the training nodes
// in shuffled batches, each sampled into blocks (gnn/sampler.h) with its features gathered,
// sampling overlapped with training in a oneTBB pipeline that keeps a bounded number of
// batches in flight, and one optimiser step per batch. Both run the same model code.
//
// After every epoch both evaluate on the train, validation and test masks by exact
// full-neighbourhood inference: layer by layer over the whole graph, every node computed once
// per layer (the full-graph forward pass without dropout; mini-batch training computes it a
// layer at a time with each layer's working memory for a batch of nodes, gnn/inference.h, so
// that it never holds every layer's activations). Evaluation is timed apart and left
// out of the training time (as Bajaj et al., PVLDB 2025, do). Early stopping: training stops
// when validation has not improved for `patience` epochs (a higher accuracy, or the same
// accuracy with a lower loss); the test score is that of the best validation epoch, taken
// when it was evaluated (evaluation is deterministic, so it is what the parameters of that
// epoch score), so no copy of the best parameters is kept.
//
// Checkpoints hold everything a run depends on (parameters, optimiser moments, the random
// stream, the best epoch's scores and the epoch log), written atomically, so that a resumed run
// continues exactly where the interrupted one was (bit for bit with one thread). Batches
// depend only on the seed and the epoch, so mini-batch runs resume the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"
#include "gnn/device.h"
#include "gnn/model.h"
#include "gnn/roofline.h"
#include "runtime/cluster.h"

namespace graphmini::gnn {

struct EpochRecord {
  std::uint32_t epoch = 0;  // from 1
  double loss = 0;
  double train_accuracy = 0;
  double validation_accuracy = 0;
  double validation_loss = 0;
  double test_accuracy = 0;
  double seconds = 0;             // training (forward, backward, optimiser step)
  double evaluation_seconds = 0;  // left out of the training time
  Work work;                      // of the training passes (gnn/roofline.h)
};

struct MiniBatchOptions {
  enum class Sampler { neighbor, cluster } sampler = Sampler::neighbor;
  // Neighbour sampling: neighbours per hop from the seeds (one per layer), seed nodes per
  // batch.
  std::vector<std::uint32_t> fanouts = {25, 10};
  std::size_t batch_size = 512;
  // Cluster-GCN: METIS parts (0: one per 100 nodes, at least 2) and clusters per batch
  // (0: as many as make about batch_size nodes).
  std::size_t clusters = 0;
  std::size_t clusters_per_batch = 0;
  // Batches sampled ahead of the one being trained on, at most.
  std::size_t batches_in_flight = 4;
};

const char* to_string(MiniBatchOptions::Sampler sampler);
// "neighbor" or "cluster"; throws InvalidArgument otherwise.
MiniBatchOptions::Sampler parse_sampler(std::string_view text);

struct TrainOptions {
  std::uint32_t epochs = 200;
  std::uint32_t patience = 100;  // epochs without a better validation accuracy
  // Training stops after the epoch that takes the training time (evaluation excluded, the
  // clock of time to accuracy) to this many seconds.
  std::optional<double> time_budget_seconds;
  OptimizerOptions optimizer;
  // Scale each node's features to sum 1 when no feature is negative (bag-of-words input, as
  // Kipf and Welling preprocess the citation data); other features are used as they are.
  bool normalize_features = true;
  std::optional<std::filesystem::path> checkpoint;  // written every checkpoint_every epochs
  std::uint32_t checkpoint_every = 10;
  bool resume = false;  // continue from `checkpoint` when it exists
  // Mini-batch training when set, else full-graph.
  std::optional<MiniBatchOptions> mini_batch;
  // The ranks that train together (runtime/cluster.h); one process when null or a cluster of
  // one. Data-parallel mini-batch training: every rank holds the graph and the features, and
  // trains on its share of each batch (a contiguous K-th of its seeds); the gradients are
  // summed over the ranks (Cluster::sum, the same bits on every rank) before every optimiser
  // step, so that every rank keeps identical parameters. Batches, sampled neighbours and
  // dropout masks depend only on the seed, the epoch and the batch, never on the number of
  // ranks, so K ranks train on what one process trains on, and their losses agree with its
  // up to the order of float sums. Neighbour sampling only; evaluation is split over the
  // ranks as in full-graph training below.
  //
  // Full-graph training over MPI partitions the graph, one part per rank (gnn/partition.h):
  // each rank computes every layer for its own nodes, exchanging its halo's activations and
  // gradients between layers, and the weights' gradients are summed as above; the result is
  // single-process training's, up to the order of float sums. Every rank evaluates its own
  // nodes, and the counts are added up.
  //
  // In both modes the root alone writes checkpoints, which resume on any number of ranks.
  Cluster* cluster = nullptr;
  // Where the model trains (gnn/device.h): on a CUDA device, the graph's blocks and the
  // features are copied there once, mini-batch blocks and gathered features every batch, and
  // every pass and optimiser step runs there; evaluation too. One process only (not over MPI
  // ranks). Checkpoints are the same on both devices, so a run resumes on
  // either.
  Device device;
  // Full-graph training over MPI: the fraction of each peer's boundary nodes exchanged per
  // epoch (BNS-GCN; gnn/partition.h); 1 is exact.
  double boundary_sample = 1;
  // Called after every epoch (progress lines, the CSV log); on resume first for each epoch
  // restored from the checkpoint, so that it sees the whole run.
  std::function<void(const EpochRecord&)> on_epoch;

  // The papers' training settings: Adam, weight decay 5e-4; GCN and GraphSAGE lr 0.01 for
  // 200 epochs; GAT lr 0.005 for up to 1000 epochs with patience 100 (Velickovic et al.
  // train until validation stops improving).
  static TrainOptions defaults(ModelKind kind);
};

// Whether epoch `r` is better than the best so far (validation accuracy and loss): a higher
// validation accuracy, or the same with a lower validation loss (the accuracy of a few hundred
// nodes ties often).
bool improves(const EpochRecord& r, double best_accuracy, double best_loss);

// Why a run ended: its epochs ran out, validation stopped improving for `patience` epochs, or
// its time budget was spent.
enum class StopReason : std::uint8_t { epochs, converged, time_budget };
// "epochs", "converged", "time budget".
const char* to_string(StopReason reason);

// Over MPI, per epoch of a run's training passes, the largest of any rank: the bytes it sent,
// its seconds in MPI (moving data and waiting), the rest of its training time (compute), and
// the bytes Bajaj et al.'s cost model gives: the gradients' ring sum, 2 (K - 1) / K of the
// parameters per optimiser step, plus for a partition every layer's halo rows but the last's
// (forward the rows it sends, backward its halo's gradients; P of them with boundary
// sampling). Mini-batch training reads no remote features: each rank holds them all.
struct Communication {
  double bytes_sent = 0;
  double mpi_seconds = 0;
  double compute_seconds = 0;
  double modelled_bytes = 0;
};

struct TrainResult {
  std::vector<EpochRecord> epochs;
  std::uint32_t best_epoch = 0;
  double best_validation_accuracy = 0;
  double test_accuracy = 0;  // with the parameters of the best epoch
  double train_seconds = 0;
  double evaluation_seconds = 0;
  double median_epoch_seconds = 0;
  Work median_epoch_work;  // the work of the epoch whose time is the median
  StopReason stopped_by = StopReason::epochs;
  // Preparation before the first epoch (the Cluster-GCN partition, a partition over MPI
  // ranks), outside training time.
  double setup_seconds = 0;
  std::size_t batches_per_epoch = 1;
  // Memory: the process's peak resident set, and what the run needs by count: graph (blocks),
  // features, parameters with gradients and optimiser state, activations and their gradients.
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t needed_bytes = 0;
  // Over MPI (TrainOptions::cluster): the ranks, and this rank's traffic in the training
  // passes of this run's epochs (the bytes it sent and its seconds in MPI, Cluster::traffic;
  // evaluation's is left out, as its time is). An epoch's time is the slowest rank's.
  int ranks = 1;
  // Full-graph training over MPI: this rank's nodes and its halo (other ranks' neighbours).
  std::uint64_t owned_nodes = 0;
  std::uint64_t halo_nodes = 0;
  std::uint64_t bytes_sent = 0;
  double mpi_seconds = 0;
  Communication communication;       // all zero in one process
  std::uint32_t epochs_trained = 0;  // by this run: without those resumed from a checkpoint
  // CRC-32 of the final parameters' bits: equal on every rank of a run.
  std::uint32_t parameters_crc = 0;
  // Where it trained, the GPU's name (CUDA), and the peak of device memory in use (bytes).
  Device device;
  std::string device_name;
  std::uint64_t device_peak_bytes = 0;
};

// What train() checks before it starts: throws InvalidArgument for settings that cannot
// train on `dataset` (see train()). Cheap (it builds the model, not the samplers): over MPI
// the ranks run it through all_or_none() first, so that such an error is reported once.
void check_training(const datasets::Dataset& dataset, const ModelOptions& model,
                    const TrainOptions& options);

// Trains `model` on `dataset` (full-graph, or mini-batch with options.mini_batch). Throws
// InvalidArgument for settings that cannot train (no epochs, a learning rate that is not a
// positive finite number, ...), when the dataset has no training or validation nodes, or a
// sampler setting does not fit the model or graph; Error when training diverges (the loss
// becomes infinite or NaN).
TrainResult train(const datasets::Dataset& dataset, const ModelOptions& model,
                  const TrainOptions& options);

}  // namespace graphmini::gnn
