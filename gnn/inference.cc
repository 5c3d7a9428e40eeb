#include "gnn/inference.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <span>

#include "gnn/parallel.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

std::uint32_t max_degree(const Graph& graph) {
  std::uint32_t degree = 1;
  for (VertexId v = 0; v < graph.num_vertices(); ++v)
    degree = std::max(degree, static_cast<std::uint32_t>(graph.neighbours(v).size()));
  return degree;
}

}  // namespace

LayerwiseInference::LayerwiseInference(const Graph& graph, bool self_loops, std::size_t batch)
    : sampler_(graph, {max_degree(graph)}, self_loops, 0),
      batch_(batch),
      nodes_(graph.num_vertices()) {
  if (batch_ == 0) throw InvalidArgument("inference batches need at least one node");
  std::iota(nodes_.begin(), nodes_.end(), 0u);
}

const Tensor& LayerwiseInference::run(Model& model, const InputFeatures& features) {
  if (features.rows() != nodes_.size())
    throw InvalidArgument(std::to_string(features.rows()) + " feature rows for a graph of " +
                          std::to_string(nodes_.size()) + " nodes");
  for (std::size_t layer = 0; layer < model.num_layers(); ++layer) {
    const Tensor& previous = outputs_[(layer + 1) % 2];
    Tensor& output = outputs_[layer % 2];
    for (std::size_t first = 0; first < nodes_.size(); first += batch_) {
      const std::span<const std::uint32_t> seeds(nodes_.data() + first,
                                                 std::min(batch_, nodes_.size() - first));
      const MiniBatch batch = sampler_.sample(seeds, 0);
      if (layer == 0) {
        features.gather(batch.input_nodes, features_);
      } else {
        rows_.resize(batch.input_nodes.size(), previous.cols());
        for_each_row(rows_.rows(), rows_.cols(), [&](std::size_t i) {
          std::memcpy(rows_.row(i).data(), previous.row(batch.input_nodes[i]).data(),
                      previous.cols() * sizeof(float));
        });
      }
      const LayerInput input = layer == 0 ? features_.input() : LayerInput(rows_);
      model.infer_layer(layer, batch.blocks.front(), input, scores_);
      // The batch's destinations are its seeds, in order: rows first .. first + seeds.
      if (first == 0) output.resize(nodes_.size(), scores_.cols());
      std::memcpy(output.row(first).data(), scores_.data(), scores_.size() * sizeof(float));
    }
  }
  return outputs_[(model.num_layers() - 1) % 2];
}

}  // namespace graphmini::gnn
