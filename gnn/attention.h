// The operators of GAT's multi-head attention (gnn/layers.h; Velickovic et al., ICLR 2018), on
// either device: each runs where its tensors live, as the operators of gnn/tensor.h do (its CPU
// loops here, its CUDA twin through gnn/device.cc), so that the GAT layer carries no device
// branch.
//
// z holds `heads` blocks of `width` columns side by side: z[s][k * width + f] is feature f of
// head k at source s. Per-edge values (raw scores, attention, their gradients) are edges x heads,
// the edges numbered as the block numbers them (gnn/block.h: each destination's stored in-edges
// and then its self-loop), from the first edge of the first destination taken part.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gnn/block.h"
#include "gnn/tensor.h"

namespace graphmini::gnn {

// scores[r][k] = sum over f of z[r][k * width + f] * attention[k][f], for the first `rows` rows
// of z (attention: heads x width; scores becomes rows x heads).
void head_scores(const Tensor& z, const Tensor& attention, std::size_t rows, Tensor& scores);
// The backward of head_scores with respect to z: d_z[r][k * width + f] +=
// d_scores[r][k] * attention[k][f] for the rows of d_scores (the first rows of d_z).
void add_head_scores_backward(const Tensor& d_scores, const Tensor& attention, Tensor& d_z);
// ... and with respect to the attention: d_attention[k][f] += sum over the rows r of d_scores of
// z[r][k * width + f] * d_scores[r][k] (in row order on the CPU).
void add_head_scores_gradient(const Tensor& z, const Tensor& d_scores, Tensor& d_attention);

// out's rows first, first + 1, ... = the mean over the heads of x's rows: out[first + r][f] =
// (sum over k of x[r][k * width + f]) / heads, with width = out.cols() = x.cols() / heads.
void mean_of_heads(const Tensor& x, std::size_t heads, Tensor& out, std::size_t first);
// Its backward: d_x[r][k * width + f] = d_out[r][f] / heads (d_x becomes rows x heads * width).
void mean_of_heads_backward(const Tensor& d_out, std::size_t heads, Tensor& d_x);

// For the destinations [first, last) of the block and each head k: raw[e][k] = left[s][k] +
// right[d][k] over d's in-edges e = (s, d), and alpha[.][k] = the softmax of
// LeakyReLU(raw[.][k], slope) over them (the largest subtracted, sums in edge order). left is
// num_src x heads, right num_dst x heads; raw and alpha become (edges of [first, last)) x heads.
void edge_softmax(const Block& block, const Tensor& left, const Tensor& right, float slope,
                  std::size_t first, std::size_t last, Tensor& raw, Tensor& alpha);
// Its backward over the whole block: `gradient` holds d alpha and becomes d raw; d_right (num_dst
// x heads) receives each destination's sum of d raw, d_left (num_src x heads) each source's sum
// over the edges leaving it, in the reverse CSR's order and then the loop.
void edge_softmax_backward(const Block& block, const Tensor& raw, const Tensor& alpha, float slope,
                           Tensor& gradient, Tensor& d_right, Tensor& d_left);

// Dropout on the attention of the destinations [first, last) (gnn/tensor.h's dropout_numbered):
// destination d's values, its edges in order with the heads side by side, are numbered 0, 1, ...
// in the stream splitmix64(seed, node), node being d's id in the whole graph
// (block.node_ids()[d], or d), so that a node's attention drops alike in any batch. mask becomes
// attention's shape.
void attention_dropout(const Block& block, std::size_t first, std::size_t last, float p,
                       std::uint64_t seed, Tensor& attention, Tensor& mask);

// out (last - first destinations x heads * width) = the attention-weighted sums of the heads:
// out[d - first][k * width + f] = sum over d's in-edges e = (s, d) of attention[e][k] *
// z[s][k * width + f], in edge order, for the destinations [first, last).
void aggregate_heads(const Block& block, const Tensor& attention, const Tensor& z,
                     std::size_t first, std::size_t last, Tensor& out);
// The backward of aggregate_heads over the whole block with respect to z: d_z (num_src x heads *
// width) = sum over the edges e = (s, d) leaving s of attention[e][k] * d_out[d][k * width + f],
// in the reverse CSR's order and then the loop.
void aggregate_heads_backward(const Block& block, const Tensor& attention, const Tensor& d_out,
                              Tensor& d_z);
// ... and with respect to the attention: d_attention[e][k] = sum over f of
// d_out[d][k * width + f] * z[s][k * width + f] for every edge e = (s, d) (edges x heads).
void attention_gradient(const Block& block, const Tensor& d_out, const Tensor& z, std::size_t heads,
                        Tensor& d_attention);

}  // namespace graphmini::gnn
