#include "gnn/model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gnn/cuda_twins.h"
#include "gnn/parallel.h"
#include "runtime/error.h"

namespace graphmini::gnn {

const char* to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::gcn:
      return "gcn";
    case ModelKind::sage:
      return "sage";
    case ModelKind::gat:
      return "gat";
  }
  return "?";
}

ModelKind parse_model_kind(std::string_view text) {
  for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
    if (text == to_string(kind)) return kind;
  }
  throw InvalidArgument("model must be gcn, sage or gat, not '" + std::string(text) + "'");
}

ModelOptions ModelOptions::defaults(ModelKind kind) {
  ModelOptions options;
  options.kind = kind;
  switch (kind) {
    case ModelKind::gcn:
      break;
    case ModelKind::sage:
      options.hidden = 256;
      break;
    case ModelKind::gat:
      options.hidden = 8;
      options.dropout = 0.6f;
      break;
  }
  return options;
}

Model::Model(const ModelOptions& options, std::size_t in_features, std::size_t classes)
    : options_(options), random_(options.seed) {
  if (options.layers == 0) throw InvalidArgument("a model needs at least one layer");
  if (options.hidden == 0) throw InvalidArgument("hidden width must be positive");
  if (in_features == 0) throw InvalidArgument("the input has no features");
  if (classes < 2) throw InvalidArgument("a classifier needs at least two classes");
  if (!(options.dropout >= 0 && options.dropout < 1))
    throw InvalidArgument("dropout " + std::to_string(options.dropout) + " not in [0, 1)");
  std::size_t width = in_features;
  for (std::size_t i = 0; i < options.layers; ++i) {
    const bool last = i + 1 == options.layers;
    switch (options.kind) {
      case ModelKind::gcn:
        layers_.push_back(make_gcn_layer(width, last ? classes : options.hidden, random_));
        activations_.push_back(last ? Activation::none : Activation::relu);
        break;
      case ModelKind::sage:
        layers_.push_back(make_sage_layer(width, last ? classes : options.hidden, random_));
        activations_.push_back(last ? Activation::none : Activation::relu);
        break;
      case ModelKind::gat:
        layers_.push_back(make_gat_layer(width, last ? classes : options.hidden,
                                         last ? options.output_heads : options.heads, !last,
                                         options.attention_dropout, random_));
        activations_.push_back(last ? Activation::none : Activation::elu);
        break;
    }
    width = layers_.back()->out_features();
  }
  dropped_.resize(layers_.size());
  dropout_storage_.resize(layers_.size());
  masks_.resize(layers_.size());
  outputs_.resize(layers_.size());
}

const Tensor& Model::forward(std::span<const Block* const> blocks, const LayerInput& input,
                             bool training, Halo* halo) {
  if (blocks.size() != layers_.size())
    throw InvalidArgument(std::to_string(blocks.size()) + " blocks for " +
                          std::to_string(layers_.size()) + " layers");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    // The input after dropout goes to storage kept from the previous pass (no allocation).
    dropped_[i] = training && options_.dropout > 0;
    if (dropped_[i]) {
      if (i == 0 && input.sparse()) {
        // Dropout on the non-zeros of sparse input features.
        SparseMatrix* copy = std::get_if<SparseMatrix>(&dropout_storage_[i]);
        if (copy == nullptr) copy = &dropout_storage_[i].emplace<SparseMatrix>();
        *copy = input.sparse_matrix();
        dropout(*copy, blocks[i]->node_ids(), options_.dropout, random_, sparse_mask_);
      } else {
        Tensor* copy = std::get_if<Tensor>(&dropout_storage_[i]);
        if (copy == nullptr) copy = &dropout_storage_[i].emplace<Tensor>();
        *copy = i == 0 ? input.dense() : outputs_[i - 1];
        dropout(*copy, blocks[i]->node_ids(), options_.dropout, random_, masks_[i]);
      }
    }
    layers_[i]->forward(*blocks[i], layer_input(i, input), outputs_[i], training, random_);
    if (activations_[i] != Activation::none) activate(activations_[i], outputs_[i], outputs_[i]);
    if (halo != nullptr && i + 1 < layers_.size()) halo->gather(outputs_[i]);
  }
  return outputs_.back();
}

void Model::infer_layer(std::size_t i, const Block& block, const LayerInput& input, Tensor& output,
                        std::size_t batch) {
  if (i >= layers_.size())
    throw InvalidArgument("layer " + std::to_string(i) + " of a model of " +
                          std::to_string(layers_.size()));
  layers_[i]->infer(block, input, output, batch);
  if (activations_[i] != Activation::none) activate(activations_[i], output, output);
}

void Model::backward(std::span<const Block* const> blocks, const LayerInput& input,
                     const Tensor& d_logits, Halo* halo) {
  Tensor& gradient = gradient_;
  Tensor& d_input = d_input_;
  // The two swap roles every layer; the larger (from the last pass) takes the first input
  // gradient, which is wider than the logits', so that no pass after the first allocates.
  if (gradient.size() > d_input.size()) std::swap(gradient, d_input);
  gradient = d_logits;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    // Through the activation for the halo's rows too: the owners add up what they receive.
    activate_backward(activations_[i], outputs_[i], gradient, gradient);
    if (halo != nullptr && i + 1 < layers_.size()) halo->scatter(gradient);
    layers_[i]->backward(*blocks[i], layer_input(i, input), gradient, i > 0 ? &d_input : nullptr);
    if (i == 0) break;
    if (dropped_[i]) dropout_backward(d_input, masks_[i]);
    std::swap(gradient, d_input);
  }
}

