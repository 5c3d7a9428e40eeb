// A GNN model: a stack of layers (gnn/layers.h) with dropout before every layer and an
// activation after every layer but the last, and the optimisers that train it.
//
// The model consumes one block per layer, so the full-graph trainer (the whole graph as every
// block) and the mini-batch trainer (sampled blocks) run the same code. Its random stream
// (dropout, initialisation) comes from one seed, so that with one thread a run is
// reproducible bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "gnn/block.h"
#include "gnn/layers.h"
#include "gnn/tensor.h"

namespace graphmini::gnn {

enum class ModelKind { gcn, sage, gat };

const char* to_string(ModelKind kind);
// "gcn", "sage" or "gat"; throws InvalidArgument otherwise.
ModelKind parse_model_kind(std::string_view text);

struct ModelOptions {
  ModelKind kind = ModelKind::gcn;
  std::size_t layers = 2;
  std::size_t hidden = 16;         // per head for GAT
  std::size_t heads = 8;           // GAT: heads of the hidden layers
  std::size_t output_heads = 1;    // GAT: heads of the last layer (averaged)
  float dropout = 0.5f;            // on the input of every layer
  float attention_dropout = 0.6f;  // GAT
  std::uint64_t seed = 1;

  // The papers' defaults for a model: GCN 2 layers, hidden 16, dropout 0.5; GraphSAGE 2
  // layers, hidden 256, dropout 0.5; GAT 2 layers, 8 heads of 8, dropout and attention
  // dropout 0.6, one output head.
  static ModelOptions defaults(ModelKind kind);
};

// Between the layers of a graph partition (gnn/partition.h): a layer's destinations are one
// rank's nodes, but the next layer also reads a halo of other ranks' nodes, its sources.
class Halo {
 public:
  virtual ~Halo() = default;
  // Appends the halo's rows, from their owners, to a layer's output (after its activation).
  virtual void gather(Tensor& rows) = 0;
  // Adds the halo's rows of the gradient of the next layer's input to their owners' rows, and
  // drops them.
  virtual void scatter(Tensor& gradient) = 0;
};

class Model {
 public:
  Model(const ModelOptions& options, std::size_t in_features, std::size_t classes);

  const ModelOptions& options() const { return options_; }
  // Moves the parameters (and with them every pass's tensors) to `device`; the model's passes
  // then run there, on inputs and blocks given there. GAT runs on the CPU only (its attention
  // loops have CUDA twins in gnn/cuda/, not yet wired to the layer): InvalidArgument says so.
  void to(DeviceKind device);
  DeviceKind device() const { return device_; }
  std::size_t num_layers() const { return layers_.size(); }
  bool needs_self_loops() const { return layers_.front()->needs_self_loops(); }

  // Logits of blocks.back()'s destinations; blocks[i] feeds layer i and `input` has
  // blocks[0].num_src() rows. Training applies dropout. With a halo, every layer's output
  // but the last gets the halo's rows before the next layer reads it (collective over the
  // partition's ranks, as is backward()).
  const Tensor& forward(std::span<const Block* const> blocks, const LayerInput& input,
                        bool training, Halo* halo = nullptr);
  // Layer i alone, as forward() runs it without training (no dropout), into `output`, with
  // its per-destination working memory held for `batch` destinations at a time: layer-wise
  // inference over the whole graph (Layer::infer).
  void infer_layer(std::size_t i, const Block& block, const LayerInput& input, Tensor& output,
                   std::size_t batch);
  // Adds the gradients of the loss to the parameters' gradients, given the gradient of the
  // logits of the last forward (which must have been a training one).
  void backward(std::span<const Block* const> blocks, const LayerInput& input,
                const Tensor& d_logits, Halo* halo = nullptr);

  std::vector<Parameter*> parameters();
  void zero_gradients();
  std::size_t parameter_count();
  // Bytes kept between forward and backward (activations, masks, per-edge attention).
  std::size_t activation_bytes() const;
  std::mt19937_64& random() { return random_; }

 private:
  // Layer i's input: after dropout when it had some, else the model input or the previous
  // layer's activations.
  LayerInput layer_input(std::size_t i, const LayerInput& input) const;

  ModelOptions options_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Activation> activations_;  // after each layer
  std::mt19937_64 random_;
  // Per layer: whether its input had dropout in the last pass, that input after dropout, the
  // dropout mask, and its output after the activation (applied in place: the backward pass
  // needs only the activation's output).
  std::vector<bool> dropped_;
  std::vector<std::variant<std::monostate, Tensor, SparseMatrix>> dropout_storage_;
  std::vector<Tensor> masks_;
  std::vector<float> sparse_mask_;  // of sparse input features (never needed backward)
  DeviceKind device_ = DeviceKind::cpu;
  std::vector<Tensor> outputs_;
  Tensor gradient_;  // backward's working gradients
  Tensor d_input_;
};

struct OptimizerOptions {
  enum class Kind { adam, sgd } kind = Kind::adam;
  float learning_rate = 0.01f;
  float weight_decay = 5e-4f;  // L2, added to the gradient (as torch.optim does)
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
};

class Optimizer {
 public:
  Optimizer(const OptimizerOptions& options, std::vector<Parameter*> parameters);
  void step();
  // The moment estimates and step count (for checkpoints).
  std::vector<Tensor>& first_moments() { return first_; }
  std::vector<Tensor>& second_moments() { return second_; }
  std::uint64_t& steps() { return steps_; }

 private:
  OptimizerOptions options_;
  std::vector<Parameter*> parameters_;
  std::vector<Tensor> first_;
  std::vector<Tensor> second_;
  std::uint64_t steps_ = 0;
};

}  // namespace graphmini::gnn
