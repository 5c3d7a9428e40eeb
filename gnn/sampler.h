// Mini-batch samplers: each turns a batch into one block per layer (gnn/block.h) in compact
// local ids, destinations first among the sources, plus the global ids of the first block's
// sources (whose features the batch reads) and of the last block's destinations (the nodes
// the batch predicts). Each block also knows the global node of each of its sources
// (Block::node_ids), which dropout's masks are keyed by.
//
//   NeighborSampler  Hamilton et al., NeurIPS 2017: from the batch's seed nodes, each layer
//                    from the last to the first samples up to fanout[i] in-neighbours of
//                    every destination, uniformly without replacement (all of them when
//                    there are no more); the sampled sources are the next layer's
//                    destinations. Fanouts are given per hop from the seeds (as the paper's
//                    S1, S2 and PyG's num_neighbors are): "25,10" samples 25 neighbours of
//                    each seed (the last layer's block) and 10 of each of those (the first's).
//   ClusterSampler   Chiang et al., KDD 2019 (Cluster-GCN): METIS partitions the graph once;
//                    a batch is a group of clusters with every edge between their nodes, the
//                    same block for every layer.
//
// Sampling is deterministic: a batch depends only on the sampler's seed, the `stream` it is
// asked for (the trainer passes epoch and batch number) and its seed nodes or clusters, so
// batches can be sampled in any order and on any thread.
//
// GCN blocks (self_loops) carry the norms of the whole graph's symmetric normalisation of
// A + I, rescaled for the neighbours left out: destination d with D_d = degree + 1 and |S(d)|
// sampled sources (itself included) gets d's sum scaled by D_d / |S(d)|, so that with every
// neighbour sampled a block computes exactly what the whole graph's block does.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gnn/block.h"
#include "runtime/graph.h"

namespace graphmini::gnn {

struct MiniBatch {
  // One block per layer, the first layer's first; a cluster batch has one block, which every
  // layer reads.
  std::vector<Block> blocks;
  std::vector<std::uint32_t> input_nodes;   // global ids of blocks.front()'s sources
  std::vector<std::uint32_t> output_nodes;  // global ids of blocks.back()'s destinations

  // The block of each of `layers` layers.
  std::vector<const Block*> layer_blocks(std::size_t layers) const;
  std::uint64_t num_edges() const;
};

class NeighborSampler {
 public:
  // Throws InvalidArgument for no fanouts or a zero fanout.
  NeighborSampler(const Graph& graph, std::vector<std::uint32_t> fanouts, bool self_loops,
                  std::uint64_t seed);

  std::size_t num_layers() const { return fanouts_.size(); }
  // The blocks that compute `seeds` (distinct node ids).
  MiniBatch sample(std::span<const std::uint32_t> seeds, std::uint64_t stream) const;

 private:
  // The block of one hop: `nodes` holds its destinations and receives the sampled sources
  // after them.
  Block sample_hop(std::size_t hop, std::vector<std::uint32_t>& nodes, std::uint64_t key) const;

  const Graph& graph_;
  std::vector<std::uint32_t> fanouts_;
  bool self_loops_;
  std::uint64_t seed_;
  // Per thread: the local id of each global node in the block being built, or kNone.
  mutable tbb::enumerable_thread_specific<std::vector<std::uint32_t>> local_ids_;
};

// The part of every node when METIS (k-way, seeded) cuts `graph` into `parts` parts of about
// equal size with few edges between them. Throws InvalidArgument when parts is 0 or more than
// the nodes, or the graph is too large for METIS's 32-bit indices.
std::vector<std::uint32_t> partition_graph(const Graph& graph, std::size_t parts,
                                           std::uint64_t seed);

class ClusterSampler {
 public:
  // Partitions the graph into `clusters` parts with METIS (seeded); throws InvalidArgument
  // when clusters is 0 or more than the nodes.
  ClusterSampler(const Graph& graph, std::size_t clusters, bool self_loops, std::uint64_t seed);

  std::size_t num_clusters() const { return cluster_offsets_.size() - 1; }
  std::span<const std::uint32_t> cluster(std::size_t c) const {
    return {cluster_nodes_.data() + cluster_offsets_[c],
            cluster_offsets_[c + 1] - cluster_offsets_[c]};
  }
  // The batch of the given clusters: their nodes (each cluster's in increasing id order) as
  // both destinations and sources, and the edges between them.
  MiniBatch sample(std::span<const std::uint32_t> clusters) const;

 private:
  const Graph& graph_;
  bool self_loops_;
  std::vector<std::uint64_t> cluster_offsets_;
  std::vector<std::uint32_t> cluster_nodes_;
  mutable tbb::enumerable_thread_specific<std::vector<std::uint32_t>> local_ids_;
};

}  // namespace graphmini::gnn
