#include "gnn/inference.h"

#include <string>

#include "runtime/error.h"

namespace graphmini::gnn {

LayerwiseInference::LayerwiseInference(const Graph& graph, bool self_loops, std::size_t batch)
    : block_(Block::whole_graph(graph, self_loops)), batch_(batch) {
  if (batch_ == 0) throw InvalidArgument("inference batches need at least one node");
}

const Tensor& LayerwiseInference::run(Model& model, const InputFeatures& features) {
  if (features.rows() != block_.num_src())
    throw InvalidArgument(std::to_string(features.rows()) + " feature rows for a graph of " +
                          std::to_string(block_.num_src()) + " nodes");
  for (std::size_t layer = 0; layer < model.num_layers(); ++layer) {
    const LayerInput input = layer == 0 ? features.input() : LayerInput(outputs_[(layer + 1) % 2]);
    model.infer_layer(layer, block_, input, outputs_[layer % 2], batch_);
  }
  return outputs_[(model.num_layers() - 1) % 2];
}

}  // namespace graphmini::gnn
