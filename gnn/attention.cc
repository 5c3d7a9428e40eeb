#include "gnn/attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "datasets/random.h"
#include "gnn/cuda_twins.h"
#include "gnn/parallel.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

float leaky(float x, float slope) {
  return x > 0 ? x : slope * x;
}

float dot(const float* a, const float* b, std::size_t n) {
  float sum = 0;
  for (std::size_t f = 0; f < n; ++f)
    sum += a[f] * b[f];
  return sum;
}

// The width of one head of z, checked against the attention or the head count.
std::size_t head_width(const Tensor& z, std::size_t heads, const char* what) {
  if (heads == 0 || z.cols() % heads != 0)
    throw InvalidArgument(std::string(what) + ": " + std::to_string(z.cols()) +
                          " columns do not split into " + std::to_string(heads) + " heads");
  return z.cols() / heads;
}

void check_destinations(const Block& block, std::size_t first, std::size_t last, const char* what) {
  if (first > last || last > block.num_dst())
    throw InvalidArgument(std::string(what) + ": destinations " + std::to_string(first) + " .. " +
                          std::to_string(last) + " of " + std::to_string(block.num_dst()));
}

// The edges of the destinations [first, last).
std::size_t edges_of(const Block& block, std::size_t first, std::size_t last) {
  return block.first_edge(last) - block.first_edge(first);
}

}  // namespace

void head_scores(const Tensor& z, const Tensor& attention, std::size_t rows, Tensor& scores) {
  const std::size_t heads = attention.rows();
  const std::size_t width = head_width(z, heads, "head scores");
  require_shape(attention, heads, width, "head scores' attention");
  if (rows > z.rows())
    throw InvalidArgument("head scores of " + std::to_string(rows) + " rows of " +
                          std::to_string(z.rows()));
  if (on_cuda("head_scores", {&z, &attention})) {
    cuda_twin::head_scores(z, attention, rows, scores);
    return;
  }
  if (scores.device() != DeviceKind::cpu) scores = Tensor();
  scores.resize(rows, heads);
  for_each_row(rows, heads * width, [&](std::size_t r) {
    for (std::size_t k = 0; k < heads; ++k)
      scores(r, k) = dot(z.row(r).data() + k * width, attention.row(k).data(), width);
  });
}

void add_head_scores_backward(const Tensor& d_scores, const Tensor& attention, Tensor& d_z) {
  const std::size_t heads = attention.rows();
  const std::size_t width = head_width(d_z, heads, "head scores backward");
  require_shape(attention, heads, width, "head scores backward's attention");
  if (d_scores.cols() != heads || d_scores.rows() > d_z.rows())
    throw InvalidArgument("head scores backward: " + std::to_string(d_scores.rows()) + "x" +
                          std::to_string(d_scores.cols()) + " score gradients for " +
                          std::to_string(d_z.rows()) + " rows of " + std::to_string(heads) +
                          " heads");
  if (on_cuda("add_head_scores_backward", {&d_scores, &attention, &d_z})) {
    cuda_twin::add_head_scores_backward(d_scores, attention, d_z);
    return;
  }
  for_each_row(d_scores.rows(), heads * width, [&](std::size_t r) {
    for (std::size_t k = 0; k < heads; ++k)
      add_scaled(d_z.row(r).data() + k * width, attention.row(k).data(), d_scores(r, k), width);
  });
}

void add_head_scores_gradient(const Tensor& z, const Tensor& d_scores, Tensor& d_attention) {
  const std::size_t heads = d_attention.rows();
  const std::size_t width = head_width(z, heads, "head scores gradient");
  require_shape(d_attention, heads, width, "head scores gradient");
  if (d_scores.cols() != heads || d_scores.rows() > z.rows())
    throw InvalidArgument("head scores gradient: " + std::to_string(d_scores.rows()) + "x" +
                          std::to_string(d_scores.cols()) + " score gradients for " +
                          std::to_string(z.rows()) + " rows of " + std::to_string(heads) +
                          " heads");
  if (on_cuda("add_head_scores_gradient", {&z, &d_scores, &d_attention})) {
    cuda_twin::add_head_scores_gradient(z, d_scores, d_attention);
    return;
  }
  // Serial in row order: reproducible.
  for (std::size_t r = 0; r < d_scores.rows(); ++r)
    for (std::size_t k = 0; k < heads; ++k)
      add_scaled(d_attention.row(k).data(), z.row(r).data() + k * width, d_scores(r, k), width);
}

void mean_of_heads(const Tensor& x, std::size_t heads, Tensor& out, std::size_t first) {
  const std::size_t width = head_width(x, heads, "mean of heads");
  if (out.cols() != width || first > out.rows() || x.rows() > out.rows() - first)
    throw InvalidArgument("mean of heads: " + std::to_string(x.rows()) + " rows of " +
                          std::to_string(heads) + " heads into rows " + std::to_string(first) +
                          " .. of " + std::to_string(out.rows()) + "x" +
                          std::to_string(out.cols()));
  if (on_cuda("mean_of_heads", {&x, &out})) {
    cuda_twin::mean_of_heads(x, heads, out, first);
    return;
  }
  for_each_row(x.rows(), heads * width, [&](std::size_t r) {
    for (std::size_t f = 0; f < width; ++f) {
      float sum = 0;
      for (std::size_t k = 0; k < heads; ++k)
        sum += x(r, k * width + f);
      out(first + r, f) = sum / static_cast<float>(heads);
    }
  });
}

