// The graphmini command: argument parsing and printing only; all work is in the libraries.
//
// Exit codes: 0 success, 1 failure (bad or missing input, I/O), 2 usage error (bad command
// line, or an argument value the libraries reject as InvalidArgument). Every error is one
// line on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "cli/data_command.h"
#include "cli/gnn_command.h"
#include "cli/match_commands.h"
#include "runtime/build_info.h"
#include "runtime/error.h"

namespace {

constexpr int kFailure = 1;
constexpr int kUsageError = 2;
constexpr int kInterrupted = 130;

int fail(const char* message) {
  std::fprintf(stderr, "graphmini: error: %s\n", message);
  return kFailure;
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
    what = "unknown command '" + extras.front() + "'";
  }
  return what + " (see '" + command + " --help')";
}

}  // namespace

int main(int argc, char** argv) {
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
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "graphmini: error: %s\n", usage_message(app, e).c_str());
    return kUsageError;
  } catch (const graphmini::InvalidArgument& e) {
    std::fprintf(stderr, "graphmini: error: %s\n", e.what());
    return kUsageError;
  } catch (const graphmini::cli::Interrupted& e) {
    std::fprintf(stderr, "graphmini: %s\n", e.what());
    return kInterrupted;
  } catch (const graphmini::Error& e) {
    return fail(e.what());
  } catch (const std::bad_alloc&) {
    return fail("out of memory");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}
