// Exact inference for mini-batch training, layer by layer (the layer-wise inference of DGL
// and PyG): layer i is computed for every node before layer i + 1 starts, over the whole
// graph's block, which is a view of the graph's CSR (gnn/block.h) and copies nothing. Each
// layer projects every node once and holds its per-destination working memory (aggregated
// inputs, GAT's attention per edge) for a batch of destinations at a time (Layer::infer), so
// memory holds two layers' outputs over every node and one batch's working memory, never
// every layer's activations; the scores are what the full-graph forward pass computes
// (Model::forward without training).
#pragma once

#include <cstddef>

#include "gnn/block.h"
#include "gnn/features.h"
#include "gnn/model.h"
#include "runtime/graph.h"

namespace graphmini::gnn {

class LayerwiseInference {
 public:
  // `graph` must outlive this; `self_loops` as the model's blocks need.
  LayerwiseInference(const Graph& graph, bool self_loops, std::size_t batch = 16384);

  // The model's scores of every node.
  const Tensor& run(Model& model, const InputFeatures& features);

 private:
  Block block_;        // the whole graph, a view of its CSR
  std::size_t batch_;  // destinations at a time
  Tensor outputs_[2];
};

}  // namespace graphmini::gnn
