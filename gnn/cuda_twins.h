// The CUDA side of the operators' one dispatch point (gnn/device.cc), internal to the gnn
// library: each function is the CUDA twin of the operator of the same name in gnn/tensor.h,
// called by that operator when its tensors live on the device, and runs the kernel of
// gnn/cuda/device_ops.h. The shapes were checked by the caller where it says so; the devices
// are checked here (every operand on the device; an output that is overwritten is moved
// there). In a build without CUDA every function throws select_device()'s error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <span>

#include "gnn/tensor.h"

namespace graphmini::gnn {
class Block;
struct OptimizerOptions;
}  // namespace graphmini::gnn

namespace graphmini::gnn {

// Whether an operator runs on the CUDA device: when all of `operands` live there; false when
// all live on the CPU; InvalidArgument when they are split. (Outputs that the operator
// overwrites are not operands: they move to the operands' device.)
bool on_cuda(const char* what, std::initializer_list<const Tensor*> operands);
// InvalidArgument naming `what` unless t is rows x cols.
void require_shape(const Tensor& t, std::size_t rows, std::size_t cols, const char* what);

}  // namespace graphmini::gnn

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
// The operators of GAT's attention (gnn/attention.h).
void head_scores(const Tensor& z, const Tensor& attention, std::size_t rows, Tensor& scores);
void add_head_scores_backward(const Tensor& d_scores, const Tensor& attention, Tensor& d_z);
void add_head_scores_gradient(const Tensor& z, const Tensor& d_scores, Tensor& d_attention);
void mean_of_heads(const Tensor& x, std::size_t heads, Tensor& out, std::size_t first);
void mean_of_heads_backward(const Tensor& d_out, std::size_t heads, Tensor& d_x);
void edge_softmax(const Block& block, const Tensor& left, const Tensor& right, float slope,
                  std::size_t first, std::size_t last, Tensor& raw, Tensor& alpha);
void edge_softmax_backward(const Block& block, const Tensor& raw, const Tensor& alpha, float slope,
                           Tensor& gradient, Tensor& d_right, Tensor& d_left);
void attention_dropout(const Block& block, std::size_t first, std::size_t last, float p,
                       std::uint64_t seed, Tensor& attention, Tensor& mask);
void aggregate_heads(const Block& block, const Tensor& attention, const Tensor& z,
                     std::size_t first, std::size_t last, Tensor& out);
void aggregate_heads_backward(const Block& block, const Tensor& attention, const Tensor& d_out,
                              Tensor& d_z);
void attention_gradient(const Block& block, const Tensor& d_out, const Tensor& z, std::size_t heads,
                        Tensor& d_attention);
// One optimiser step of gnn::Optimizer over a parameter (m and v: Adam's moments).
void optimizer_step(const OptimizerOptions& options, float inverse_correction1,
                    float inverse_correction2, Tensor& value, const Tensor& gradient, Tensor& m,
                    Tensor& v);

}  // namespace graphmini::gnn::cuda_twin
