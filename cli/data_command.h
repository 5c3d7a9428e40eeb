// `graphmini data ...`: inspect, convert and generate graphs and datasets.
#pragma once

#include <CLI/CLI.hpp>

namespace graphmini::cli {

void add_data_command(CLI::App& app);

}  // namespace graphmini::cli
