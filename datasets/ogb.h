// The OGB node-property prediction raw layout (ogbn-arxiv, ogbn-products, ...).
//
//   raw/edge.csv[.gz]          "src,dst" per line (0-based node ids), treated as undirected
//   raw/node-feat.csv[.gz]     one line per node, comma-separated floats, zeros included
//   raw/node-label.csv[.gz]    one class per line ("nan" or empty: no class)
//   raw/num-node-list.csv[.gz] optional: the node count (else: the feature line count)
//   split/<name>/{train,valid,test}.csv[.gz]  one node id per line
//
// Features are stored dense or sparse by their density (choose_feature_layout in
// runtime/node_data.h), whatever the file spells out. Isolated nodes are kept: node i is
// row i. The split folder is chosen by name; with no name the only one present is used
// (several: an InvalidArgument listing them). Errors name the file and line.
#pragma once

#include <filesystem>
#include <string>

#include "datasets/dataset.h"

namespace graphmini::datasets {

Dataset read_ogb(const std::filesystem::path& folder, const std::string& split_name = "");

// Writes a dataset in the same layout (plain .csv files, each written atomically), so that
// generated datasets can be read back by read_ogb and by other tools.
void write_ogb(const Dataset& dataset, const std::filesystem::path& folder,
               const std::string& split_name = "generated");

// True when the folder looks like the OGB raw layout (holds raw/edge.csv[.gz]).
bool is_ogb_folder(const std::filesystem::path& folder);

}  // namespace graphmini::datasets
