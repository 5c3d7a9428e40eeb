#include "gnn/layers.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gnn/attention.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

void check_input(const Block& block, const LayerInput& input, std::size_t in, const char* layer) {
  if (input.rows() != block.num_src() || input.cols() != in) {
    throw InvalidArgument(std::string(layer) + " layer: input of " + std::to_string(input.rows()) +
                          "x" + std::to_string(input.cols()) + " for a block of " +
                          std::to_string(block.num_src()) + " sources and " + std::to_string(in) +
                          " features");
  }
}

Parameter weight(std::string name, std::size_t in, std::size_t out, std::mt19937_64& random) {
  Parameter p{std::move(name), Tensor(in, out), Tensor(in, out)};
  glorot(p.value, in, out, random);
  return p;
}

Parameter bias(std::size_t out) {
  return {"bias", Tensor(1, out), Tensor(1, out)};
}

// y = A X W for a block's aggregation A, computed as A (X W) or as (A X) W: the narrower of
// the input and output widths is aggregated (sparse input is always multiplied first).
class AggregatedProduct {
 public:
  AggregatedProduct(Aggregation kind, Parameter weight) : kind_(kind), weight_(std::move(weight)) {}

  Parameter& weight() { return weight_; }
  std::size_t in_features() const { return weight_.value.rows(); }
  std::size_t out_features() const { return weight_.value.cols(); }
  std::size_t activation_bytes() const { return kept_.size() * sizeof(float); }

  // Aggregating first, the destinations are aggregated `batch` at a time; backward() needs
  // them all in one (as forward passes).
  void forward(const Block& block, const LayerInput& input, Tensor& output,
               std::size_t batch = kAllRows) {
    output.resize(block.num_dst(), out_features(), input.device());
    if (!aggregate_first(input)) {
      input.multiply(weight_.value, kept_);
      block.aggregate(kind_, kept_, output);
      return;
    }
    if (batch >= block.num_dst()) {
      kept_.resize(block.num_dst(), in_features());
      block.aggregate(kind_, input.dense(), kept_);
      matmul(kept_, false, weight_.value, false, output);
      return;
    }
    batch = std::max<std::size_t>(batch, 1);
    for (std::size_t first = 0; first < block.num_dst(); first += batch) {
      const std::size_t rows = std::min(batch, block.num_dst() - first);
      kept_.resize(rows, in_features());
      block.aggregate_rows(kind_, input.dense(), kept_, first);
      scratch_.resize(rows, out_features());
      matmul(kept_, false, weight_.value, false, scratch_);
      copy_rows(scratch_, output, first);
    }
  }

  // Adds to the weight's gradient; d_input, when not null, receives the input's gradient.
  void backward(const Block& block, const LayerInput& input, const Tensor& d_output,
                Tensor* d_input) {
    if (aggregate_first(input)) {
      matmul(kept_, true, d_output, false, weight_.gradient, 1.0f);
      if (d_input == nullptr) return;
      scratch_.resize(block.num_dst(), in_features());
      matmul(d_output, false, weight_.value, true, scratch_);
      d_input->resize(block.num_src(), in_features());
      block.aggregate_backward(kind_, scratch_, *d_input);
    } else {
      scratch_.resize(block.num_src(), out_features());
      block.aggregate_backward(kind_, d_output, scratch_);
      input.add_transposed_product(scratch_, weight_.gradient);
      if (d_input == nullptr) return;
      d_input->resize(block.num_src(), in_features());
      matmul(scratch_, false, weight_.value, true, *d_input);
    }
  }

 private:
  bool aggregate_first(const LayerInput& input) const {
    return !input.sparse() && in_features() < out_features();
  }

  Aggregation kind_;
  Parameter weight_;
  Tensor kept_;  // X W, or A X when aggregating first
  Tensor scratch_;
};

