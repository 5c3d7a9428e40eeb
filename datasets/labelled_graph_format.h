// GraMi / Peregrine ".lg" labelled graphs.
//
//   t # 0          optional graph header (at most one graph per file)
//   v <id> <label> one line per vertex, ids 0..n-1 in any order, labels unsigned integers
//   e <u> <v> [x]  one line per edge; the edge label x, if any, is ignored
//
// Read as an undirected labelled graph: symmetrised, self-loops and duplicates dropped,
// vertices without edges dropped (labels and original ids follow the kept vertices). An edge
// naming an undeclared vertex, a vertex declared twice or a malformed line is a ParseError
// with file and line.
#pragma once

#include <filesystem>

#include "datasets/text_input.h"
#include "runtime/graph.h"

namespace graphmini::datasets {

Graph read_labelled_graph(const std::filesystem::path& path);
Graph read_labelled_graph(TextInput& input);

}  // namespace graphmini::datasets
