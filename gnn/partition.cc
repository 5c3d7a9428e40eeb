#include "gnn/partition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "datasets/random.h"
#include "gnn/parallel.h"
#include "gnn/sampler.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

// No rank, or no local id.
constexpr std::uint32_t kNoId = std::numeric_limits<std::uint32_t>::max();

float gcn_norm(const Graph& graph, std::uint32_t v) {
  return 1.0f / std::sqrt(static_cast<float>(graph.degree(v) + 1));
}

}  // namespace

GraphPartition::GraphPartition(const Graph& graph, Cluster& cluster, bool self_loops,
                               std::uint64_t seed)
    : graph_(graph), cluster_(cluster), self_loops_(self_loops) {
  if (graph.orientation() != Orientation::undirected)
    throw InvalidArgument("GNN training needs an undirected graph");
  const auto ranks = static_cast<std::size_t>(cluster.size());
  const auto rank = static_cast<std::uint32_t>(cluster.rank());
  // The root runs METIS, once for all ranks (its time and memory are the whole graph's).
  const std::size_t n = graph.num_vertices();
  std::vector<std::uint32_t> part(n);
  all_or_none(cluster, [&] {
    if (cluster.is_root()) part = partition_graph(graph, ranks, seed);
  });
  cluster.broadcast(part);
  for (std::uint32_t v = 0; v < n; ++v) {
    if (part[v] == rank) node_ids_.push_back(v);
  }
  num_owned_ = node_ids_.size();
  // The halo: other ranks' in-neighbours of owned nodes, by owner and global id. An owned
  // node goes to every peer that owns one of its neighbours (the graph is undirected).
  std::vector<std::uint32_t> halo;
  send_all_.resize(ranks);
  for (std::size_t d = 0; d < num_owned_; ++d) {
    std::uint32_t last_peer = kNoId;
    for (const VertexId u : graph.neighbours(node_ids_[d])) {
      if (part[u] == rank) continue;
      halo.push_back(u);
      if (part[u] == last_peer) continue;  // most neighbours of a peer come in a run
      std::vector<std::uint32_t>& list = send_all_[part[u]];
      if (list.empty() || list.back() != d) list.push_back(static_cast<std::uint32_t>(d));
      last_peer = part[u];
    }
  }
  for (std::vector<std::uint32_t>& list : send_all_) {  // in increasing local (= global) order
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  std::sort(halo.begin(), halo.end(), [&](std::uint32_t a, std::uint32_t b) {
    return part[a] != part[b] ? part[a] < part[b] : a < b;
  });
  halo.erase(std::unique(halo.begin(), halo.end()), halo.end());
  for (const std::uint32_t u : halo)
    halo_owner_.push_back(part[u]);
  node_ids_.insert(node_ids_.end(), halo.begin(), halo.end());
  exact_ = build_block(nullptr, 1.0);
  send_rows_.resize(ranks);
  receive_rows_.resize(ranks);
  sample_boundary(1, 0, 0);
}

Block GraphPartition::build_block(const std::vector<bool>* kept, double fraction) const {
  std::vector<std::uint32_t> local(graph_.num_vertices(), kNoId);
  for (std::size_t i = 0; i < node_ids_.size(); ++i) {
    if (i < num_owned_ || kept == nullptr || (*kept)[i - num_owned_])
      local[node_ids_[i]] = static_cast<std::uint32_t>(i);
  }
  std::vector<std::uint64_t> offsets(num_owned_ + 1, 0);
  std::vector<std::uint32_t> sources;
  for (std::size_t d = 0; d < num_owned_; ++d) {
    for (const VertexId u : graph_.neighbours(node_ids_[d])) {
      if (local[u] != kNoId) sources.push_back(local[u]);
    }
    offsets[d + 1] = sources.size();
  }
  std::vector<float> dst_norm;
  std::vector<float> src_norm;
  if (self_loops_) {
    src_norm.resize(node_ids_.size());
    for (std::size_t i = 0; i < node_ids_.size(); ++i) {
      src_norm[i] = gcn_norm(graph_, node_ids_[i]);
      if (i >= num_owned_) src_norm[i] /= static_cast<float>(fraction);
    }
    dst_norm.resize(num_owned_);
    for (std::size_t d = 0; d < num_owned_; ++d)
      dst_norm[d] = gcn_norm(graph_, node_ids_[d]);
  }
  Block block(num_owned_, node_ids_.size(), std::move(offsets), std::move(sources),
              std::move(dst_norm), std::move(src_norm), self_loops_);
  block.set_node_ids(node_ids_);
  return block;
}

void GraphPartition::sample_boundary(double fraction, std::uint64_t seed, std::uint64_t epoch) {
  if (!(fraction > 0 && fraction <= 1))
    throw InvalidArgument("a boundary sample must be a fraction in (0, 1], not " +
                          std::to_string(fraction));
  // Node v is kept in this epoch when its draw is below the fraction (always at 1): the same
  // decision on its owner, which sends it, and on every rank whose halo has it.
  const std::uint64_t key = datasets::splitmix64(seed, epoch);
  const auto keeps = [&](std::uint32_t node) {
    return fraction == 1 ||
           datasets::RandomDraws(datasets::splitmix64(key, node)).uniform() < fraction;
  };
  std::vector<bool> kept(num_halo());
  received_.clear();
  for (std::size_t h = 0; h < kept.size(); ++h) {
    kept[h] = keeps(node_ids_[num_owned_ + h]);
    if (kept[h]) received_.push_back(static_cast<std::uint32_t>(h));
  }
  std::fill(receive_rows_.begin(), receive_rows_.end(), 0);
  for (const std::uint32_t h : received_)
    ++receive_rows_[halo_owner_[h]];
  send_.resize(send_all_.size());
  for (std::size_t p = 0; p < send_.size(); ++p) {
    send_[p].clear();
    for (const std::uint32_t d : send_all_[p]) {
      if (keeps(node_ids_[d])) send_[p].push_back(d);
    }
    send_rows_[p] = send_[p].size();
  }
  if (fraction == 1) {
    current_ = &exact_;
  } else {
    sampled_ = build_block(&kept, fraction);
    current_ = &sampled_;
  }
}

void GraphPartition::gather(Tensor& rows) {
  if (rows.rows() != num_owned_)
    throw InvalidArgument("halo exchange: " + std::to_string(rows.rows()) + " rows for " +
                          std::to_string(num_owned_) + " owned nodes");
  const std::size_t width = rows.cols();
  std::size_t sent = 0;
  for (const std::vector<std::uint32_t>& list : send_)
    sent += list.size();
  buffer_.resize(sent * width);
  std::size_t at = 0;
  for (const std::vector<std::uint32_t>& list : send_) {
    for (const std::uint32_t d : list) {
      std::copy_n(rows.row(d).data(), width, buffer_.data() + at * width);
      ++at;
    }
  }
  rows.resize_rows(node_ids_.size());
  float* halo = rows.data() + num_owned_ * width;
  if (received_.size() == num_halo()) {  // all of it, in place
    cluster_.all_to_all(buffer_, send_rows_, {halo, num_halo() * width}, receive_rows_, width);
    return;
  }
  incoming_.resize(received_.size() * width);
  cluster_.all_to_all(buffer_, send_rows_, incoming_, receive_rows_, width);
  std::fill_n(halo, num_halo() * width, 0.0f);
  for (std::size_t i = 0; i < received_.size(); ++i)
    std::copy_n(incoming_.data() + i * width, width, halo + std::size_t{received_[i]} * width);
}

void GraphPartition::scatter(Tensor& gradient) {
  if (gradient.rows() != node_ids_.size())
    throw InvalidArgument("halo exchange: " + std::to_string(gradient.rows()) +
                          " gradient rows for " + std::to_string(node_ids_.size()) +
                          " owned and halo nodes");
  const std::size_t width = gradient.cols();
  // Back the way the rows came: this rank sends its received halo rows' gradients, and
  // receives for the rows it sent.
  incoming_.resize(received_.size() * width);
  for (std::size_t i = 0; i < received_.size(); ++i) {
    std::copy_n(gradient.row(num_owned_ + received_[i]).data(), width,
                incoming_.data() + i * width);
  }
  std::size_t sent = 0;
  for (const std::vector<std::uint32_t>& list : send_)
    sent += list.size();
  buffer_.resize(sent * width);
  cluster_.all_to_all(incoming_, receive_rows_, buffer_, send_rows_, width);
  // A node may be in several peers' halos: peer by peer, in rank order (the same sum on any
  // thread count), each peer's rows in parallel (distinct within a peer).
  std::size_t at = 0;
  for (const std::vector<std::uint32_t>& list : send_) {
    for_each_row(list.size(), width, [&](std::size_t i) {
      float* target = gradient.row(list[i]).data();
      const float* source = buffer_.data() + (at + i) * width;
      for (std::size_t j = 0; j < width; ++j)
        target[j] += source[j];
    });
    at += list.size();
  }
  gradient.resize_rows(num_owned_);
}

std::size_t GraphPartition::boundary_rows() const {
  std::size_t rows = 0;
  for (const std::vector<std::uint32_t>& list : send_all_)
    rows += list.size();
  return rows;
}

std::size_t GraphPartition::bytes() const {
  std::size_t lists = 0;
  for (const std::vector<std::uint32_t>& list : send_all_)
    lists += 2 * list.size();
  return exact_.bytes() + sampled_.bytes() +
         (node_ids_.size() + halo_owner_.size() + received_.size() + lists) *
             sizeof(std::uint32_t) +
         (buffer_.capacity() + incoming_.capacity()) * sizeof(float);
}

}  // namespace graphmini::gnn
