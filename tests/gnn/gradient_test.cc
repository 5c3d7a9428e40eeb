// Finite-difference checks of every operator and layer's backward pass: for a loss
// L = sum of R * output with a fixed random R, each analytic gradient entry must match the
// central difference (L(x + h) - L(x - h)) / 2h.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "gnn/block.h"
#include "gnn/layers.h"
#include "gnn/model.h"
#include "gnn/tensor.h"
#include "support/random_tensor.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

using testing::random_tensor;

double weighted_sum(const Tensor& output, const Tensor& weights) {
  double sum = 0;
  for (std::size_t i = 0; i < output.size(); ++i)
    sum += static_cast<double>(output.data()[i]) * weights.data()[i];
  return sum;
}

// Compares `analytic` with central differences of `loss` over every entry of `x` (at most
// `limit` entries, spread over the tensor).
void expect_gradient(const char* what, Tensor& x, const Tensor& analytic,
                     const std::function<double()>& loss, std::size_t limit = 60) {
  ASSERT_TRUE(x.same_shape(analytic)) << what;
  const float h = 1e-2f;
  const std::size_t step = std::max<std::size_t>(1, x.size() / limit);
  for (std::size_t i = 0; i < x.size(); i += step) {
    const float saved = x.data()[i];
    x.data()[i] = saved + h;
    const double plus = loss();
    x.data()[i] = saved - h;
    const double minus = loss();
    x.data()[i] = saved;
    const double numeric = (plus - minus) / (2 * h);
    const double exact = analytic.data()[i];
    EXPECT_NEAR(exact, numeric, 2e-3 + 2e-3 * std::abs(numeric)) << what << " entry " << i;
  }
}

// A bipartite block: 4 destinations, 7 sources (destinations first), every destination with
// a self-loop-like edge to its own source id and a few others; one destination isolated
// apart from itself.
// With `loops`, every destination also receives from itself (not stored).
Block small_block(bool norms, bool loops = false) {
  std::vector<std::uint64_t> offsets{0, 3, 5, 6, 10};
  std::vector<std::uint32_t> sources{0, 4, 5, 1, 6, 2, 0, 3, 5, 6};
  if (!norms) return Block(4, 7, offsets, sources, {}, {}, loops);
  std::vector<float> dst{0.5f, 0.7f, 1.0f, 0.5f};
  std::vector<float> src{0.6f, 0.7f, 1.0f, 0.5f, 0.9f, 0.4f, 0.8f};
  return Block(4, 7, offsets, sources, dst, src, loops);
}

TEST(Gradients, MatmulInAllFourTranspositions) {
  std::mt19937_64 random(1);
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      Tensor a = ta ? random_tensor(5, 3, random) : random_tensor(3, 5, random);
      Tensor b = tb ? random_tensor(4, 5, random) : random_tensor(5, 4, random);
      const Tensor r = random_tensor(3, 4, random);
      Tensor out(3, 4);
      const auto loss = [&] {
        matmul(a, ta, b, tb, out);
        return weighted_sum(out, r);
      };
      // dL/da = r b^T (or its transpose), dL/db = a^T r (or its transpose).
      Tensor da(a.rows(), a.cols()), db(b.rows(), b.cols());
      if (ta)
        matmul(b, tb, r, true, da);
      else
        matmul(r, false, b, !tb, da);
      if (tb)
        matmul(r, true, a, ta, db);
      else
        matmul(a, !ta, r, false, db);
      expect_gradient("a", a, da, loss);
      expect_gradient("b", b, db, loss);
    }
  }
}

TEST(Gradients, Activations) {
  std::mt19937_64 random(2);
  for (const Activation f : {Activation::relu, Activation::elu, Activation::leaky_relu}) {
    Tensor x = random_tensor(6, 5, random);
    // Keep away from the kink at 0, where differences are not derivatives.
    for (float& v : x.values())
      v += v >= 0 ? 0.05f : -0.05f;
    const Tensor r = random_tensor(6, 5, random);
    Tensor y(6, 5), dx(6, 5);
    activate(f, x, y);
    activate_backward(f, y, r, dx);
    expect_gradient("activation", x, dx, [&] {
      activate(f, x, y);
      return weighted_sum(y, r);
    });
  }
}

