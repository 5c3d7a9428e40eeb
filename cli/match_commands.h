// `graphmini count|list|motifs|explain|verify`: subgraph counting and listing.
#pragma once

#include <CLI/CLI.hpp>

namespace graphmini::cli {

void add_match_commands(CLI::App& app);

}  // namespace graphmini::cli
