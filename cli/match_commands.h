// `graphmini count|list|motifs|explain|verify`: subgraph counting and listing.
#pragma once

#include <CLI/CLI.hpp>

#include "runtime/error.h"

namespace graphmini::cli {

// A matching command stopped by Ctrl-C (exit code 130, as shells expect).
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

void add_match_commands(CLI::App& app);

}  // namespace graphmini::cli
