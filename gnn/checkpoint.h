// Checkpoints of a training run: everything it depends on (parameters, optimiser moments, the
// random stream, the best epoch's scores and the epoch log), so that a resumed run continues
// exactly where the interrupted one stopped.
//
// A checkpoint is resumed only by the run that wrote it: the same settings (model, optimiser,
// sampler: `settings`) on the same data. The data is told by its fingerprint, CRC-32s of the
// graph, the features, the labels and the split; matching shapes are not enough, since a csbm
// graph of another seed has the shapes of the first and would silently train on from
// parameters fitted to other data.
//
// File: "GMCKPT5\n", the payload, then the CRC-32 of the payload (4 bytes, little-endian).
// Written atomically (runtime/files.h). The loader treats the file as hostile: every length is
// checked against what is left, every tensor against the model's shape.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "gnn/model.h"
#include "gnn/trainer.h"

namespace graphmini::gnn {

// The progress of a run, besides its parameters.
struct TrainingProgress {
  std::vector<EpochRecord> records;
  std::uint32_t best_epoch = 0;
  double best_validation = -1;
  double best_validation_loss = 0;
  double best_test = 0;
};

// What a run's data is made of, as CRC-32s.
struct DataFingerprint {
  std::uint32_t graph = 0;
  std::uint32_t features = 0;
  std::uint32_t labels = 0;
  std::uint32_t split = 0;

  static DataFingerprint of(const datasets::Dataset& dataset);
  bool operator==(const DataFingerprint&) const = default;
};

// The settings a checkpoint must have been written with to be resumed.
std::string run_settings(const ModelOptions& model, const datasets::Dataset& dataset,
                         const TrainOptions& options);

void save_checkpoint(const std::filesystem::path& path, const std::string& settings,
                     const DataFingerprint& data, Model& model, Optimizer& optimizer,
                     const TrainingProgress& progress);

// Restores model, optimiser and progress. Throws FormatError for a file that is not a
// checkpoint, is damaged, or belongs to another run or other data (saying which part of the
// data differs); IoError when it cannot be read.
void load_checkpoint(const std::filesystem::path& path, const std::string& settings,
                     const DataFingerprint& data, Model& model, Optimizer& optimizer,
                     TrainingProgress& progress);

}  // namespace graphmini::gnn
