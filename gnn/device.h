// Where GNN training runs: on the CPU, or on a CUDA GPU (gnn/cuda/).
//
// A Tensor (gnn/tensor.h) lives on the CPU or on the process's CUDA device, and every operator
// of tensor.h and block.h runs where its operands live: its CPU loops, or its CUDA twin of
// gnn/cuda/device_ops.h. That choice is made in one place, gnn/device.cc, so that layers,
// models and trainers carry no #ifdef and no device branches (as DGL's core dispatches on a
// tensor's context). A build without CUDA has the same interface; asking it for a CUDA tensor
// throws the error select_device() gives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace graphmini::gnn {

enum class DeviceKind : std::uint8_t { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;  // of the CUDA device
  bool operator==(const Device&) const = default;
};

// "cpu", "cuda" (device 0) or "cuda:N"; throws InvalidArgument otherwise.
Device parse_device(std::string_view text);
// "cpu" or "cuda:N".
std::string to_string(Device device);

// Whether this build has the CUDA operators (GRAPHMINI_WITH_CUDA).
bool cuda_built();
// Makes `device` the one that CUDA tensors of this process live on (nothing for the CPU).
// Throws Error with one line saying why it cannot: a build without CUDA, no usable GPU (with
// the CUDA runtime's reason), or an index beyond the GPUs there are.
void select_device(Device device);
// The selected GPU's name, as the driver gives it ("" on the CPU).
std::string device_name(Device device);
// Waits for the work queued on `device` (nothing on the CPU), so that a clock read afterwards
// counts it; throws when any of it failed.
void finish_queued_work(DeviceKind device);
// The device memory pool's peak of bytes in use since the last reset (0 without CUDA).
std::size_t device_peak_bytes();
void reset_device_peak();

}  // namespace graphmini::gnn
