// Summary statistics of a graph: what `graphmini data info` reports and what the pattern
// matching cost model starts from.
#pragma once

#include <cstdint>

#include "runtime/graph.h"

namespace graphmini {

struct DegreeStatistics {
  VertexId min = 0;
  VertexId max = 0;
  double mean = 0;
  double median = 0;
  double standard_deviation = 0;
};

// All zero for a graph without vertices. O(|V|) plus a selection for the median.
DegreeStatistics degree_statistics(const Graph& graph);

// Number of distinct vertex labels (0 for an unlabelled graph).
std::uint64_t count_distinct_labels(const Graph& graph);

}  // namespace graphmini
