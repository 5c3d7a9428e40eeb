// A dataset for GNN work: a graph and the per-vertex data that goes with it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "runtime/graph.h"
#include "runtime/node_data.h"

namespace graphmini::datasets {

// What open_dataset reads of the node features: every row, or none until asked (full-graph
// training over MPI ranks reads its part's and its halo's rows only).
enum class FeatureLoading { all, on_demand };

// Feature rows read on demand, and the CRC-32 that the whole features have (features_crc).
struct FeatureRows {
  Features rows;
  std::uint32_t crc = 0;
};

struct Dataset {
  std::string name;
  Graph graph;  // undirected, isolated vertices kept: vertex i is row i of `nodes`
  NodeData nodes;
  // Set when the features are read on demand: `nodes.features` then has their columns and
  // layout but no rows, and this reads the rows of the given nodes (distinct, any order) in
  // that order. Every call reads the source again; a generated dataset generates only the
  // rows asked for, a file is parsed whole and cut.
  std::function<FeatureRows(std::span<const VertexId>)> read_features = nullptr;
};

}  // namespace graphmini::datasets
