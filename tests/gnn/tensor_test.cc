// Tensor storage: new storage is zeroed (large tensors in parallel chunks, on huge-page
// boundaries), and resize reuses storage that is large enough. The kernels against plain
// references: gather_rows at every width its register blocks split differently, dropout's
// masks as gnn/tensor.h and tensor.cc specify them, and matmul into the first rows of a taller
// output.
#include "gnn/tensor.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "datasets/random.h"
#include "gnn/block.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

TEST(Tensor, NewStorageIsZeroedWhateverItsSize) {
  // 1 KiB, just under the large-tensor size, and 9 MiB plus a part chunk (zeroed in chunks).
  for (const std::size_t rows : {std::size_t{16}, std::size_t{131071}, std::size_t{147457}}) {
    SCOPED_TRACE(rows);
    const Tensor t(rows, 16);
    EXPECT_TRUE(std::all_of(t.values().begin(), t.values().end(), [](float v) { return v == 0; }));
  }
  const Tensor large(147457, 16);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % (std::size_t{2} << 20), 0u);
}

TEST(Tensor, ResizeReusesStorageThatIsLargeEnoughAndZeroesNewStorage) {
  Tensor t(100, 10);
  t.fill(3);
  const float* storage = t.data();
  t.resize(10, 50);  // 500 of the 1000 floats: the same storage
  EXPECT_EQ(t.data(), storage);
  EXPECT_EQ(t.rows(), 10u);
  EXPECT_EQ(t.cols(), 50u);
  t.resize(200, 10);  // more than it holds: new storage, zeroed
  EXPECT_TRUE(std::all_of(t.values().begin(), t.values().end(), [](float v) { return v == 0; }));
}

// Widths 1 to 150 take every combination of the 64-, 32-, 16- and 8-column blocks and a rest.
TEST(Kernels, GatherRowsAddsTheWeightedRowsAtEveryWidth) {
  std::mt19937_64 random(4);
  std::uniform_real_distribution<float> value(-1, 1);
  constexpr std::size_t kRows = 9;
  const std::vector<std::uint32_t> indices{3, 0, 8, 3, 5};
  std::vector<float> entry_scales(indices.size()), index_scales(kRows);
  for (float& x : entry_scales)
    x = value(random);
  for (float& x : index_scales)
    x = value(random);
  for (std::size_t n = 1; n <= 150; ++n) {
    SCOPED_TRACE(n);
    const std::size_t stride = n + 3;  // rows wider than the columns gathered
    std::vector<float> rows(kRows * stride), target(n);
    for (float& x : rows)
      x = value(random);
    for (float& x : target)
      x = value(random);
    std::vector<double> expected(target.begin(), target.end());
    for (std::size_t i = 0; i < indices.size(); ++i) {
      const double w = 0.5 * entry_scales[i] * index_scales[indices[i]];
      for (std::size_t j = 0; j < n; ++j)
        expected[j] += w * rows[indices[i] * stride + j];
    }
    gather_rows(target.data(), n, rows.data(), stride, indices.data(), indices.size(),
                entry_scales.data(), index_scales.data(), 0.5f);
    for (std::size_t j = 0; j < n; ++j)
      EXPECT_NEAR(target[j], expected[j], 1e-5) << "column " << j;
  }
}

