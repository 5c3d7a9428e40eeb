// GNN layers with explicit forward and backward passes over blocks (gnn/block.h).
//
// A layer maps the features of a block's sources (num_src rows) to features of its
// destinations (num_dst rows). forward() keeps what backward() needs, so the two are called
// in pairs, with the same block and input. backward() adds the gradients of the parameters
// to their `gradient` tensors and, when asked, writes the gradient of the input.
//
//   GCN        Kipf and Welling, ICLR 2017: H' = D^-1/2 (A + I) D^-1/2 H W + b (the block
//              has the self-loops and carries the norms).
//   GraphSAGE  Hamilton et al., NeurIPS 2017, mean aggregator with a separate root weight:
//              h'_d = h_d W_root + mean over s in S(d) of h_s W_neigh + b.
//   GAT        Velickovic et al., ICLR 2018: per head k, z = H W_k, e_ds = LeakyReLU(a_l.z_s +
//              a_r.z_d) (slope 0.2), alpha = softmax of e over S(d), h'_d = sum alpha_ds z_s;
//              heads concatenated or averaged, then a bias.
// Aggregation is linear, so A X W is computed as A (X W) or (A X) W, whichever aggregates the
// narrower width; sparse input features are only ever multiplied, never aggregated.
#pragma once

#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gnn/block.h"
#include "gnn/tensor.h"

namespace graphmini::gnn {

// The input of a layer: dense activations, or sparse input features; or the first rows of
// either (a view, nothing copied).
class LayerInput {
 public:
  LayerInput(const Tensor& dense) : dense_(&dense), rows_(dense.rows()) {}
  LayerInput(const SparseMatrix& sparse) : sparse_(&sparse), rows_(sparse.rows) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return dense_ ? dense_->cols() : sparse_->cols; }
  bool sparse() const { return sparse_ != nullptr; }
  // Where the values live (sparse input lives on the CPU).
  DeviceKind device() const { return dense_ != nullptr ? dense_->device() : DeviceKind::cpu; }
  // Values stored for the rows in view: rows x cols, or the non-zeros of sparse rows.
  std::size_t stored_values() const;
  // The whole dense or sparse input; throw InvalidArgument for the other kind or for a view
  // of the first rows.
  const Tensor& dense() const;
  const SparseMatrix& sparse_matrix() const;
  // out = X w (out resized to rows x w.cols).
  void multiply(const Tensor& w, Tensor& out) const;
  // out += X w (out is rows x w.cols).
  void add_product(const Tensor& w, Tensor& out) const;
  // d_w += X^T d.
  void add_transposed_product(const Tensor& d, Tensor& d_w) const;
  // The first n rows.
  LayerInput first_rows(std::size_t n) const;

 private:
  const Tensor* dense_ = nullptr;
  const SparseMatrix* sparse_ = nullptr;
  std::size_t rows_ = 0;
};

struct Parameter {
  std::string name;
  Tensor value;
  Tensor gradient;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::size_t in_features() const = 0;
  virtual std::size_t out_features() const = 0;
  // `random` drives dropout inside the layer (GAT's attention dropout) while `training`.
  virtual void forward(const Block& block, const LayerInput& input, Tensor& output, bool training,
                       std::mt19937_64& random) = 0;
  // forward() without training, for layer-wise inference over a block whose destinations
  // are many (the whole graph's): the per-destination working memory (aggregated inputs, GAT's
  // attention per edge) is held for `batch` destinations at a time, and each source is
  // projected once.
  virtual void infer(const Block& block, const LayerInput& input, Tensor& output,
                     std::size_t batch) = 0;
  // d_input, when not null, receives the gradient of the input (num_src x in_features).
  virtual void backward(const Block& block, const LayerInput& input, const Tensor& d_output,
                        Tensor* d_input) = 0;
  virtual std::vector<Parameter*> parameters() = 0;
  // The block's aggregation needs: GCN and GAT use blocks with self-loops (and GCN norms).
  virtual bool needs_self_loops() const = 0;
  // Bytes of the activations kept between forward and backward.
  virtual std::size_t activation_bytes() const = 0;
};

// Glorot (Xavier) uniform initialisation: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).
void glorot(Tensor& w, std::size_t fan_in, std::size_t fan_out, std::mt19937_64& random);

std::unique_ptr<Layer> make_gcn_layer(std::size_t in, std::size_t out, std::mt19937_64& random);
std::unique_ptr<Layer> make_sage_layer(std::size_t in, std::size_t out, std::mt19937_64& random);
// Output width heads * out when `concat`, else out (heads averaged).
std::unique_ptr<Layer> make_gat_layer(std::size_t in, std::size_t out, std::size_t heads,
                                      bool concat, float attention_dropout,
                                      std::mt19937_64& random);

}  // namespace graphmini::gnn
