// Layer-wise inference (mini-batch training's evaluation) computes what the full-graph forward
// pass does, for every model, dense and sparse input, narrowing and widening layers, in
// batches of any size.
#include "gnn/inference.h"

#include <gtest/gtest.h>

#include <random>

#include "gnn/block.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

class LayerwiseInferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::uniform_real_distribution<float> value(-1, 1);
    DenseFeatures dense{kNodes, 6, std::vector<float>(kNodes * 6)};
    for (float& x : dense.values)
      x = value(random_);
    dense_ = dense;
    // Non-negative and mostly zero, as bag-of-words features are.
    for (float& x : dense.values)
      x = x > 0.6f ? x : 0.0f;
    sparse_ = to_sparse(dense);
  }

  static constexpr std::size_t kNodes = 23;
  std::mt19937_64 random_{5};
  // Isolated nodes included (p = 0.15 over 23 nodes leaves some).
  const Graph graph_ = testing::random_graph(random_, kNodes, 0.15);
  Features dense_;
  Features sparse_;
};

// Hidden 5 narrows every layer (each projects its sources first); hidden 9 widens the first,
// which then aggregates its dense input first, a batch of destinations at a time.
TEST_F(LayerwiseInferenceTest, EqualsTheFullGraphForwardPass) {
  for (const ModelKind kind : {ModelKind::gcn, ModelKind::sage, ModelKind::gat}) {
    for (const Features* data : {&dense_, &sparse_}) {
      for (const std::size_t hidden : {5, 9}) {
        const InputFeatures features(*data, true);
        ModelOptions options = ModelOptions::defaults(kind);
        options.hidden = hidden;
        options.heads = 2;
        options.layers = 3;
        Model model(options, 6, 4);
        const Block block = Block::whole_graph(graph_, model.needs_self_loops());
        const std::vector<const Block*> blocks(3, &block);
        const Tensor expected = model.forward(blocks, features.input(), false);
        for (const std::size_t batch :
             {std::size_t{1}, std::size_t{7}, kNodes, std::size_t{1000}}) {
          SCOPED_TRACE(std::string(to_string(kind)) + (data == &sparse_ ? " sparse" : " dense") +
                       " hidden " + std::to_string(hidden) + " batch " + std::to_string(batch));
          LayerwiseInference inference(graph_, model.needs_self_loops(), batch);
          const Tensor& scores = inference.run(model, features);
          ASSERT_EQ(scores.rows(), kNodes);
          ASSERT_EQ(scores.cols(), 4u);
          for (std::size_t i = 0; i < kNodes; ++i) {
            for (std::size_t j = 0; j < 4; ++j)
              EXPECT_NEAR(scores.row(i)[j], expected.row(i)[j], 1e-5f) << i << "," << j;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace graphmini::gnn
