// Tensor storage: new storage is zeroed (large tensors in parallel chunks, on huge-page
// boundaries), and resize reuses storage that is large enough.
#include "gnn/tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

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

}  // namespace
}  // namespace graphmini::gnn