TEST(Gradients, LogSoftmaxNegativeLogLikelihood) {
  std::mt19937_64 random(3);
  Tensor logits = random_tensor(6, 4, random);
  const std::vector<std::uint32_t> nodes{0, 2, 3, 5};
  const std::vector<std::int32_t> labels{1, -1, 0, 3, -1, 2};
  Tensor gradient;
  log_softmax_nll(logits, nodes, labels, &gradient);
  expect_gradient("logits", logits, gradient,
                  [&] { return log_softmax_nll(logits, nodes, labels); });
  // Rows outside the loss have no gradient.
  for (const float v : gradient.row(1))
    EXPECT_EQ(v, 0.0f);
}

TEST(Gradients, AggregationsOverABipartiteBlock) {
  std::mt19937_64 random(4);
  for (const bool loops : {false, true}) {
    const Block block = small_block(true, loops);
    for (const Aggregation kind : {Aggregation::sum, Aggregation::mean, Aggregation::gcn}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(kind)) + (loops ? " with loops" : ""));
      Tensor in = random_tensor(7, 3, random);
      const Tensor r = random_tensor(4, 3, random);
      Tensor out(4, 3), d_in(7, 3);
      block.aggregate_backward(kind, r, d_in);
      expect_gradient("aggregation", in, d_in, [&] {
        block.aggregate(kind, in, out);
        return weighted_sum(out, r);
      });
    }
  }
}

TEST(Gradients, SparseInputProductWithRespectToTheWeights) {
  std::mt19937_64 random(5);
  SparseMatrix x;
  x.rows = 3;
  x.cols = 5;
  x.offsets = {0, 2, 2, 5};
  x.columns = {1, 4, 0, 2, 4};
  x.values = {1.0f, 0.5f, -1.0f, 2.0f, 1.0f};
  Tensor w = random_tensor(5, 9, random);
  const Tensor r = random_tensor(3, 9, random);
  Tensor out(3, 9), dw(5, 9);
  sparse_transpose_matmul(x, r, dw);
  expect_gradient("weights", w, dw, [&] {
    sparse_matmul(x, w, out);
    return weighted_sum(out, r);
  });
}

// Each layer, on the bipartite block, with dense input: gradients of every parameter and of
// the input. `training` applies the layer's own dropout (GAT's attention), with the same masks
// in every forward pass.
void check_layer(Layer& layer, const Block& block, std::mt19937_64& random, bool training = false) {
  Tensor input = random_tensor(block.num_src(), layer.in_features(), random);
  const Tensor r = random_tensor(block.num_dst(), layer.out_features(), random);
  Tensor output;
  const auto loss = [&] {
    std::mt19937_64 same_masks(0);
    layer.forward(block, input, output, training, same_masks);
    return weighted_sum(output, r);
  };
  loss();
  for (Parameter* p : layer.parameters())
    p->gradient.fill(0);
  Tensor d_input;
  layer.backward(block, input, r, &d_input);
  for (Parameter* p : layer.parameters()) {
    const Tensor analytic = p->gradient;
    expect_gradient(p->name.c_str(), p->value, analytic, loss);
  }
  expect_gradient("input", input, d_input, loss);
}

// Narrowing layers multiply before aggregating, widening ones aggregate first.
TEST(Gradients, GcnLayerNarrowingAndWidening) {
  std::mt19937_64 random(6);
  for (const auto& [in, out] : {std::pair{5, 3}, std::pair{3, 5}}) {
    const auto layer = make_gcn_layer(in, out, random);
    check_layer(*layer, small_block(true), random);
    check_layer(*layer, small_block(true, true), random);
  }
}