void mean_of_heads_backward(const Tensor& d_out, std::size_t heads, Tensor& d_x) {
  if (heads == 0) throw InvalidArgument("mean of heads backward: no heads");
  const std::size_t width = d_out.cols();
  if (on_cuda("mean_of_heads_backward", {&d_out})) {
    cuda_twin::mean_of_heads_backward(d_out, heads, d_x);
    return;
  }
  if (d_x.device() != DeviceKind::cpu) d_x = Tensor();
  d_x.resize(d_out.rows(), heads * width);
  for_each_row(d_out.rows(), heads * width, [&](std::size_t r) {
    for (std::size_t k = 0; k < heads; ++k)
      for (std::size_t f = 0; f < width; ++f)
        d_x(r, k * width + f) = d_out(r, f) / static_cast<float>(heads);
  });
}

void edge_softmax(const Block& block, const Tensor& left, const Tensor& right, float slope,
                  std::size_t first, std::size_t last, Tensor& raw, Tensor& alpha) {
  const std::size_t heads = left.cols();
  require_shape(left, block.num_src(), heads, "edge softmax's left scores");
  require_shape(right, block.num_dst(), heads, "edge softmax's right scores");
  check_destinations(block, first, last, "edge softmax");
  if (on_cuda("edge_softmax", {&left, &right})) {
    cuda_twin::edge_softmax(block, left, right, slope, first, last, raw, alpha);
    return;
  }
  const std::size_t edges = edges_of(block, first, last);
  for (Tensor* t : {&raw, &alpha}) {
    if (t->device() != DeviceKind::cpu) *t = Tensor();
    t->resize(edges, heads);
  }
  const std::uint64_t base = block.first_edge(first);
  for_each_row(last - first, 4 * heads * (edges / std::max<std::size_t>(last - first, 1) + 1),
               [&](std::size_t row) {
                 const std::size_t d = first + row;
                 const std::uint64_t begin = block.first_edge(d) - base;
                 const std::uint64_t end = block.first_edge(d + 1) - base;
                 for (std::size_t k = 0; k < heads; ++k) {
                   float largest = -INFINITY;
                   block.for_each_in_edge(d, [&](std::uint32_t s, std::uint64_t e) {
                     raw(e - base, k) = left(s, k) + right(d, k);
                     largest = std::max(largest, leaky(raw(e - base, k), slope));
                   });
                   float sum = 0;
                   for (std::uint64_t e = begin; e < end; ++e) {
                     alpha(e, k) = std::exp(leaky(raw(e, k), slope) - largest);
                     sum += alpha(e, k);
                   }
                   for (std::uint64_t e = begin; e < end; ++e)
                     alpha(e, k) /= sum;
                 }
               });
}

void edge_softmax_backward(const Block& block, const Tensor& raw, const Tensor& alpha, float slope,
                           Tensor& gradient, Tensor& d_right, Tensor& d_left) {
  const std::size_t heads = raw.cols();
  require_shape(raw, block.num_edges(), heads, "edge softmax backward's scores");
  require_shape(alpha, block.num_edges(), heads, "edge softmax backward's attention");
  require_shape(gradient, block.num_edges(), heads, "edge softmax backward's gradient");
  if (on_cuda("edge_softmax_backward", {&raw, &alpha, &gradient})) {
    cuda_twin::edge_softmax_backward(block, raw, alpha, slope, gradient, d_right, d_left);
    return;
  }
  for (Tensor* t : {&d_right, &d_left})
    if (t->device() != DeviceKind::cpu) *t = Tensor();
  d_right.resize(block.num_dst(), heads);
  d_left.resize(block.num_src(), heads);
  const std::size_t row_cost = 4 * heads * (block.num_edges() / (block.num_dst() + 1) + 1);
  for_each_row(block.num_dst(), row_cost, [&](std::size_t d) {
    const std::uint64_t begin = block.first_edge(d);
    const std::uint64_t end = block.first_edge(d + 1);
    for (std::size_t k = 0; k < heads; ++k) {
      float weighted = 0;
      for (std::uint64_t e = begin; e < end; ++e)
        weighted += alpha(e, k) * gradient(e, k);
      float sum = 0;
      for (std::uint64_t e = begin; e < end; ++e) {
        const float d_score = alpha(e, k) * (gradient(e, k) - weighted);
        gradient(e, k) = raw(e, k) > 0 ? d_score : slope * d_score;
        sum += gradient(e, k);
      }
      d_right(d, k) = sum;
    }
  });
  for_each_row(block.num_src(), row_cost, [&](std::size_t s) {
    for (std::size_t k = 0; k < heads; ++k)
      d_left(s, k) = 0;
    block.for_each_out_edge(s, [&](std::uint32_t, std::uint64_t e) {
      for (std::size_t k = 0; k < heads; ++k)
        d_left(s, k) += gradient(e, k);
    });
  });
}

