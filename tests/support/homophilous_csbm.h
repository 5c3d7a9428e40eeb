// The small graph the trainer and comparison tests learn: 400 nodes in 4 classes, strongly
// homophilous, with weak feature signal, so that the graph matters.
#pragma once

#include "datasets/generators.h"

namespace graphmini::testing {

inline datasets::Dataset homophilous_csbm(
    datasets::FeatureLoading loading = datasets::FeatureLoading::all) {
  datasets::CsbmOptions options;
  options.nodes = 400;
  options.classes = 4;
  options.average_degree = 8;
  options.homophily = 0.9;
  options.features = 16;
  options.signal = 0.5;
  options.seed = 3;
  return datasets::generate_csbm(options, loading);
}

}  // namespace graphmini::testing
