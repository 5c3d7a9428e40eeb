// Exact inference for mini-batch training, layer by layer (the layer-wise inference of DGL
// and PyG): layer i is computed for every node, a batch of destinations at a time over the
// block of all their in-neighbours, before layer i + 1 starts. Memory holds two layers'
// outputs over every node and one batch's block and inputs, never the whole graph's block
// nor every layer's activations; the scores are what the full-graph forward pass computes
// (Model::forward without training).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gnn/features.h"
#include "gnn/model.h"
#include "gnn/sampler.h"
#include "runtime/graph.h"

namespace graphmini::gnn {

class LayerwiseInference {
 public:
  // `graph` must outlive this; `self_loops` as the model's blocks need.
  LayerwiseInference(const Graph& graph, bool self_loops, std::size_t batch = 16384);

  // The model's scores of every node.
  const Tensor& run(Model& model, const InputFeatures& features);

 private:
  NeighborSampler sampler_;  // with every neighbour: a fanout of the largest degree
  std::size_t batch_;        // destinations per block
  std::vector<std::uint32_t> nodes_;
  Tensor outputs_[2];
  InputFeatures features_;
  Tensor rows_;
  Tensor scores_;
};

}  // namespace graphmini::gnn