void attention_dropout(const Block& block, std::size_t first, std::size_t last, float p,
                       std::uint64_t seed, Tensor& attention, Tensor& mask) {
  check_destinations(block, first, last, "attention dropout");
  const std::size_t heads = attention.cols();
  require_shape(attention, edges_of(block, first, last), heads, "attention dropout");
  if (!(p >= 0 && p < 1)) throw InvalidArgument("dropout " + std::to_string(p) + " not in [0, 1)");
  if (on_cuda("attention_dropout", {&attention})) {
    cuda_twin::attention_dropout(block, first, last, p, seed, attention, mask);
    return;
  }
  if (mask.device() != DeviceKind::cpu) mask = Tensor();
  mask.resize(attention.rows(), heads);
  const std::uint64_t base = block.first_edge(first);
  const std::span<const std::uint32_t> nodes = block.node_ids();
  for_each_row(last - first, heads * 16, [&](std::size_t row) {
    const std::size_t d = first + row;
    const std::uint64_t begin = (block.first_edge(d) - base) * heads;
    const std::uint64_t end = (block.first_edge(d + 1) - base) * heads;
    dropout_numbered(attention.data() + begin, mask.data() + begin, end - begin, 0,
                     datasets::splitmix64(seed, nodes.empty() ? d : nodes[d]), p);
  });
}

void aggregate_heads(const Block& block, const Tensor& attention, const Tensor& z,
                     std::size_t first, std::size_t last, Tensor& out) {
  check_destinations(block, first, last, "aggregate heads");
  const std::size_t heads = attention.cols();
  const std::size_t width = head_width(z, heads, "aggregate heads");
  require_shape(attention, edges_of(block, first, last), heads, "aggregate heads' attention");
  require_shape(z, block.num_src(), heads * width, "aggregate heads' input");
  if (on_cuda("aggregate_heads", {&attention, &z})) {
    cuda_twin::aggregate_heads(block, attention, z, first, last, out);
    return;
  }
  if (out.device() != DeviceKind::cpu) out = Tensor();
  out.resize(last - first, z.cols());
  const std::uint64_t base = block.first_edge(first);
  for_each_row(last - first, 4 * z.cols(), [&](std::size_t row) {
    float* target = out.row(row).data();
    std::fill_n(target, z.cols(), 0.0f);
    block.for_each_in_edge(first + row, [&](std::uint32_t s, std::uint64_t e) {
      const float* source = z.row(s).data();
      for (std::size_t k = 0; k < heads; ++k)
        add_scaled(target + k * width, source + k * width, attention(e - base, k), width);
    });
  });
}

void aggregate_heads_backward(const Block& block, const Tensor& attention, const Tensor& d_out,
                              Tensor& d_z) {
  const std::size_t heads = attention.cols();
  const std::size_t width = head_width(d_out, heads, "aggregate heads backward");
  require_shape(attention, block.num_edges(), heads, "aggregate heads backward's attention");
  require_shape(d_out, block.num_dst(), heads * width, "aggregate heads backward's gradient");
  if (on_cuda("aggregate_heads_backward", {&attention, &d_out})) {
    cuda_twin::aggregate_heads_backward(block, attention, d_out, d_z);
    return;
  }
  if (d_z.device() != DeviceKind::cpu) d_z = Tensor();
  d_z.resize(block.num_src(), d_out.cols());
  for_each_row(block.num_src(), 4 * d_out.cols(), [&](std::size_t s) {
    float* target = d_z.row(s).data();
    std::fill_n(target, d_out.cols(), 0.0f);
    block.for_each_out_edge(s, [&](std::uint32_t d, std::uint64_t e) {
      const float* g = d_out.row(d).data();
      for (std::size_t k = 0; k < heads; ++k)
        add_scaled(target + k * width, g + k * width, attention(e, k), width);
    });
  });
}

void attention_gradient(const Block& block, const Tensor& d_out, const Tensor& z, std::size_t heads,
                        Tensor& d_attention) {
  const std::size_t width = head_width(z, heads, "attention gradient");
  require_shape(z, block.num_src(), heads * width, "attention gradient's input");
  require_shape(d_out, block.num_dst(), heads * width, "attention gradient's output gradient");
  if (on_cuda("attention_gradient", {&d_out, &z})) {
    cuda_twin::attention_gradient(block, d_out, z, heads, d_attention);
    return;
  }
  if (d_attention.device() != DeviceKind::cpu) d_attention = Tensor();
  d_attention.resize(block.num_edges(), heads);
  for_each_row(block.num_dst(), 4 * z.cols(), [&](std::size_t d) {
    const float* g = d_out.row(d).data();
    block.for_each_in_edge(d, [&](std::uint32_t s, std::uint64_t e) {
      for (std::size_t k = 0; k < heads; ++k)
        d_attention(e, k) = dot(g + k * width, z.row(s).data() + k * width, width);
    });
  });
}

}  // namespace graphmini::gnn
