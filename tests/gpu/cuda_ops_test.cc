// The CUDA operators (gnn/cuda/device_ops.h) against their CPU twins (gnn/tensor.h,
// gnn::Optimizer) on random inputs, forward and backward, with the edge cases the blocks
// produce: empty blocks, one-row blocks, isolated nodes (empty CSR rows) and widths that are
// not multiples of a warp.
//
// Tolerances: products, aggregations and column sums |gpu - cpu| <= 1e-5 * (sum of |terms| + 1)
// per value (the two sides sum in different orders: the device's column sums add chunks of
// rows and then the chunks, not the rows in order; cuBLAS and the row kernel use FMA); activations
// exact except ELU (expm1f on the device, 2 ulp: relative 4e-7 + 1e-7 absolute); dropout masks and
// dropped values bit-identical; loss relative 1e-6 and its gradient 1e-6 absolute; accuracy counts
// exact; Adam relative 1e-5 after three steps; GAT's attention operators 1e-5 times (the sum of
// |terms| + 1), its dropout bit-identical.
//
// Without a GPU (CI, the build machine) every device test skips with the CUDA runtime's
// reason; the caching pool's bookkeeping and the no-device report are host code and run
// everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gnn/attention.h"
#include "gnn/block.h"
#include "gnn/cuda/caching_pool.h"
#include "gnn/cuda/device_ops.h"
#include "gnn/layers.h"
#include "gnn/model.h"
#include "gnn/tensor.h"
#include "runtime/error.h"
#include "support/random_tensor.h"

