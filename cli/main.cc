// The graphmini command: argument parsing and printing only; all work is in the libraries.
#include <CLI/CLI.hpp>

#include "runtime/build_info.h"

int main(int argc, char** argv) {
  CLI::App app{"graphmini: subgraph counting and GNN training on one graph store"};
  app.set_version_flag("--version", graphmini::version());
  CLI11_PARSE(app, argc, argv);
  return 0;
}
