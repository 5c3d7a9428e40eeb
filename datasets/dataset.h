// A dataset for GNN work: a graph and the per-vertex data that goes with it.
#pragma once

#include <string>

#include "runtime/graph.h"
#include "runtime/node_data.h"

namespace graphmini::datasets {

struct Dataset {
  std::string name;
  Graph graph;  // undirected, isolated vertices kept: vertex i is row i of `nodes`
  NodeData nodes;
};

}  // namespace graphmini::datasets