// H' = A_gcn X W + b.
class GcnLayer final : public Layer {
 public:
  GcnLayer(std::size_t in, std::size_t out, std::mt19937_64& random)
      : product_(Aggregation::gcn, weight("weight", in, out, random)), bias_(bias(out)) {}

  std::size_t in_features() const override { return product_.in_features(); }
  std::size_t out_features() const override { return product_.out_features(); }
  bool needs_self_loops() const override { return true; }
  std::size_t activation_bytes() const override { return product_.activation_bytes(); }
  std::vector<Parameter*> parameters() override { return {&product_.weight(), &bias_}; }

  void forward(const Block& block, const LayerInput& input, Tensor& output, bool,
               std::mt19937_64&) override {
    infer(block, input, output, kAllRows);
  }

  void infer(const Block& block, const LayerInput& input, Tensor& output,
             std::size_t batch) override {
    check_input(block, input, in_features(), "GCN");
    product_.forward(block, input, output, batch);
    add_bias(output, bias_.value);
  }

  void backward(const Block& block, const LayerInput& input, const Tensor& d_output,
                Tensor* d_input) override {
    add_column_sums(d_output, bias_.gradient);
    product_.backward(block, input, d_output, d_input);
  }

 private:
  AggregatedProduct product_;
  Parameter bias_;
};

// h'_d = h_d W_root + mean over s in S(d) of h_s W_neigh + b; destinations are the first
// sources.
class SageLayer final : public Layer {
 public:
  SageLayer(std::size_t in, std::size_t out, std::mt19937_64& random)
      : root_(weight("root_weight", in, out, random)),
        neighbours_(Aggregation::mean, weight("neighbour_weight", in, out, random)),
        bias_(bias(out)) {}

  std::size_t in_features() const override { return root_.value.rows(); }
  std::size_t out_features() const override { return root_.value.cols(); }
  bool needs_self_loops() const override { return false; }
  std::size_t activation_bytes() const override { return neighbours_.activation_bytes(); }
  std::vector<Parameter*> parameters() override { return {&root_, &neighbours_.weight(), &bias_}; }

  void forward(const Block& block, const LayerInput& input, Tensor& output, bool,
               std::mt19937_64&) override {
    infer(block, input, output, kAllRows);
  }

  void infer(const Block& block, const LayerInput& input, Tensor& output,
             std::size_t batch) override {
    check_input(block, input, in_features(), "GraphSAGE");
    neighbours_.forward(block, input, output, batch);
    input.first_rows(block.num_dst()).add_product(root_.value, output);
    add_bias(output, bias_.value);
  }

  void backward(const Block& block, const LayerInput& input, const Tensor& d_output,
                Tensor* d_input) override {
    add_column_sums(d_output, bias_.gradient);
    neighbours_.backward(block, input, d_output, d_input);
    input.first_rows(block.num_dst()).add_transposed_product(d_output, root_.gradient);
    if (d_input != nullptr)  // the destinations' rows, the first of the input
      matmul(d_output, false, root_.value, true, *d_input, 1.0f, block.num_dst());
  }

 private:
  Parameter root_;
  AggregatedProduct neighbours_;
  Parameter bias_;
};

// Multi-head attention (see the file comment of layers.h). z holds the heads side by side:
// z[s][k * F + f] for head k and feature f.
class GatLayer final : public Layer {
 public:
  GatLayer(std::size_t in, std::size_t out, std::size_t heads, bool concat, float dropout,
           std::mt19937_64& random)
      : heads_(heads),
        width_(out),
        concat_(concat),
        dropout_(dropout),
        weight_(weight("weight", in, heads * out, random)),
        attention_left_(weight("attention_left", heads, out, random)),
        attention_right_(weight("attention_right", heads, out, random)),
        bias_(bias(concat ? heads * out : out)) {
    if (heads == 0) throw InvalidArgument("GAT layer with no heads");
    if (!(dropout >= 0 && dropout < 1))
      throw InvalidArgument("attention dropout " + std::to_string(dropout) + " not in [0, 1)");
    // Glorot over one head's vector, as in the reference implementations.
    glorot(attention_left_.value, out, 1, random);
    glorot(attention_right_.value, out, 1, random);
  }

