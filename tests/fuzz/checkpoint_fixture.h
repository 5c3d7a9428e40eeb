// The run whose checkpoints the checkpoint fuzzer loads, and whose checkpoint the seed
// generator writes: a two-layer GCN of width 4 on 3 features and 2 classes.
#pragma once

#include <string>

#include "gnn/checkpoint.h"
#include "gnn/model.h"

namespace graphmini::fuzz {

inline gnn::ModelOptions checkpoint_model() {
  gnn::ModelOptions options = gnn::ModelOptions::defaults(gnn::ModelKind::gcn);
  options.hidden = 4;
  return options;
}

inline constexpr std::size_t kCheckpointFeatures = 3;
inline constexpr std::size_t kCheckpointClasses = 2;
inline const std::string kCheckpointSettings = "fuzzed run";
inline constexpr gnn::DataFingerprint kCheckpointData{1, 2, 3, 4};

}  // namespace graphmini::fuzz
