#include "gnn/sampler.h"

#include <metis.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "datasets/random.h"
#include "gnn/parallel.h"
#include "runtime/error.h"

namespace graphmini::gnn {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// The per-thread map from global to local ids, sized for `nodes` and all kNone between uses.
std::vector<std::uint32_t>& local_map(
    tbb::enumerable_thread_specific<std::vector<std::uint32_t>>& maps, std::size_t nodes) {
  std::vector<std::uint32_t>& map = maps.local();
  if (map.size() != nodes) map.assign(nodes, kNone);
  return map;
}

// Replaces the global ids in sources by local ids, appending first-seen nodes to `nodes`
// (whose entries so far are in `map` already), in edge order.
void localize(std::vector<std::uint32_t>& sources, std::vector<std::uint32_t>& nodes,
              std::vector<std::uint32_t>& map) {
  for (std::uint32_t& s : sources) {
    if (map[s] == kNone) {
      map[s] = static_cast<std::uint32_t>(nodes.size());
      nodes.push_back(s);
    }
    s = map[s];
  }
}

// Enters nodes[0 ..) into map as local ids; throws (leaving map clear) on a repeated node.
void enter(std::span<const std::uint32_t> nodes, std::vector<std::uint32_t>& map,
           const char* what) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i] >= map.size() || map[nodes[i]] != kNone) {
      for (std::size_t j = 0; j < i; ++j)
        map[nodes[j]] = kNone;
      throw InvalidArgument(std::string(what) + " node " + std::to_string(nodes[i]) +
                            (nodes[i] >= map.size() ? " is not in the graph" : " appears twice"));
    }
    map[nodes[i]] = static_cast<std::uint32_t>(i);
  }
}

void clear(std::span<const std::uint32_t> nodes, std::vector<std::uint32_t>& map) {
  for (const std::uint32_t v : nodes)
    map[v] = kNone;
}

}  // namespace

std::vector<const Block*> MiniBatch::layer_blocks(std::size_t layers) const {
  std::vector<const Block*> result(layers, blocks.empty() ? nullptr : &blocks.front());
  if (blocks.size() != 1) {
    if (blocks.size() != layers)
      throw InvalidArgument("a batch of " + std::to_string(blocks.size()) + " blocks for " +
                            std::to_string(layers) + " layers");
    for (std::size_t i = 0; i < layers; ++i)
      result[i] = &blocks[i];
  }
  return result;
}

std::uint64_t MiniBatch::num_edges() const {
  std::uint64_t edges = 0;
  for (const Block& b : blocks)
    edges += b.num_edges();
  return edges;
}

// ---- Neighbour sampling -----------------------------------------------------------------------

NeighborSampler::NeighborSampler(const Graph& graph, std::vector<std::uint32_t> fanouts,
                                 bool self_loops, std::uint64_t seed)
    : graph_(graph), fanouts_(std::move(fanouts)), self_loops_(self_loops), seed_(seed) {
  if (fanouts_.empty()) throw InvalidArgument("neighbour sampling needs a fanout per layer");
  for (const std::uint32_t f : fanouts_) {
    if (f == 0) throw InvalidArgument("fanouts must be positive");
  }
}

MiniBatch NeighborSampler::sample(std::span<const std::uint32_t> seeds,
                                  std::uint64_t stream) const {
  if (seeds.empty()) throw InvalidArgument("a batch needs seed nodes");
  MiniBatch batch;
  batch.output_nodes.assign(seeds.begin(), seeds.end());
  std::vector<std::uint32_t> nodes = batch.output_nodes;
  const std::uint64_t key = datasets::splitmix64(seed_, stream);
  for (std::size_t hop = 0; hop < fanouts_.size(); ++hop)
    batch.blocks.push_back(sample_hop(hop, nodes, key));
  std::reverse(batch.blocks.begin(), batch.blocks.end());
  batch.input_nodes = std::move(nodes);
  return batch;
}

Block NeighborSampler::sample_hop(std::size_t hop, std::vector<std::uint32_t>& nodes,
                                  std::uint64_t key) const {
  std::vector<std::uint32_t>& map = local_map(local_ids_, graph_.num_vertices());
  const std::size_t num_dst = nodes.size();
  enter(nodes, map, "seed");
  const std::uint32_t fanout = fanouts_[hop];
  std::vector<std::uint64_t> offsets(num_dst + 1, 0);
  for (std::size_t d = 0; d < num_dst; ++d) {
    const std::size_t degree = graph_.neighbours(nodes[d]).size();
    offsets[d + 1] = offsets[d] + std::min<std::size_t>(degree, fanout);
  }
  std::vector<std::uint32_t> sources(offsets.back());
  const std::uint64_t hop_key = datasets::splitmix64(key, hop);
  // Isolated: a thread waiting for this loop must not start another batch meanwhile, which
  // would take the same thread's id map while this batch's entries are in it.
  tbb::this_task_arena::isolate([&] {
    for_each_row(num_dst, 4 * fanout, [&](std::size_t d) {
      const std::uint32_t v = nodes[d];
      const std::span<const VertexId> neighbours = graph_.neighbours(v);
      std::uint32_t* out = sources.data() + offsets[d];
      if (neighbours.size() <= fanout) {
        std::copy(neighbours.begin(), neighbours.end(), out);
        return;
      }
      // Floyd's algorithm (Bentley, CACM 1987): `fanout` distinct positions, uniformly, then
      // in increasing order so that the sources keep the adjacency order.
      datasets::RandomDraws random(datasets::splitmix64(hop_key, v));
      std::uint32_t* picked = out;  // positions, turned into ids below
      std::size_t count = 0;
      const auto n = static_cast<std::uint32_t>(neighbours.size());
      for (std::uint32_t j = n - fanout; j < n; ++j) {
        const auto t = static_cast<std::uint32_t>(random.below(j + 1));
        const bool taken = std::find(picked, picked + count, t) != picked + count;
        picked[count++] = taken ? j : t;
      }
      std::sort(picked, picked + fanout);
      for (std::size_t i = 0; i < fanout; ++i)
        picked[i] = neighbours[picked[i]];
    });
  });
  localize(sources, nodes, map);
  clear(nodes, map);

  std::vector<float> dst_norm;
  std::vector<float> src_norm;
  if (self_loops_) {
    dst_norm.resize(num_dst);
    src_norm.resize(nodes.size());
    for (std::size_t s = 0; s < nodes.size(); ++s)
      src_norm[s] = 1.0f / std::sqrt(static_cast<float>(graph_.neighbours(nodes[s]).size() + 1));
    for (std::size_t d = 0; d < num_dst; ++d) {
      const auto sampled = static_cast<float>(offsets[d + 1] - offsets[d] + 1);
      const auto full = static_cast<float>(graph_.neighbours(nodes[d]).size() + 1);
      dst_norm[d] = sampled == full ? src_norm[d] : std::sqrt(full) / sampled;
    }
  }
  Block block(num_dst, nodes.size(), std::move(offsets), std::move(sources), std::move(dst_norm),
              std::move(src_norm), self_loops_);
  block.set_node_ids(nodes);
  return block;
}