namespace graphmini::gnn {
namespace {

namespace dev = cuda;

// ---- Host-only: runs without a GPU --------------------------------------------------------------
TEST(CachingPool, CountsBytesInUsePeakAndCache) {
  std::vector<std::vector<char>*> live;
  int allocations = 0;
  int releases = 0;
  dev::CachingPool pool(
      [&](std::size_t bytes) -> void* {
        ++allocations;
        return new std::vector<char>(bytes);
      },
      [&](void* p) {
        ++releases;
        delete static_cast<std::vector<char>*>(p);
      });
  EXPECT_EQ(pool.allocate(0), nullptr);
  void* a = pool.allocate(100);  // one 512-byte class
  void* b = pool.allocate(600);  // 1024
  EXPECT_EQ(pool.bytes_in_use(), 512u + 1024u);
  EXPECT_EQ(pool.peak_bytes_in_use(), 1536u);
  pool.release(a);
  EXPECT_EQ(pool.bytes_in_use(), 1024u);
  EXPECT_EQ(pool.bytes_cached(), 512u);
  void* c = pool.allocate(512);  // served from the cache
  EXPECT_EQ(c, a);
  EXPECT_EQ(allocations, 2);
  EXPECT_EQ(pool.peak_bytes_in_use(), 1536u);
  pool.release(b);
  pool.release(c);
  pool.reset_peak();
  EXPECT_EQ(pool.peak_bytes_in_use(), 0u);
  pool.trim();
  EXPECT_EQ(pool.bytes_cached(), 0u);
  EXPECT_EQ(releases, 2);
  int x = 0;
  EXPECT_THROW(pool.release(&x), InvalidArgument);
}

TEST(CachingPool, SizeClassesWasteAtMostAnEighth) {
  EXPECT_EQ(dev::CachingPool::size_class(1), 512u);
  EXPECT_EQ(dev::CachingPool::size_class(1 << 20), 1u << 20);
  for (std::size_t bytes : {(1u << 20) + 1u, 3u << 20, (5u << 20) + 17u, 1u << 30}) {
    const std::size_t size = dev::CachingPool::size_class(bytes);
    EXPECT_GE(size, bytes);
    EXPECT_LE(size - bytes, bytes / 8 + 1) << bytes;
  }
}

TEST(CachingPool, EmptiesTheCacheAndRetriesWhenTheAllocatorFails) {
  std::size_t budget = 2048;
  std::size_t held = 0;
  dev::CachingPool pool(
      [&](std::size_t bytes) -> void* {
        if (held + bytes > budget)
          throw dev::DeviceError("out of memory: " + std::to_string(bytes));
        held += bytes;
        return new char[bytes];
      },
      [&](void* p) {
        delete[] static_cast<char*>(p);
        held -= 512;  // every block in this test is one 512-byte class ...
      });
  void* a = pool.allocate(512);
  void* b = pool.allocate(512);
  pool.release(a);
  pool.release(b);
  held = 1024;                      // ... so the two cached blocks hold 1024 bytes
  void* big = pool.allocate(1500);  // 1536: fits only once the cache is handed back
  EXPECT_EQ(pool.bytes_cached(), 0u);
  EXPECT_THROW(pool.allocate(1024), dev::DeviceError);
  pool.release(big);
}

TEST(CudaDevice, ReportsWhyNoDeviceIsUsable) {
  const int count = dev::device_count();
  EXPECT_GE(count, 0);
  EXPECT_EQ(dev::no_device_reason().empty(), count > 0);
}

// ---- Device tests ------------------------------------------------------------------------------
class CudaOps : public ::testing::Test {
 protected:
  void SetUp() override {
    if (dev::device_count() == 0) GTEST_SKIP() << "no CUDA device: " << dev::no_device_reason();
  }
};

using testing::random_tensor;

dev::DeviceMatrix upload(const Tensor& t) {
  return {t.rows(), t.cols(), t.values()};
}

// |gpu - cpu| <= tolerance * (scale + 1) value by value, scale[i] the sum of |terms| of i.
void expect_close(const std::vector<float>& gpu, const Tensor& cpu, const std::vector<float>& scale,
                  float tolerance, const char* what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  for (std::size_t i = 0; i < gpu.size(); ++i)
    ASSERT_NEAR(gpu[i], cpu.data()[i], tolerance * (scale[i] + 1)) << what << " value " << i;
}

// The sums of |terms| of matmul's values (for the tolerance), by the same product on |a|, |b|.
std::vector<float> magnitude_product(const Tensor& a, bool ta, const Tensor& b, bool tb,
                                     std::size_t rows, std::size_t cols) {
  Tensor abs_a = a;
  Tensor abs_b = b;
  for (float& v : abs_a.values())
    v = std::abs(v);
  for (float& v : abs_b.values())
    v = std::abs(v);
  Tensor out(rows, cols);
  matmul(abs_a, ta, abs_b, tb, out);
  return {out.values().begin(), out.values().end()};
}

TEST_F(CudaOps, MatmulMatchesTheCpuForEveryTransposeAndBeta) {
  std::mt19937_64 random(1);
  for (const std::size_t m : {0, 1, 31, 100})
    for (const std::size_t k : {1, 33, 64})
      for (const std::size_t n : {1, 31, 33, 100})
        for (const bool ta : {false, true})
          for (const bool tb : {false, true})
            for (const float beta : {0.0f, 1.0f}) {
              const Tensor a = ta ? random_tensor(k, m, random) : random_tensor(m, k, random);
              const Tensor b = tb ? random_tensor(n, k, random) : random_tensor(k, n, random);
              Tensor out = random_tensor(m, n, random);
              dev::DeviceMatrix d_out = upload(out);
              std::vector<float> scale = magnitude_product(a, ta, b, tb, m, n);
              for (std::size_t i = 0; i < scale.size(); ++i)
                scale[i] += std::abs(out.data()[i]);
              matmul(a, ta, b, tb, out, beta);
              dev::matmul(upload(a), ta, upload(b), tb, d_out, beta);
              expect_close(d_out.download(), out, scale, 1e-5f, "matmul");
            }
}

TEST_F(CudaOps, MatmulOverTheFirstRowsAddsToTheFirstRowsOfALargerOutput) {
  std::mt19937_64 random(2);
  const Tensor a = random_tensor(10, 33, random);
  const Tensor b = random_tensor(7, 33, random);
  Tensor out = random_tensor(12, 7, random);
  dev::DeviceMatrix d_out = upload(out);
  const std::vector<float> scale(out.size(), 40.0f);
  matmul(a, false, b, true, out, 1.0f, 6);
  dev::matmul(upload(a), false, upload(b), true, d_out, 1.0f, 6);
  expect_close(d_out.download(), out, scale, 1e-5f, "matmul a_rows");
  EXPECT_THROW(dev::matmul(upload(a), false, upload(b), false, d_out), InvalidArgument);
}

// A long k and a small output (a weight gradient) runs split over k in chunks of 8192 whose
// partial products are added in chunk order: k = 40000 is four full chunks and a shorter one.
// The same tolerance as above; and two runs give the same bits.
TEST_F(CudaOps, MatmulSplitOverALongKMatchesTheCpu) {
  std::mt19937_64 random(11);
  const std::size_t k = 40000;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const float beta : {0.0f, 1.0f}) {
        const std::size_t m = 33;
        const std::size_t n = 31;
        const Tensor a = ta ? random_tensor(k, m, random) : random_tensor(m, k, random);
        const Tensor b = tb ? random_tensor(n, k, random) : random_tensor(k, n, random);
        Tensor out = random_tensor(m, n, random);
        dev::DeviceMatrix d_out = upload(out);
        dev::DeviceMatrix d_again = upload(out);
        std::vector<float> scale = magnitude_product(a, ta, b, tb, m, n);
        for (std::size_t i = 0; i < scale.size(); ++i)
          scale[i] += std::abs(out.data()[i]);
        matmul(a, ta, b, tb, out, beta);
        dev::matmul(upload(a), ta, upload(b), tb, d_out, beta);
        dev::matmul(upload(a), ta, upload(b), tb, d_again, beta);
        expect_close(d_out.download(), out, scale, 1e-5f, "split matmul");
        EXPECT_EQ(d_out.download(), d_again.download());
      }
  // Over the first 35000 rows of a transposed a (k = 35000: four chunks and a shorter one).
  const Tensor a = random_tensor(k, 20, random);
  const Tensor b = random_tensor(35000, 17, random);
  Tensor out = random_tensor(20, 17, random);
  dev::DeviceMatrix d_out = upload(out);
  const std::vector<float> scale(out.size(), 35000.0f);
  matmul(a, true, b, false, out, 1.0f, 35000);
  dev::matmul(upload(a), true, upload(b), false, d_out, 1.0f, 35000);
  expect_close(d_out.download(), out, scale, 1e-5f, "split matmul a_rows");
}

TEST_F(CudaOps, BiasColumnSumsAndAxpyMatchTheCpu) {
  std::mt19937_64 random(3);
  // 5000 rows: 20 chunks of 256, so the two-stage sum runs both stages.
  for (const std::size_t rows : {0, 1, 100, 5000})
    for (const std::size_t cols : {1, 31, 33, 100}) {
      Tensor x = random_tensor(rows, cols, random);
      const Tensor bias = random_tensor(1, cols, random);
      const Tensor y = random_tensor(rows, cols, random);
      dev::DeviceMatrix d_x = upload(x);
      const dev::DeviceArray<float> d_bias(bias.values());
      add_bias(x, bias);
      dev::add_bias(d_x, d_bias.data());
      EXPECT_EQ(d_x.download(), std::vector<float>(x.values().begin(), x.values().end()));

      Tensor sums = random_tensor(1, cols, random);
      dev::DeviceArray<float> d_sums{std::span<const float>(sums.values())};
      add_column_sums(x, sums);
      dev::add_column_sums(d_x, d_sums.data());
      expect_close(d_sums.download(), sums, std::vector<float>(cols, 2.0f * rows), 1e-5f,
                   "column sums");
      // Deterministic: the same sums again give the same bits.
      dev::DeviceArray<float> zeros{std::span<const float>(std::vector<float>(cols, 0.0f))};
      dev::DeviceArray<float> again{std::span<const float>(std::vector<float>(cols, 0.0f))};
      dev::add_column_sums(d_x, zeros.data());
      dev::add_column_sums(d_x, again.data());
      EXPECT_EQ(zeros.download(), again.download());

      axpy(0.3f, y, x);
      dev::axpy(0.3f, upload(y), d_x);
      expect_close(d_x.download(), x, std::vector<float>(x.size(), 1.0f), 1e-6f, "axpy");
    }
}

// A random bipartite CSR of `rows` destinations over `cols` sources, about a third of the rows
// empty (isolated nodes), the rest with up to `most` sorted distinct sources.
struct HostCsr {
  std::size_t cols;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> indices;
};
HostCsr random_csr(std::size_t rows, std::size_t cols, std::mt19937_64& random,
                   std::size_t most = 8) {
  HostCsr csr;
  csr.cols = cols;
  for (std::size_t d = 0; d < rows; ++d) {
    if (cols > 0 && random() % 3 != 0) {
      std::vector<std::uint32_t> sources;
      for (std::size_t e = 0, n = 1 + random() % most; e < n; ++e)
        sources.push_back(static_cast<std::uint32_t>(random() % cols));
      std::sort(sources.begin(), sources.end());
      sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
      csr.indices.insert(csr.indices.end(), sources.begin(), sources.end());
    }
    csr.offsets.push_back(csr.indices.size());
  }
  return csr;
}

// Both forward kernels (cuSPARSE and the own row kernel) and the backward's row kernel, over
// widths that take each of its paths: float4 lanes (4, 16, 100, 128; groups of 4, 8 and 32
// lanes) and single floats (1, 31, and 33 in two passes of 32 columns), with rows longer than
// a group's batch of entries (up to 100 entries forward; about 160 per source backward in the
// 300 x 3 case).
TEST_F(CudaOps, AggregationAndItsBackwardMatchGatherRows) {
  std::mt19937_64 random(4);
  std::uniform_real_distribution<float> scale(0.1f, 1.0f);
  struct Shape {
    std::size_t rows, cols, most;
  };
  for (const auto& [rows, cols, most] : {Shape{0, 0, 8},
                                         {0, 5, 8},
                                         {5, 0, 8},
                                         {1, 1, 8},
                                         {1, 20, 8},
                                         {50, 1, 8},
                                         {200, 150, 8},
                                         {40, 300, 100},
                                         {300, 3, 8}})
    for (const std::size_t width : {1, 4, 16, 31, 33, 100, 128})
      for (const bool scaled : {false, true})
        for (const auto kernel : {dev::AggregationKernel::cusparse, dev::AggregationKernel::rows}) {
          SCOPED_TRACE(::testing::Message()
                       << rows << "x" << cols << " width " << width << (scaled ? " scaled" : "")
                       << " kernel " << static_cast<int>(kernel));
          const HostCsr csr = random_csr(rows, cols, random, most);
          std::vector<float> entry(csr.indices.size()), index(cols), row(rows);
          for (float& v : entry)
            v = scale(random);
          for (float& v : index)
            v = scale(random);
          for (float& v : row)
            v = scale(random);
          const Tensor x = random_tensor(cols, width, random);
          const Tensor dy = random_tensor(rows, width, random);

          // CPU: out[d] = sum_e w_e x[s_e]; dx[s] = sum_e w_e dy[d_e] (gather_rows both ways).
          Tensor out(rows, width);
          Tensor dx(cols, width);
          for (std::size_t d = 0; d < rows; ++d) {
            const std::uint64_t first = csr.offsets[d];
            gather_rows(out.row(d).data(), width, x.data(), width, csr.indices.data() + first,
                        csr.offsets[d + 1] - first, scaled ? entry.data() + first : nullptr,
                        scaled ? index.data() : nullptr, scaled ? row[d] : 1.0f);
            for (std::uint64_t e = first; e < csr.offsets[d + 1]; ++e) {
              const float w = scaled ? row[d] * entry[e] * index[csr.indices[e]] : 1.0f;
              add_scaled(dx.row(csr.indices[e]).data(), dy.row(d).data(), w, width);
            }
          }

          const dev::DeviceCsr d_csr = dev::upload_csr(cols, csr.offsets, csr.indices);
          const dev::TransposedCsr d_t = dev::upload_transposed_csr(cols, csr.offsets, csr.indices);
          const dev::DeviceArray<float> d_entry{std::span<const float>(entry)};
          const dev::DeviceArray<float> d_index{std::span<const float>(index)};
          const dev::DeviceArray<float> d_row{std::span<const float>(row)};
          const dev::DeviceArray<float> weights =
              scaled ? dev::entry_weights(d_csr, d_entry.data(), d_index.data(), d_row.data())
                     : dev::entry_weights(d_csr, nullptr, nullptr, nullptr);
          dev::DeviceMatrix d_out(rows, width);
          dev::DeviceMatrix d_dx(cols, width);
          dev::aggregate(d_csr, weights, upload(x), d_out, 0.0f, kernel);
          dev::aggregate_backward(d_t, weights, upload(dy), d_dx);
          expect_close(d_out.download(), out, std::vector<float>(out.size(), float(most)), 1e-5f,
                       "aggregate");
          expect_close(d_dx.download(), dx, std::vector<float>(dx.size(), float(rows)), 1e-5f,
                       "aggregate backward");

          // Deterministic: a second run gives the same bits; beta = 1 adds.
          dev::DeviceMatrix again = upload(out);
          dev::aggregate(d_csr, weights, upload(x), again, 1.0f, kernel);
          Tensor twice = out;
          for (float& v : twice.values())
            v *= 2;
          expect_close(again.download(), twice, std::vector<float>(out.size(), 2.0f * most), 1e-5f,
                       "aggregate beta");
          dev::DeviceMatrix d_out2(rows, width);
          dev::aggregate(d_csr, weights, upload(x), d_out2, 0.0f, kernel);
          EXPECT_EQ(d_out2.download(), d_out.download());
          dev::DeviceMatrix d_dx2(cols, width);
          dev::aggregate_backward(d_t, weights, upload(dy), d_dx2);
          EXPECT_EQ(d_dx2.download(), d_dx.download());
        }
}

// |gpu - cpu| <= tolerance * (scale + 1) for every value of two tensors of one shape, the GPU's
// on the device.
void expect_close(const Tensor& gpu, const Tensor& cpu, float scale, float tolerance,
                  const std::string& what) {
  ASSERT_EQ(gpu.device(), DeviceKind::cuda) << what;
  const Tensor host = gpu.to(DeviceKind::cpu);
  expect_close(std::vector<float>(host.values().begin(), host.values().end()), cpu,
               std::vector<float>(cpu.size(), scale), tolerance, what.c_str());
}

// GAT's attention operators (gnn/attention.h) on CUDA tensors against the same operators on
// CPU tensors, over blocks with self-loops (as GAT's are) that have isolated destinations,
// one row or none, over all destinations and over a range of them (layer-wise inference), for
// head widths that are not multiples of a warp. Tolerance 1e-5 times (the terms of a sum + 1);
// attention dropout's masks and dropped values bit-identical. The backward operators start
// from the CPU's forward values, so that the forward's rounding does not carry over.
TEST_F(CudaOps, AttentionOperatorsMatchTheirCpuTwins) {
  std::mt19937_64 random(10);
  const float slope = 0.2f;
  const auto gpu = [](const Tensor& t) { return t.to(DeviceKind::cuda); };
  for (const auto& [rows, cols] :
       {std::pair<std::size_t, std::size_t>{0, 3}, {1, 1}, {1, 9}, {60, 80}})
    for (const std::size_t heads : {1, 3, 8})
      for (const std::size_t width : {1, 5, 33}) {
        const std::string at = std::to_string(rows) + "x" + std::to_string(cols) + " heads " +
                               std::to_string(heads) + " width " + std::to_string(width);
        const HostCsr csr = random_csr(rows, cols, random);
        Block block(rows, cols, csr.offsets, csr.indices, {}, {}, true);
        std::vector<std::uint32_t> ids(cols);
        for (std::size_t s = 0; s < cols; ++s)
          ids[s] = static_cast<std::uint32_t>(1000 + 7 * s);
        block.set_node_ids(ids);
        const float terms = static_cast<float>(width + 16);
        const Tensor z = random_tensor(cols, heads * width, random);
        const Tensor a_left = random_tensor(heads, width, random);
        const Tensor a_right = random_tensor(heads, width, random);

        Tensor left, right, g_left, g_right;
        head_scores(z, a_left, cols, left);
        head_scores(gpu(z), gpu(a_left), cols, g_left);
        expect_close(g_left, left, terms, 1e-5f, at + " left scores");
        head_scores(z, a_right, rows, right);
        head_scores(gpu(z), gpu(a_right), rows, g_right);
        expect_close(g_right, right, terms, 1e-5f, at + " right scores");

        // The softmax, dropout and weighted sums over all destinations and over [first, rows).
        for (const std::size_t first : {std::size_t{0}, rows / 3}) {
          const std::string range = at + " from " + std::to_string(first);
          Tensor raw, alpha, g_raw, g_alpha;
          edge_softmax(block, left, right, slope, first, rows, raw, alpha);
          edge_softmax(block, gpu(left), gpu(right), slope, first, rows, g_raw, g_alpha);
          expect_close(g_raw, raw, 2, 1e-6f, range + " raw");
          expect_close(g_alpha, alpha, 0, 1e-6f, range + " alpha");
          Tensor mask, g_mask;
          Tensor applied = alpha;
          Tensor g_applied = gpu(alpha);
          attention_dropout(block, first, rows, 0.4f, 99, applied, mask);
          attention_dropout(block, first, rows, 0.4f, 99, g_applied, g_mask);
          const Tensor host_mask = g_mask.to(DeviceKind::cpu);
          const Tensor host_applied = g_applied.to(DeviceKind::cpu);
          ASSERT_TRUE(std::equal(mask.values().begin(), mask.values().end(),
                                 host_mask.values().begin(), host_mask.values().end()))
              << range << " masks";
          ASSERT_TRUE(std::equal(applied.values().begin(), applied.values().end(),
                                 host_applied.values().begin(), host_applied.values().end()))
              << range << " dropped attention";
          Tensor out, g_out;
          aggregate_heads(block, applied, z, first, rows, out);
          aggregate_heads(block, gpu(applied), gpu(z), first, rows, g_out);
          expect_close(g_out, out, terms, 1e-5f, range + " weighted sums");
          Tensor mean(rows, width), g_mean(rows, width, DeviceKind::cuda);
          mean_of_heads(out, heads, mean, first);
          mean_of_heads(gpu(out), heads, g_mean, first);
          const Tensor g_rows = g_mean.to(DeviceKind::cpu);
          for (std::size_t i = first * width; i < rows * width; ++i)
            ASSERT_NEAR(g_rows.data()[i], mean.data()[i], 1e-5f * terms) << range << " mean " << i;
        }

        // Backward over the whole block.
        Tensor raw, alpha;
        edge_softmax(block, left, right, slope, 0, rows, raw, alpha);
        const Tensor d_heads = random_tensor(rows, heads * width, random);
        Tensor d_alpha, g_d_alpha;
        attention_gradient(block, d_heads, z, heads, d_alpha);
        attention_gradient(block, gpu(d_heads), gpu(z), heads, g_d_alpha);
        expect_close(g_d_alpha, d_alpha, terms, 1e-5f, at + " attention gradient");
        Tensor d_raw = d_alpha;
        Tensor g_d_raw = gpu(d_alpha);
        Tensor d_right, d_left, g_d_right, g_d_left;
        edge_softmax_backward(block, raw, alpha, slope, d_raw, d_right, d_left);
        edge_softmax_backward(block, gpu(raw), gpu(alpha), slope, g_d_raw, g_d_right, g_d_left);
        expect_close(g_d_raw, d_raw, terms, 1e-5f, at + " d raw");
        expect_close(g_d_right, d_right, terms, 1e-5f, at + " d right");
        expect_close(g_d_left, d_left, terms * static_cast<float>(rows + 1), 1e-5f, at + " d left");
        Tensor d_z, g_d_z;
        aggregate_heads_backward(block, alpha, d_heads, d_z);
        aggregate_heads_backward(block, gpu(alpha), gpu(d_heads), g_d_z);
        expect_close(g_d_z, d_z, terms * static_cast<float>(rows + 1), 1e-5f, at + " d z");
        g_d_z = gpu(d_z);
        add_head_scores_backward(d_left, a_left, d_z);
        add_head_scores_backward(gpu(d_left), gpu(a_left), g_d_z);
        add_head_scores_backward(d_right, a_right, d_z);
        add_head_scores_backward(gpu(d_right), gpu(a_right), g_d_z);
        expect_close(g_d_z, d_z, terms * static_cast<float>(rows + 1), 1e-5f,
                     at + " d z through the scores");
        Tensor d_attention(heads, width);
        Tensor g_d_attention(heads, width, DeviceKind::cuda);
        add_head_scores_gradient(z, d_left, d_attention);
        add_head_scores_gradient(gpu(z), gpu(d_left), g_d_attention);
        expect_close(g_d_attention, d_attention, terms * static_cast<float>(cols + 1), 1e-5f,
                     at + " attention vector gradient");
        Tensor d_x, g_d_x;
        mean_of_heads_backward(d_heads, heads, d_x);
        mean_of_heads_backward(gpu(d_heads), heads, g_d_x);
        expect_close(g_d_x, d_x, 0, 1e-6f, at + " mean backward");
      }
  // Operands on two devices are refused.
  Tensor scores;
  EXPECT_THROW(head_scores(Tensor(4, 6), Tensor(2, 3, DeviceKind::cuda), 4, scores),
               InvalidArgument);
}

TEST_F(CudaOps, GatherPicksRows) {
  std::mt19937_64 random(5);
  const Tensor x = random_tensor(40, 33, random);
  const std::vector<std::uint32_t> indices{39, 0, 7, 7, 12};
  const dev::DeviceArray<std::uint32_t> d_indices{std::span<const std::uint32_t>(indices)};
  dev::DeviceMatrix out;
  dev::gather(upload(x), d_indices.data(), indices.size(), out);
  const std::vector<float> got = out.download();
  ASSERT_EQ(out.rows(), indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i)
    for (std::size_t j = 0; j < 33; ++j)
      EXPECT_EQ(got[i * 33 + j], x(indices[i], j));
  dev::gather(upload(x), d_indices.data(), 0, out);
  EXPECT_EQ(out.rows(), 0u);
}

TEST_F(CudaOps, ActivationsMatchTheCpu) {
  std::mt19937_64 random(6);
  for (const auto& [f, g] : {std::pair{Activation::none, dev::Activation::none},
                             {Activation::relu, dev::Activation::relu},
                             {Activation::elu, dev::Activation::elu},
                             {Activation::leaky_relu, dev::Activation::leaky_relu}})
    for (const std::size_t rows : {0, 1, 77})
      for (const std::size_t cols : {1, 31, 100}) {
        const Tensor x = random_tensor(rows, cols, random);
        const Tensor dy = random_tensor(rows, cols, random);
        Tensor y(rows, cols), dx(rows, cols);
        activate(f, x, y, 0.1f);
        activate_backward(f, y, dy, dx, 0.1f);
        dev::DeviceMatrix d_y(rows, cols), d_dx(rows, cols);
        dev::activate(g, upload(x), d_y, 0.1f);
        const std::vector<float> got_y = d_y.download();
        // Backward from the CPU's y, so that the ELU ulp does not carry over.
        dev::activate_backward(g, upload(y), upload(dy), d_dx, 0.1f);
        const std::vector<float> got_dx = d_dx.download();
        for (std::size_t i = 0; i < y.size(); ++i) {
          if (f == Activation::elu)
            ASSERT_NEAR(got_y[i], y.data()[i], 4e-7f * std::abs(y.data()[i]) + 1e-7f);
          else
            ASSERT_EQ(got_y[i], y.data()[i]);
          ASSERT_EQ(got_dx[i], dx.data()[i]);
        }
      }
}

TEST_F(CudaOps, DropoutMasksAreBitIdenticalToTheCpu) {
  std::mt19937_64 random(7);
  for (const float p : {0.0f, 0.1f, 0.5f, 0.9f})
    for (const std::size_t rows : {0, 1, 57})
      for (const std::size_t width : {1, 31, 33, 100})
        for (const bool keyed : {false, true}) {
          std::vector<std::uint32_t> nodes(keyed ? rows : 0);
          for (auto& n : nodes)
            n = static_cast<std::uint32_t>(random() % 100000);
          Tensor x = random_tensor(rows, width, random);
          dev::DeviceMatrix d_x = upload(x);
          std::mt19937_64 cpu_random(random());
          std::mt19937_64 seed_copy = cpu_random;
          std::vector<float> mask;
          dropout(x.values(), width, nodes, p, cpu_random, mask);
          const dev::DeviceArray<std::uint32_t> d_nodes{std::span<const std::uint32_t>(nodes)};
          dev::DeviceMatrix d_mask;
          dev::dropout(d_x, keyed ? d_nodes.data() : nullptr, p, seed_copy(), d_mask);
          ASSERT_EQ(d_mask.download(), mask) << "p " << p << " rows " << rows << " width " << width;
          ASSERT_EQ(d_x.download(), std::vector<float>(x.values().begin(), x.values().end()));

          Tensor g = random_tensor(rows, width, random);
          dev::DeviceMatrix d_g = upload(g);
          dropout_backward(g.values(), mask);
          dev::dropout_backward(d_g, d_mask);
          ASSERT_EQ(d_g.download(), std::vector<float>(g.values().begin(), g.values().end()));
        }
  // Numbered from an odd and an even first value, odd and even counts.
  for (const std::uint64_t first : {0, 1, 12345, 99998})
    for (const std::size_t count : {1, 2, 31, 100}) {
      Tensor x = random_tensor(1, count, random);
      dev::DeviceMatrix d_x = upload(x);
      std::vector<float> mask(count);
      dropout_numbered(x.data(), mask.data(), count, first, 42, 0.3f);
      dev::DeviceArray<float> d_mask(count);
      dev::dropout_numbered(d_x.data(), d_mask.data(), count, first, 42, 0.3f);
      ASSERT_EQ(d_mask.download(), mask) << first << " " << count;
      ASSERT_EQ(d_x.download(), std::vector<float>(x.values().begin(), x.values().end()));
    }
  dev::DeviceMatrix any(1, 1);
  dev::DeviceMatrix mask;
  EXPECT_THROW(dev::dropout(any, nullptr, 1.0f, 0, mask), InvalidArgument);
}

TEST_F(CudaOps, LossGradientAndAccuracyMatchTheCpu) {
  std::mt19937_64 random(8);
  for (const std::size_t classes : {1, 7, 40})
    for (const std::size_t rows : {1, 300}) {
      Tensor logits = random_tensor(rows, classes, random);
      for (float& v : logits.values())
        v *= 5;
      std::vector<std::int32_t> labels(rows);
      for (auto& l : labels)
        l = static_cast<std::int32_t>(random() % classes);
      std::vector<std::uint32_t> nodes;
      for (std::uint32_t n = 0; n < rows; ++n)
        if (rows == 1 || random() % 2 == 0) nodes.push_back(n);
      Tensor gradient;
      const double loss = log_softmax_nll(logits, nodes, labels, &gradient);
      const double share = accuracy(logits, nodes, labels);

      const dev::DeviceMatrix d_logits = upload(logits);
      const dev::DeviceArray<std::uint32_t> d_nodes{std::span<const std::uint32_t>(nodes)};
      const dev::DeviceArray<std::int32_t> d_labels{std::span<const std::int32_t>(labels)};
      dev::DeviceMatrix d_gradient;
      const double d_loss = dev::log_softmax_nll(d_logits, d_nodes.data(), nodes.size(),
                                                 d_labels.data(), &d_gradient);
      EXPECT_NEAR(d_loss, loss, 1e-6 * std::abs(loss) + 1e-9);
      expect_close(d_gradient.download(), gradient, std::vector<float>(gradient.size(), 0), 1e-6f,
                   "loss gradient");
      EXPECT_EQ(dev::count_correct(d_logits, d_nodes.data(), nodes.size(), d_labels.data()),
                static_cast<std::size_t>(std::lround(share * nodes.size())));
    }
}

TEST_F(CudaOps, AdamStepsMatchTheOptimizer) {
  std::mt19937_64 random(9);
  for (const std::size_t n : {1, 33, 1000}) {
    Parameter parameter{"w", random_tensor(1, n, random), Tensor(1, n)};
    OptimizerOptions options;
    options.learning_rate = 0.05f;
    Optimizer optimizer(options, {&parameter});
    dev::DeviceMatrix value = upload(parameter.value);
    dev::DeviceMatrix m(1, n), v(1, n);
    for (std::uint64_t step = 1; step <= 3; ++step) {
      parameter.gradient = random_tensor(1, n, random);
      const dev::DeviceMatrix gradient = upload(parameter.gradient);
      optimizer.step();
      const dev::AdamStep adam{
          options.learning_rate,
          options.weight_decay,
          options.beta1,
          options.beta2,
          options.epsilon,
          static_cast<float>(1 / (1 - std::pow(static_cast<double>(options.beta1), step))),
          static_cast<float>(1 / (1 - std::pow(static_cast<double>(options.beta2), step)))};
      dev::adam_step(adam, value.data(), gradient.data(), m.data(), v.data(), n);
    }
    std::vector<float> scale(n);
    for (std::size_t i = 0; i < n; ++i)
      scale[i] = std::abs(parameter.value.data()[i]);
    expect_close(value.download(), parameter.value, scale, 1e-5f, "adam");
  }
}

TEST_F(CudaOps, PoolReportsPeakAndFailedAllocationsSayHowMuch) {
  dev::reset_device_memory_peak();
  const std::size_t before = dev::device_memory_statistics().bytes_in_use;
  {
    dev::DeviceArray<float> a(1 << 20);
    EXPECT_GE(dev::device_memory_statistics().peak_bytes_in_use, before + (4u << 20));
  }
  EXPECT_EQ(dev::device_memory_statistics().bytes_in_use, before);
  try {
    dev::DeviceArray<float> huge(std::size_t{1} << 46);  // 256 TiB
    FAIL() << "no error for 256 TiB";
  } catch (const dev::DeviceError& error) {
    EXPECT_NE(std::string(error.what()).find("bytes free"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace graphmini::gnn