LayerInput Model::layer_input(std::size_t i, const LayerInput& input) const {
  if (dropped_[i]) {
    if (const Tensor* t = std::get_if<Tensor>(&dropout_storage_[i])) return *t;
    return std::get<SparseMatrix>(dropout_storage_[i]);
  }
  return i == 0 ? input : LayerInput(outputs_[i - 1]);
}

void Model::to(DeviceKind device) {
  if (device == device_) return;
  for (Parameter* p : parameters()) {
    p->value = p->value.to(device);
    p->gradient = p->gradient.to(device);
  }
  device_ = device;
}

std::vector<Parameter*> Model::parameters() {
  std::vector<Parameter*> all;
  for (const auto& layer : layers_) {
    for (Parameter* p : layer->parameters())
      all.push_back(p);
  }
  return all;
}

void Model::zero_gradients() {
  for (Parameter* p : parameters())
    p->gradient.fill(0);
}

std::size_t Model::parameter_count() {
  std::size_t count = 0;
  for (Parameter* p : parameters())
    count += p->value.size();
  return count;
}

std::size_t Model::activation_bytes() const {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    bytes += layers_[i]->activation_bytes();
    bytes += (outputs_[i].size() + masks_[i].size()) * sizeof(float);
    if (i == 0) bytes += sparse_mask_.size() * sizeof(float);
    if (const Tensor* t = std::get_if<Tensor>(&dropout_storage_[i]))
      bytes += t->size() * sizeof(float);
    if (const SparseMatrix* m = std::get_if<SparseMatrix>(&dropout_storage_[i]))
      bytes += m->values.size() * (sizeof(float) + sizeof(std::uint32_t));
  }
  return bytes;
}

Optimizer::Optimizer(const OptimizerOptions& options, std::vector<Parameter*> parameters)
    : options_(options), parameters_(std::move(parameters)) {
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate))
    throw InvalidArgument("learning rate must be a positive finite number");
  if (!(options.weight_decay >= 0) || !std::isfinite(options.weight_decay))
    throw InvalidArgument("weight decay must be a finite number, not negative");
  for (const Parameter* p : parameters_) {
    first_.emplace_back(p->value.rows(), p->value.cols(), p->value.device());
    second_.emplace_back(p->value.rows(), p->value.cols(), p->value.device());
  }
}

namespace {

// One parameter tensor's update, element-wise and vectorised (AVX2 where the CPU has it).
GRAPHMINI_AVX2_CLONES void update(const OptimizerOptions& o, float* __restrict value,
                                  const float* __restrict gradient, float* __restrict m,
                                  float* __restrict v, std::size_t n, float inverse_correction1,
                                  float inverse_correction2) {
  // Locals, so that the loops need not reload them through the pointers.
  const float lr = o.learning_rate;
  const float decay = o.weight_decay;
  const float beta1 = o.beta1;
  const float beta2 = o.beta2;
  const float epsilon = o.epsilon;
  if (o.kind == OptimizerOptions::Kind::sgd) {
    for (std::size_t j = 0; j < n; ++j)
      value[j] -= lr * (gradient[j] + decay * value[j]);
    return;
  }
  for (std::size_t j = 0; j < n; ++j) {
    const float g = gradient[j] + decay * value[j];
    m[j] = beta1 * m[j] + (1 - beta1) * g;
    v[j] = beta2 * v[j] + (1 - beta2) * g * g;
    value[j] -=
        lr * (m[j] * inverse_correction1) / (std::sqrt(v[j] * inverse_correction2) + epsilon);
  }
}

}  // namespace

void Optimizer::step() {
  ++steps_;
  // Adam's bias corrections 1 - beta^t.
  const auto inverse_correction1 =
      static_cast<float>(1 / (1 - std::pow(static_cast<double>(options_.beta1), steps_)));
  const auto inverse_correction2 =
      static_cast<float>(1 / (1 - std::pow(static_cast<double>(options_.beta2), steps_)));
  constexpr std::size_t kChunk = 16384;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Tensor& value = parameters_[i]->value;
    if (value.device() == DeviceKind::cuda) {
      cuda_twin::optimizer_step(options_, inverse_correction1, inverse_correction2, value,
                                parameters_[i]->gradient, first_[i], second_[i]);
      continue;
    }
    const std::size_t n = value.size();
    for_each_row((n + kChunk - 1) / kChunk, kChunk, [&](std::size_t c) {
      const std::size_t first = c * kChunk;
      update(options_, value.data() + first, parameters_[i]->gradient.data() + first,
             first_[i].data() + first, second_[i].data() + first, std::min(kChunk, n - first),
             inverse_correction1, inverse_correction2);
    });
  }
}

}  // namespace graphmini::gnn