  std::size_t in_features() const override { return weight_.value.rows(); }
  std::size_t out_features() const override { return concat_ ? heads_ * width_ : width_; }
  bool needs_self_loops() const override { return true; }
  std::size_t activation_bytes() const override {
    return (z_.size() + heads_out_.size() + left_.size() + right_.size() + raw_.size() +
            alpha_.size() + applied_.size() + mask_.size()) *
           sizeof(float);
  }
  std::vector<Parameter*> parameters() override {
    return {&weight_, &attention_left_, &attention_right_, &bias_};
  }

  void forward(const Block& block, const LayerInput& input, Tensor& output, bool training,
               std::mt19937_64& random) override {
    attend(block, input, output, kAllRows, training, random);
  }

  void infer(const Block& block, const LayerInput& input, Tensor& output,
             std::size_t batch) override {
    std::mt19937_64 unused(0);  // no dropout without training
    attend(block, input, output, batch, false, unused);
  }

  // The forward pass over the destinations `batch` at a time: the attention per edge is that
  // of the last batch (of all destinations with one batch, which backward() needs).
  void attend(const Block& block, const LayerInput& input, Tensor& output, std::size_t batch,
              bool training, std::mt19937_64& random) {
    check_input(block, input, in_features(), "GAT");
    input.multiply(weight_.value, z_);
    head_scores(z_, attention_left_.value, block.num_src(), left_);
    head_scores(z_, attention_right_.value, block.num_dst(), right_);
    output.resize(block.num_dst(), out_features(), z_.device());
    batch = std::clamp<std::size_t>(batch, 1, std::max<std::size_t>(block.num_dst(), 1));
    for (std::size_t first = 0; first < block.num_dst(); first += batch) {
      const std::size_t last = std::min(block.num_dst(), first + batch);
      edge_softmax(block, left_, right_, kSlope, first, last, raw_, alpha_);
      // The attention actually applied: alpha with dropout while training, numbered per
      // destination node in a stream of its own drawn from the layer's.
      applied_ = alpha_;
      if (training && dropout_ > 0) {
        attention_dropout(block, first, last, dropout_, random(), applied_, mask_);
      } else {
        mask_ = Tensor();
      }
      // Concatenated heads are the output rows; averaged ones are averaged into them.
      if (concat_ && last - first == block.num_dst()) {
        aggregate_heads(block, applied_, z_, first, last, output);
      } else {
        aggregate_heads(block, applied_, z_, first, last, heads_out_);
        if (concat_) {
          copy_rows(heads_out_, output, first);
        } else {
          mean_of_heads(heads_out_, heads_, output, first);
        }
      }
    }
    add_bias(output, bias_.value);
  }

  void backward(const Block& block, const LayerInput& input, const Tensor& d_output,
                Tensor* d_input) override {
    add_column_sums(d_output, bias_.gradient);
    // The gradient of each head's output.
    if (!concat_) mean_of_heads_backward(d_output, heads_, d_heads_);
    const Tensor& d_heads = concat_ ? d_output : d_heads_;
    // Through the weighted sum to the attention, then through dropout, softmax and LeakyReLU
    // to the raw scores.
    attention_gradient(block, d_heads, z_, heads_, d_raw_);
    if (mask_.size() != 0) dropout_backward(d_raw_, mask_);
    edge_softmax_backward(block, raw_, alpha_, kSlope, d_raw_, d_right_, d_left_);
    // dz: from the weighted sum (over the edges leaving each source) and from the scores.
    aggregate_heads_backward(block, applied_, d_heads, d_z_);
    add_head_scores_backward(d_left_, attention_left_.value, d_z_);
    add_head_scores_backward(d_right_, attention_right_.value, d_z_);
    add_head_scores_gradient(z_, d_left_, attention_left_.gradient);
    add_head_scores_gradient(z_, d_right_, attention_right_.gradient);
    input.add_transposed_product(d_z_, weight_.gradient);
    if (d_input != nullptr) {
      d_input->resize(block.num_src(), in_features(), d_z_.device());
      matmul(d_z_, false, weight_.value, true, *d_input);
    }
  }

