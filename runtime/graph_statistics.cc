#include "runtime/graph_statistics.h"

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace graphmini {

DegreeStatistics degree_statistics(const Graph& graph) {
  const VertexId n = graph.num_vertices();
  if (n == 0) return {};
  std::vector<VertexId> degrees(n);
  for (const VertexId v : graph.vertices())
    degrees[v] = graph.degree(v);
  // Sorting gives min, max and the median at once; the sums use doubles, which are exact
  // for any degree total below 2^53.
  tbb::parallel_sort(degrees.begin(), degrees.end());
  DegreeStatistics stats;
  stats.min = degrees.front();
  stats.max = degrees.back();
  stats.median =
      n % 2 == 1 ? degrees[n / 2] : (static_cast<double>(degrees[n / 2 - 1]) + degrees[n / 2]) / 2;
  stats.mean = static_cast<double>(graph.adjacency().size()) / n;
  double squares = 0;
  for (const VertexId d : degrees)
    squares += (d - stats.mean) * (d - stats.mean);
  stats.standard_deviation = std::sqrt(squares / n);
  return stats;
}

std::uint64_t count_distinct_labels(const Graph& graph) {
  std::vector<Label> labels(graph.labels().begin(), graph.labels().end());
  std::sort(labels.begin(), labels.end());
  return static_cast<std::uint64_t>(std::unique(labels.begin(), labels.end()) - labels.begin());
}

}  // namespace graphmini