TEST(Gradients, SageLayerNarrowingAndWidening) {
  std::mt19937_64 random(7);
  for (const auto& [in, out] : {std::pair{5, 3}, std::pair{3, 5}}) {
    const auto layer = make_sage_layer(in, out, random);
    check_layer(*layer, small_block(false), random);
  }
}

// Sparse input on a bipartite block: GraphSAGE's root term reads the first rows of it.
TEST(Gradients, SageLayerWeightsWithSparseInput) {
  std::mt19937_64 random(10);
  const Block block = small_block(false);
  SparseMatrix x;
  x.rows = 7;
  x.cols = 4;
  for (std::uint32_t i = 0; i < 7; ++i) {
    for (std::uint32_t c = 0; c < 4; ++c) {
      if ((i * 3 + c) % 4 != 0) {
        x.columns.push_back(c);
        x.values.push_back(0.5f + static_cast<float>(i + c) / 7);
      }
    }
    x.offsets.push_back(x.columns.size());
  }
  const auto layer = make_sage_layer(4, 3, random);
  const Tensor r = random_tensor(block.num_dst(), 3, random);
  Tensor output;
  std::mt19937_64 unused(0);
  const auto loss = [&] {
    layer->forward(block, x, output, false, unused);
    return weighted_sum(output, r);
  };
  loss();
  layer->backward(block, x, r, nullptr);
  for (Parameter* p : layer->parameters()) {
    const Tensor analytic = p->gradient;
    expect_gradient(p->name.c_str(), p->value, analytic, loss);
  }
}

TEST(Gradients, GatLayerConcatenatedAndAveragedHeads) {
  std::mt19937_64 random(8);
  for (const bool concat : {true, false}) {
    const auto layer = make_gat_layer(5, 3, 2, concat, 0.0f, random);
    check_layer(*layer, small_block(false), random);
    check_layer(*layer, small_block(false, true), random);
  }
  // With attention dropout while training: the masks apply to the edges, loops included.
  // (Its own generator: with some draws a raw score lies within the differences' step of
  // LeakyReLU's kink, where central differences are wrong with or without dropout.)
  std::mt19937_64 other(20);
  const auto dropping = make_gat_layer(5, 3, 2, true, 0.4f, other);
  check_layer(*dropping, small_block(false, true), other, true);
}

// The whole model with sparse input (no dropout, so forward passes repeat exactly).
TEST(Gradients, TwoLayerModelsWithSparseInput) {
  std::mt19937_64 random(9);
  const Graph graph = testing::random_graph(random, 9, 0.4);
  SparseMatrix x;
  x.rows = 9;
  x.cols = 6;
  for (std::size_t i = 0; i < 9; ++i) {
    for (std::uint32_t c = 0; c < 6; ++c) {
      if ((i + c) % 3 == 0) {
        x.columns.push_back(c);
        x.values.push_back(1.0f + static_cast<float>(c) / 4);
      }
    }
    x.offsets.push_back(x.columns.size());
  }
  for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
    ModelOptions options = ModelOptions::defaults(kind);
    options.hidden = 4;
    options.heads = 2;
    options.dropout = 0;
    options.attention_dropout = 0;
    Model model(options, 6, 3);
    const Block block = Block::whole_graph(graph, model.needs_self_loops());
    const std::vector<const Block*> blocks(2, &block);
    const std::vector<std::uint32_t> nodes{0, 1, 4, 6, 8};
    const std::vector<std::int32_t> labels{0, 1, 2, 0, 1, 2, 0, 1, 2};
    Tensor d_logits;
    const auto loss = [&] {
      return log_softmax_nll(model.forward(blocks, x, true), nodes, labels);
    };
    log_softmax_nll(model.forward(blocks, x, true), nodes, labels, &d_logits);
    model.zero_gradients();
    model.backward(blocks, x, d_logits);
    for (Parameter* p : model.parameters()) {
      const Tensor analytic = p->gradient;
      expect_gradient(p->name.c_str(), p->value, analytic, loss, 20);
    }
  }
}

}  // namespace
}  // namespace graphmini::gnn
