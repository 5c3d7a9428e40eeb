// The `gnn` command group: GNN training.
#pragma once

#include <CLI/CLI.hpp>

namespace graphmini::cli {

void add_gnn_command(CLI::App& app);

}  // namespace graphmini::cli