 private:
  static constexpr float kSlope = 0.2f;

  std::size_t heads_;
  std::size_t width_;
  bool concat_;
  float dropout_;
  Parameter weight_;
  Parameter attention_left_;
  Parameter attention_right_;
  Parameter bias_;
  Tensor z_;
  Tensor left_;
  Tensor right_;
  Tensor raw_;      // score before LeakyReLU, per edge and head
  Tensor alpha_;    // attention, per edge and head
  Tensor applied_;  // alpha after attention dropout
  Tensor mask_;     // attention dropout's scales (empty without dropout)
  Tensor heads_out_;
  Tensor d_heads_;  // working storage, kept between passes
  Tensor d_raw_;
  Tensor d_right_;
  Tensor d_left_;
  Tensor d_z_;
};

}  // namespace

const Tensor& LayerInput::dense() const {
  if (dense_ == nullptr || rows_ != dense_->rows())
    throw InvalidArgument("the whole dense input expected");
  return *dense_;
}

const SparseMatrix& LayerInput::sparse_matrix() const {
  if (sparse_ == nullptr || rows_ != sparse_->rows)
    throw InvalidArgument("the whole sparse input expected");
  return *sparse_;
}

std::size_t LayerInput::stored_values() const {
  return dense_ != nullptr ? rows_ * dense_->cols() : sparse_->offsets[rows_];
}

void LayerInput::multiply(const Tensor& w, Tensor& out) const {
  out.resize(rows(), w.cols());
  if (dense_ != nullptr) {
    matmul(*dense_, false, w, false, out, 0, rows_);
  } else {
    sparse_matmul(*sparse_, w, out, rows_);
  }
}

void LayerInput::add_product(const Tensor& w, Tensor& out) const {
  if (dense_ != nullptr) {
    matmul(*dense_, false, w, false, out, 1.0f, rows_);
  } else {
    sparse_matmul(*sparse_, w, out, rows_, 1.0f);
  }
}

void LayerInput::add_transposed_product(const Tensor& d, Tensor& d_w) const {
  if (dense_ != nullptr) {
    matmul(*dense_, true, d, false, d_w, 1.0f, rows_);
  } else {
    sparse_transpose_matmul(*sparse_, d, d_w, rows_);
  }
}

LayerInput LayerInput::first_rows(std::size_t n) const {
  if (n > rows_) throw InvalidArgument("first_rows beyond the input");
  LayerInput view = *this;
  view.rows_ = n;
  return view;
}

void glorot(Tensor& w, std::size_t fan_in, std::size_t fan_out, std::mt19937_64& random) {
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  std::uniform_real_distribution<float> uniform(-bound, bound);
  for (float& x : w.values())
    x = uniform(random);
}

std::unique_ptr<Layer> make_gcn_layer(std::size_t in, std::size_t out, std::mt19937_64& random) {
  return std::make_unique<GcnLayer>(in, out, random);
}

std::unique_ptr<Layer> make_sage_layer(std::size_t in, std::size_t out, std::mt19937_64& random) {
  return std::make_unique<SageLayer>(in, out, random);
}

std::unique_ptr<Layer> make_gat_layer(std::size_t in, std::size_t out, std::size_t heads,
                                      bool concat, float attention_dropout,
                                      std::mt19937_64& random) {
  return std::make_unique<GatLayer>(in, out, heads, concat, attention_dropout, random);
}

}  // namespace graphmini::gnn
