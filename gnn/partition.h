// Full-graph training over the ranks of an MPI job: the graph cut into one part per rank
// (METIS), each rank computing every layer for its own nodes.
//
// Rank r owns the nodes of part r. Its block (gnn/block.h) has the owned nodes as
// destinations, in increasing global id, and as sources the owned nodes followed by the halo:
// the other ranks' nodes that are in-neighbours of owned ones, ordered by owner and then by
// global id. Each destination's in-edges keep the whole graph's order (its self-loop last), the
// GCN norms are the whole graph's, and the block's node ids are the global ones, so that every
// layer computes for an owned node exactly what the whole graph's block computes, dropout's
// masks included (they are keyed by node).
//
// Between layers the halo's rows come from their owners (Halo::gather: each rank sends every
// peer the rows of its nodes in that peer's halo, one all-to-all), and in the backward pass the
// halo's gradients go back to their owners, who add them to their own (Halo::scatter). The
// memory a rank needs for the graph and activations is that of its part and halo.
//
// Boundary-node sampling (Wan et al., BNS-GCN, MLSys 2022): with a fraction P < 1, each epoch
// keeps each halo node with probability P (decided by node and epoch alone, so sender and
// receiver agree without asking), only the kept ones are exchanged, and the block leaves out
// the edges from the others (their rows are zero). GCN's norms of the kept halo nodes are
// divided by P, so that its sums stay unbiased; GraphSAGE's mean and GAT's softmax are over
// the neighbours kept. P = 1 is exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gnn/block.h"
#include "gnn/model.h"
#include "runtime/cluster.h"
#include "runtime/graph.h"

namespace graphmini::gnn {

class GraphPartition final : public Halo {
 public:
  // Partitions `graph` into cluster.size() parts (METIS on the root, which sends every rank
  // the parts) and builds this rank's part. `self_loops` as the model's blocks need.
  // Collective.
  GraphPartition(const Graph& graph, Cluster& cluster, bool self_loops, std::uint64_t seed);

  std::size_t num_owned() const { return num_owned_; }
  std::size_t num_halo() const { return node_ids_.size() - num_owned_; }
  // Rows an exact exchange sends: owned nodes once per peer whose halo has them.
  std::size_t boundary_rows() const;
  // Global ids: the owned nodes, then the halo.
  std::span<const std::uint32_t> node_ids() const { return node_ids_; }
  // The block of the epoch: the whole part and halo (exact), or with boundary sampling the
  // kept halo only.
  const Block& block() const { return *current_; }

  // Boundary sampling for the coming passes: every halo node (P = 1), or those that
  // `fraction` keeps in `epoch` (with the stream `seed`). Rebuilds the epoch's block.
  void sample_boundary(double fraction, std::uint64_t seed, std::uint64_t epoch);

  // Halo (collective over the ranks).
  void gather(Tensor& rows) override;
  void scatter(Tensor& gradient) override;

  // Bytes of the part's own structures: its block (with the halo's), send lists and buffers.
  std::size_t bytes() const;

 private:
  Block build_block(const std::vector<bool>* kept, double fraction) const;

  const Graph& graph_;
  Cluster& cluster_;
  bool self_loops_;
  std::size_t num_owned_ = 0;
  std::vector<std::uint32_t> node_ids_;
  std::vector<std::uint32_t> halo_owner_;  // per halo node
  // Per peer: the local ids of owned nodes in its halo (by global id), and the rows of its
  // nodes in this halo; with boundary sampling, only the kept ones.
  std::vector<std::vector<std::uint32_t>> send_all_;
  std::vector<std::vector<std::uint32_t>> send_;
  std::vector<std::size_t> send_rows_;
  std::vector<std::size_t> receive_rows_;
  // The halo rows received, by local id less num_owned (all of them when exact).
  std::vector<std::uint32_t> received_;
  Block exact_;
  Block sampled_;
  const Block* current_ = &exact_;
  std::vector<float> buffer_;
  std::vector<float> incoming_;
};

}  // namespace graphmini::gnn
