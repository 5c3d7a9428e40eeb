// MatrixMarket coordinate files (.mtx, plain or gzip) read as graphs.
//
// Header "%%MatrixMarket matrix coordinate <pattern|real|integer> <general|symmetric>",
// '%' comment lines, a size line "rows cols entries" (rows == cols), then `entries` lines
// "i j [value]" with 1-based indices. Values are ignored; the matrix is read as an undirected
// graph (symmetrised, self-loops and duplicates dropped, isolated vertices dropped) whose
// original ids are the 1-based indices. Any deviation (array format, complex field, index out
// of range, fewer or more entries than declared) is a ParseError with file and line.
#pragma once

#include <filesystem>

#include "datasets/text_input.h"
#include "runtime/graph.h"

namespace graphmini::datasets {

Graph read_matrix_market_graph(const std::filesystem::path& path);
Graph read_matrix_market_graph(TextInput& input);

}  // namespace graphmini::datasets
