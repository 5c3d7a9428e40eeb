// The CUDA side of the operators' one dispatch point (gnn/device.cc), internal to the gnn
// library: each function is the CUDA twin of the operator of the same name in gnn/tensor.h,
// called by that operator when its tensors live on the device, and runs the kernel of
// gnn/cuda/device_ops.h. The shapes were checked by the caller where it says so; the devices
// are checked here (every operand on the device; an output that is overwritten is moved
// there). In a build without CUDA every function throws select_device()'s error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "gnn/tensor.h"

namespace graphmini::gnn {
struct OptimizerOptions;
}

namespace graphmini::gnn::cuda_twin {

// Storage of a CUDA tensor: rows x cols, zero-filled.
cuda::DeviceMatrix* new_matrix(std::size_t rows, std::size_t cols);
// Makes it rows x cols (values undefined unless the size was kept).
void resize(cuda::DeviceMatrix& m, std::size_t rows, std::size_t cols);
void zero(cuda::DeviceMatrix& m);
// to = from (to has from's size).
void copy(const cuda::DeviceMatrix& from, cuda::DeviceMatrix& to);

void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
            float beta, std::size_t a_rows);
void add_bias(Tensor& x, const Tensor& bias);
void add_column_sums(const Tensor& x, Tensor& gradient);
void copy_rows(const Tensor& from, Tensor& to, std::size_t first);
void axpy(float alpha, const Tensor& y, Tensor& x);
void activate(Activation f, const Tensor& x, Tensor& y, float slope);
void activate_backward(Activation f, const Tensor& y, const Tensor& dy, Tensor& dx, float slope);
// With the stream seed drawn as the CPU draws it.
void dropout(Tensor& x, std::span<const std::uint32_t> nodes, float p, std::uint64_t seed,
             Tensor& mask);
void dropout_backward(Tensor& gradient, const Tensor& mask);
double log_softmax_nll(const Tensor& logits, std::span<const std::uint32_t> nodes,
                       std::span<const std::int32_t> labels, Tensor* gradient);
std::size_t count_correct(const Tensor& logits, std::span<const std::uint32_t> nodes,
                          std::span<const std::int32_t> labels);
// out = the rows `nodes` of x (nodes.size() x x.cols()).
void gather(const Tensor& x, std::span<const std::uint32_t> nodes, Tensor& out);
// One optimiser step of gnn::Optimizer over a parameter (m and v: Adam's moments).
void optimizer_step(const OptimizerOptions& options, float inverse_correction1,
                    float inverse_correction2, Tensor& value, const Tensor& gradient, Tensor& m,
                    Tensor& v);

}  // namespace graphmini::gnn::cuda_twin
