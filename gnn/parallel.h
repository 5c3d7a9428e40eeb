// Row-parallel loops of the GNN operators, on oneTBB.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>

namespace graphmini::gnn {

// Calls body(i) for every i in [0, rows), in parallel chunks of about 16K elements of work
// when each row costs `row_cost` of them. Rows must be independent of each other.
template <typename Body>
void for_each_row(std::size_t rows, std::size_t row_cost, const Body& body) {
  const std::size_t grain = std::max<std::size_t>(1, 16384 / std::max<std::size_t>(row_cost, 1));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows, grain),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        body(i);
                    });
}

}  // namespace graphmini::gnn