// Value i is dropped when its 32-bit draw is below p * 2^32: the low half of the SplitMix64
// stream's output i / 2 for even i, the high half for odd i, the stream seeded by one draw of
// the generator. The same masks on one thread and two, for an odd count too.
TEST(Kernels, DropoutMasksFollowTheStreamOnAnyThreadCount) {
  constexpr float kP = 0.3f;
  const float keep = 1.0f / (1.0f - kP);
  for (const std::size_t count : {std::size_t{1}, std::size_t{7}, std::size_t{20001}}) {
    std::vector<float> masks[2];
    for (const int threads : {1, 2}) {
      SCOPED_TRACE(std::to_string(count) + " values, threads " + std::to_string(threads));
      const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
      std::vector<float> values(count);
      for (std::size_t i = 0; i < count; ++i)
        values[i] = 1.0f + static_cast<float>(i);
      std::mt19937_64 random(11);
      std::mt19937_64 copy = random;
      const std::uint64_t seed = copy();
      const auto threshold = static_cast<std::uint64_t>(static_cast<double>(kP) * 4294967296.0);
      std::vector<float>& mask = masks[threads - 1];
      dropout(values, 1, {}, kP, random, mask);
      ASSERT_EQ(mask.size(), count);
      std::size_t dropped = 0;
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t bits = datasets::splitmix64(seed, i / 2);
        const std::uint64_t draw = i % 2 == 0 ? bits & 0xffffffffu : bits >> 32;
        const float want = draw < threshold ? 0.0f : keep;
        ASSERT_EQ(mask[i], want) << "value " << i;
        EXPECT_EQ(values[i], (1.0f + static_cast<float>(i)) * want);
        dropped += want == 0 ? 1 : 0;
      }
      if (count > 1000) {  // about p of them, within 5 standard deviations
        const double sd = std::sqrt(count * kP * (1 - kP));
        EXPECT_NEAR(static_cast<double>(dropped), count * kP, 5 * sd);
      }
    }
    EXPECT_EQ(masks[0], masks[1]);
  }
}

// Rows keyed by nodes drop what the same nodes' rows of the whole matrix drop, at an odd
// width (so that rows start inside a pair of the stream); sparse rows drop their non-zeros as
// the dense rows of the same nodes do.
TEST(Kernels, DropoutMasksFollowTheNodesOfTheRows) {
  constexpr float kP = 0.5f;
  constexpr std::size_t kWidth = 5;
  constexpr std::size_t kNodes = 10;
  std::vector<float> whole(kNodes * kWidth, 1.0f);
  std::vector<float> whole_mask;
  std::mt19937_64 random(4);
  dropout(whole, kWidth, {}, kP, random, whole_mask);
  const std::vector<std::uint32_t> nodes{7, 2, 9};
  std::vector<float> rows(nodes.size() * kWidth, 1.0f);
  std::vector<float> mask;
  random.seed(4);
  dropout(rows, kWidth, nodes, kP, random, mask);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t j = 0; j < kWidth; ++j)
      EXPECT_EQ(mask[i * kWidth + j], whole_mask[nodes[i] * kWidth + j]) << i << ", " << j;
  }
  SparseMatrix sparse;
  sparse.rows = 2;
  sparse.cols = kWidth;
  sparse.offsets = {0, 2, 5};
  sparse.columns = {0, 3, 1, 2, 4};
  sparse.values.assign(5, 1.0f);
  random.seed(4);
  dropout(sparse, std::vector<std::uint32_t>{7, 2}, kP, random, mask);
  const std::vector<std::uint32_t> row_node{7, 7, 2, 2, 2};
  for (std::size_t e = 0; e < 5; ++e) {
    EXPECT_EQ(mask[e], whole_mask[row_node[e] * kWidth + sparse.columns[e]]) << "non-zero " << e;
    EXPECT_EQ(sparse.values[e], mask[e]);
  }
  EXPECT_THROW(dropout(rows, kWidth, std::vector<std::uint32_t>{1, 2}, kP, random, mask),
               InvalidArgument);
}

TEST(Kernels, MatmulWithGivenRowsMayFillTheFirstRowsOfATallerOutput) {
  Tensor a(2, 3), b(3, 2), out(4, 2);
  for (std::size_t i = 0; i < 6; ++i) {
    a.data()[i] = static_cast<float>(i + 1);  // a = [1 2 3; 4 5 6]
    b.data()[i] = static_cast<float>(i % 2);  // b = [0 1; 0 1; 0 1]
  }
  out.fill(10);
  matmul(a, false, b, false, out, 1.0f, 2);
  // a b = [0 6; 0 15], added to the first two rows; the others are left alone.
  const std::vector<float> want{10, 16, 10, 25, 10, 10, 10, 10};
  EXPECT_EQ(std::vector<float>(out.values().begin(), out.values().end()), want);
  // Without a_rows the output must fit exactly.
  EXPECT_THROW(matmul(a, false, b, false, out, 1.0f), InvalidArgument);
}

}  // namespace
}  // namespace graphmini::gnn