// ---- Cluster sampling -------------------------------------------------------------------------

std::vector<std::uint32_t> partition_graph(const Graph& graph, std::size_t parts,
                                           std::uint64_t seed) {
  const std::size_t n = graph.num_vertices();
  if (parts == 0 || parts > n)
    throw InvalidArgument("cannot split " + std::to_string(n) + " nodes into " +
                          std::to_string(parts) + " parts");
  if (graph.adjacency().size() > static_cast<std::size_t>(std::numeric_limits<idx_t>::max()))
    throw InvalidArgument("graph too large for METIS's 32-bit indices");
  std::vector<idx_t> part(n, 0);
  if (parts > 1) {
    std::vector<idx_t> xadj(graph.offsets().begin(), graph.offsets().end());
    std::vector<idx_t> adjncy(graph.adjacency().begin(), graph.adjacency().end());
    idx_t vertices = static_cast<idx_t>(n);
    idx_t constraints = 1;
    idx_t count = static_cast<idx_t>(parts);
    idx_t cut = 0;
    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_SEED] = static_cast<idx_t>(seed & 0x7fffffff);
    const int status =
        METIS_PartGraphKway(&vertices, &constraints, xadj.data(), adjncy.data(), nullptr, nullptr,
                            nullptr, &count, nullptr, nullptr, options, &cut, part.data());
    if (status != METIS_OK)
      throw InvalidArgument("METIS could not partition the graph (status " +
                            std::to_string(status) + ")");
  }
  return {part.begin(), part.end()};
}

ClusterSampler::ClusterSampler(const Graph& graph, std::size_t clusters, bool self_loops,
                               std::uint64_t seed)
    : graph_(graph), self_loops_(self_loops) {
  const std::size_t n = graph.num_vertices();
  const std::vector<std::uint32_t> part = partition_graph(graph, clusters, seed);
  // Nodes grouped by cluster, increasing within each.
  cluster_offsets_.assign(clusters + 1, 0);
  for (const std::uint32_t p : part)
    ++cluster_offsets_[std::size_t{p} + 1];
  for (std::size_t c = 0; c < clusters; ++c)
    cluster_offsets_[c + 1] += cluster_offsets_[c];
  cluster_nodes_.resize(n);
  std::vector<std::uint64_t> next(cluster_offsets_.begin(), cluster_offsets_.end() - 1);
  for (std::size_t v = 0; v < n; ++v)
    cluster_nodes_[next[part[v]]++] = static_cast<std::uint32_t>(v);
}

MiniBatch ClusterSampler::sample(std::span<const std::uint32_t> clusters) const {
  MiniBatch batch;
  for (const std::uint32_t c : clusters) {
    if (c >= num_clusters())
      throw InvalidArgument("cluster " + std::to_string(c) + " of " +
                            std::to_string(num_clusters()));
    const std::span<const std::uint32_t> members = cluster(c);
    batch.output_nodes.insert(batch.output_nodes.end(), members.begin(), members.end());
  }
  const std::vector<std::uint32_t>& nodes = batch.output_nodes;
  if (nodes.empty()) throw InvalidArgument("a batch of empty clusters");
  std::vector<std::uint32_t>& map = local_map(local_ids_, graph_.num_vertices());
  enter(nodes, map, "cluster");
  std::vector<std::uint64_t> offsets(nodes.size() + 1, 0);
  std::vector<std::uint32_t> sources;
  for (std::size_t d = 0; d < nodes.size(); ++d) {
    for (const VertexId u : graph_.neighbours(nodes[d])) {
      if (map[u] != kNone) sources.push_back(u);
    }
    offsets[d + 1] = sources.size();
  }
  for (std::uint32_t& s : sources)
    s = map[s];
  clear(nodes, map);
  std::vector<float> norm;
  if (self_loops_) {  // the batch's own A + I, normalised (Chiang et al.)
    norm.resize(nodes.size());
    for (std::size_t d = 0; d < nodes.size(); ++d)
      norm[d] = 1.0f / std::sqrt(static_cast<float>(offsets[d + 1] - offsets[d] + 1));
  }
  batch.blocks.emplace_back(nodes.size(), nodes.size(), std::move(offsets), std::move(sources),
                            norm, norm, self_loops_);
  batch.blocks.back().set_node_ids(nodes);
  batch.input_nodes = nodes;
  return batch;
}

}  // namespace graphmini::gnn
