// The host side of the device choice (gnn/device.h), which runs in every build and on every
// machine: parsing --device, the one-line reason a CUDA device cannot be used (a build
// without CUDA, or no GPU). The device side is
// tests/gpu/cuda_training_test.cc.
#include "gnn/device.h"

#include <gtest/gtest.h>

#include <string>

#include "gnn/tensor.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

TEST(Device, ParsesCpuCudaAndCudaN) {
  EXPECT_EQ(parse_device("cpu"), Device{});
  EXPECT_EQ(parse_device("cuda"), (Device{DeviceKind::cuda, 0}));
  EXPECT_EQ(parse_device("cuda:3"), (Device{DeviceKind::cuda, 3}));
  EXPECT_EQ(to_string(parse_device("cuda")), "cuda:0");
  EXPECT_EQ(to_string(Device{}), "cpu");
  for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:-1", "cuda:+1", "cuda:1x", "cuda:1024",
                          "cuda:99999999999", "cpu:0", " cuda"})
    EXPECT_THROW(parse_device(bad), InvalidArgument) << bad;
}

// Where CUDA cannot run (a build without it, or CI's machine without a GPU), asking for it
// fails with one line that says which, and a CPU run is untouched.
TEST(Device, CudaWhereItCannotRunSaysWhy) {
  const std::string expected = cuda_built() ? "no usable CUDA GPU" : "built without CUDA";
  try {
    select_device(parse_device("cuda"));
    GTEST_SKIP() << "a CUDA GPU is usable here: tests/gpu covers it";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_THROW(Tensor(2, 2, DeviceKind::cuda), Error);
  select_device(Device{});  // the CPU needs nothing
  EXPECT_EQ(device_peak_bytes(), 0u);
  EXPECT_EQ(device_name(Device{}), "");
  finish_queued_work(DeviceKind::cpu);
}

}  // namespace
}  // namespace graphmini::gnn
