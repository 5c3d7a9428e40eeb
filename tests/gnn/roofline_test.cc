// The roofline of training epochs: the work counted from the model and blocks as
// gnn/roofline.h documents it, the limit it gives, what the trainers report per epoch, and the
// machine's peaks measured once and cached.
#include "gnn/roofline.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gnn/features.h"
#include "gnn/trainer.h"
#include "support/homophilous_csbm.h"
#include "support/test_support.h"

namespace graphmini::gnn {
namespace {

// The path 0 - 1 - 2 with self-loops: 3 nodes, 4 + 3 edges.
//
//   0 --- 1 --- 2
class RooflineOfAPath : public ::testing::Test {
 protected:
  const Graph graph_ = testing::graph_from_edges(3, {{0, 1}, {1, 2}});
  const Block block_ = Block::whole_graph(graph_, true);
  const std::vector<const Block*> blocks_{&block_, &block_};
  ModelOptions gcn_ = [] {
    ModelOptions m = ModelOptions::defaults(ModelKind::gcn);
    m.hidden = 5;
    return m;
  }();
};

TEST_F(RooflineOfAPath, CountsProductsAndAggregationsForwardAndBackward) {
  ASSERT_EQ(block_.num_edges(), 7u);
  const Tensor x(3, 4);
  const Work work = training_work(gcn_, 2, blocks_, LayerInput(x));
  // Layer 1 (4 -> 5, the first: no input gradient): projection 2*12*5 forward and for the
  // weights' gradient; it aggregates its narrower input first, 2*7*4, and needs no backward
  // aggregation. Layer 2 (5 -> 2): projection 2*15*2 three times, aggregation of its
  // narrower output 2*7*2 forward and backward.
  EXPECT_EQ(work.flops, 2 * 12 * 5 * 2 + 2 * 7 * 4 + 2 * 15 * 2 * 3 + 2 * 2 * 7 * 2);
  // Per layer: input read twice, output written and its gradient read, the CSR (4 offsets
  // and 7 sources of 4 bytes) traversed twice; layer 2 also writes its input's gradient.
  const double csr = 4 * 4 + 4 * 7;
  EXPECT_EQ(work.bytes, (2 * 48 + 2 * 60 + 2 * csr) + (2 * 60 + 2 * 24 + 2 * csr + 60));
}

TEST_F(RooflineOfAPath, SparseInputCostsItsNonZeros) {
  SparseFeatures features{3, 4, {0, 2, 3, 5}, {0, 3, 1, 0, 2}, {1, 1, 1, 1, 1}};
  const SparseMatrix x = SparseMatrix::from(features);
  const Work sparse = training_work(gcn_, 2, blocks_, LayerInput(x));
  const Tensor dense(3, 4);
  const Work full = training_work(gcn_, 2, blocks_, LayerInput(dense));
  // Layer 1's products cost 2*5*5 instead of 2*12*5, its input 8*5 + 4*3 bytes instead of 48;
  // sparse input is multiplied first, so it aggregates 5 wide both ways, not 4 wide once.
  EXPECT_EQ(full.flops - sparse.flops, (2 * 12 * 5 - 2 * 5 * 5) * 2 + 2 * 7 * 4 - 2 * 2 * 7 * 5);
  EXPECT_EQ(full.bytes - sparse.bytes, 2 * (48 - (8 * 5 + 4 * 3)));
}

TEST(Roofline, ASampledBlockThatAggregatesFirstProjectsOnlyItsDestinations) {
  // Destinations 0, 1 among sources 0 .. 3: 0 <- {1, 2}, 1 <- {0, 2, 3}.
  const Block block(2, 4, {0, 2, 5}, {1, 2, 0, 2, 3});
  const std::vector<const Block*> blocks{&block};
  const Tensor x(4, 3);
  const Work work =
      training_work(ModelOptions::defaults(ModelKind::sage), 6, blocks, LayerInput(x));
  // 3 -> 6 aggregates first: both weights multiply the 2 destination rows (2*2*3*6 each),
  // forward and for their gradients; the aggregation 2*5*3 runs forward only.
  EXPECT_EQ(work.flops, 2 * (2 * 2 * 3 * 6) * 2 + 2 * 5 * 3);
  // Input read twice (48 bytes), output written and its gradient read (4*2*6), the CSR (3
  // offsets, 5 sources) traversed twice.
  EXPECT_EQ(work.bytes, 2 * 48 + 2 * 48 + 2 * (4 * 3 + 4 * 5));
}

TEST_F(RooflineOfAPath, TheLimitIsTheSlowerOfComputeAndMemory) {
  const MachinePeaks peaks{1, 100, 10};
  EXPECT_EQ(time_limit({1000, 50}, peaks), 10);  // compute-bound
  EXPECT_EQ(time_limit({100, 500}, peaks), 50);  // memory-bound
}

TEST(Roofline, TrainersReportTheWorkOfTheirEpochs) {
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  const datasets::Dataset data = testing::homophilous_csbm();
  const ModelOptions model = ModelOptions::defaults(ModelKind::sage);
  TrainOptions options;
  options.epochs = 3;
  const TrainResult full = train(data, model, options);
  // Full-graph: every epoch is one pass over the whole graph.
  const Block whole = Block::whole_graph(data.graph, false);
  const std::vector<const Block*> blocks(2, &whole);
  const InputFeatures input(data.nodes.features, options.normalize_features);
  const Work expected = training_work(model, data.nodes.num_classes, blocks, input.input());
  for (const EpochRecord& r : full.epochs) {
    EXPECT_EQ(r.work.flops, expected.flops);
    EXPECT_EQ(r.work.bytes, expected.bytes);
  }
  EXPECT_EQ(full.median_epoch_work.flops, expected.flops);

  // Mini-batch: the sum over its batches, each a fraction of the whole graph's pass.
  MiniBatchOptions mini;
  mini.fanouts = {3, 3};
  mini.batch_size = 32;
  options.mini_batch = mini;
  const TrainResult sampled = train(data, model, options);
  for (const EpochRecord& r : sampled.epochs) {
    EXPECT_GT(r.work.flops, 0);
    EXPECT_LT(r.work.flops, expected.flops * static_cast<double>(sampled.batches_per_epoch));
  }
}

TEST(MachinePeaks, AreMeasuredOnceAndThenReadFromTheCache) {
  const testing::ScratchDir cache;
  const MachinePeaks measured = machine_peaks(1, cache.path());
  EXPECT_EQ(measured.threads, 1);
  EXPECT_GT(measured.flops_per_second, 1e8);
  EXPECT_GT(measured.bytes_per_second, 1e8);
  ASSERT_TRUE(std::filesystem::exists(cache / "machine-peaks.json"));
  // Read back exactly, not measured again.
  const MachinePeaks cached = machine_peaks(1, cache.path());
  EXPECT_EQ(cached.flops_per_second, measured.flops_per_second);
  EXPECT_EQ(cached.bytes_per_second, measured.bytes_per_second);

  // Measured again on request: the cache keeps the highest (a busy machine measures low).
  const MachinePeaks remeasured = machine_peaks(1, cache.path(), true);
  EXPECT_GE(remeasured.flops_per_second, measured.flops_per_second);
  EXPECT_GE(remeasured.bytes_per_second, measured.bytes_per_second);
  EXPECT_EQ(machine_peaks(1, cache.path()).flops_per_second, remeasured.flops_per_second);

  // Another thread count is measured and kept beside the first.
  machine_peaks(2, cache.path());
  std::ifstream in(cache / "machine-peaks.json");
  const nlohmann::json stored = nlohmann::json::parse(in);
  EXPECT_EQ(stored["peaks"].size(), 2u);

  // A damaged cache is measured again and rewritten.
  cache.write("machine-peaks.json", "{not json");
  const MachinePeaks again = machine_peaks(1, cache.path());
  EXPECT_GT(again.flops_per_second, 1e8);
  std::ifstream rewritten(cache / "machine-peaks.json");
  EXPECT_TRUE(nlohmann::json::parse(rewritten, nullptr, false).is_object());

  // No folder: measured, nothing written.
  EXPECT_GT(machine_peaks(1, "").bytes_per_second, 1e8);
}

}  // namespace
}  // namespace graphmini::gnn
