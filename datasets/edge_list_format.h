// Plain edge-list text: SNAP's format for reading, the same format for writing.
//
// Reading: one pair of vertex ids per line, separated by tabs or spaces; lines starting with
// '#' (or '%') are comments; blank lines are skipped; ids are arbitrary unsigned 64-bit
// numbers and are remapped to dense ids in increasing order (original ids are kept); files
// may be gzip-compressed. SNAP lists directed pairs; the graph is symmetrised, self-loops and
// duplicates are dropped, and vertices left without an edge are not counted. A line with one
// id, a non-numeric token, an id of more than 64 bits or a third token gives a ParseError
// naming the file and line. Chunks are parsed in parallel.
//
// Writing: a '#' header (vertices, edges), then each undirected edge once as "u<TAB>v" in the
// graph's original ids, written atomically.
#pragma once

#include <filesystem>

#include "datasets/text_input.h"
#include "runtime/graph.h"
#include "runtime/graph_builder.h"

namespace graphmini::datasets {

EdgeList read_edge_list(const std::filesystem::path& path);
EdgeList read_edge_list(TextInput& input);
Graph read_edge_list_graph(const std::filesystem::path& path);
Graph read_edge_list_graph(TextInput& input);

void write_edge_list(const Graph& graph, const std::filesystem::path& path);

}  // namespace graphmini::datasets
