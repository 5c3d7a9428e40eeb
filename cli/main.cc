// The graphmini command: argument parsing and printing only; all work is in the libraries.
//
// Exit codes: 0 success, 1 failure (bad or missing input, I/O, including output that could not
// be written: a full disk, a closed pipe), 2 usage error (bad command line, or an argument
// value the libraries reject as InvalidArgument), 128 + N after signal N (cli/signals.h).
// Every error is one line on stderr, with control characters in it escaped. Under mpirun only
// rank 0 prints (cli/collective.h), and every rank ends with the same code.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "cli/collective.h"
#include "cli/data_command.h"
#include "cli/gnn_command.h"
#include "cli/match_commands.h"
#include "cli/signals.h"
#include "runtime/build_info.h"
#include "runtime/cluster.h"
#include "runtime/error.h"

namespace {

constexpr int kFailure = 1;
constexpr int kUsageError = 2;

int fail(int code, const std::string& message) {
  graphmini::cli::yield_to_signal();
  if (graphmini::Cluster::get().is_root())
    std::fprintf(stderr, "graphmini: error: %s\n", graphmini::printable(message).c_str());
  return code;
}

// Standard output is buffered: a write that failed (a full disk, a closed pipe) shows only
// when the buffer is flushed, so every command ends by flushing and checking it.
int flush_standard_output() {
  if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return 0;
  return fail(kFailure, std::string("cannot write standard output: ") + std::strerror(errno));
}

// One line for a command-line error, naming the --help of the deepest command that was parsed.
std::string usage_message(const CLI::App& app, const CLI::ParseError& error) {
  std::string command = app.get_name();
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    command += " " + current->get_name();
  }
  std::string what = error.what();
  const std::vector<std::string> extras = current->remaining();
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && !extras.empty() &&
      what.starts_with("A subcommand is required")) {
    what = "unknown command " + graphmini::quote(extras.front());
  }
  return what + " (see '" + command + " --help')";
}

// Parses the command line and runs the command; returns the exit code.
int run(int argc, char** argv) {
  CLI::App app{
      "graphmini: subgraph counting and GNN training on one graph store.\n"
      "Run 'graphmini COMMAND --help' for the options of a command."};
  app.name("graphmini");
  app.set_version_flag(
      "--version", "graphmini " + graphmini::version() + " (" + graphmini::build_features() + ")");
  app.require_subcommand(1);
  graphmini::cli::add_data_command(app);
  graphmini::cli::add_match_commands(app);
  graphmini::cli::add_gnn_command(app);
  try {
    app.parse(argc, argv);
  } catch (const graphmini::FailedElsewhere& e) {
    return e.usage() ? kUsageError : kFailure;  // the root reports it
  } catch (const CLI::Success& e) {
    if (!graphmini::Cluster::get().is_root()) return 0;
    const int code = app.exit(e);  // --help, --version
    return code != 0 ? code : flush_standard_output();
  } catch (const CLI::ParseError& e) {
    return fail(kUsageError, usage_message(app, e));
  } catch (const graphmini::InvalidArgument& e) {
    return fail(kUsageError, e.what());
  } catch (const graphmini::Error& e) {
    return fail(kFailure, e.what());
  } catch (const std::bad_alloc&) {
    return fail(kFailure, "out of memory");
  } catch (const std::exception& e) {
    return fail(kFailure, e.what());
  }
  return flush_standard_output();
}

}  // namespace

int main(int argc, char** argv) {
  graphmini::cli::reserve_standard_descriptors();
  graphmini::Cluster* cluster = nullptr;
  try {
    cluster = &graphmini::Cluster::start(argc, argv);
  } catch (const graphmini::Error& e) {
    return fail(kFailure, e.what());
  }
  graphmini::cli::handle_termination_signals(*cluster);
  const int code = run(argc, argv);
  graphmini::cli::ending(code);
  cluster->finish();
  return code;
}
