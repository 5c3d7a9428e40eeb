// Runs this build's graphmini executable (GRAPHMINI_CLI) and captures what it prints.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "support/test_support.h"

namespace graphmini::testing {

struct CliResult {
  int exit_code;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  // `environment`: variable assignments for the command, e.g. "XDG_CACHE_HOME=/tmp/x".
  CliResult run(const std::string& arguments, const std::string& environment = "") const {
    const auto out = scratch_ / "stdout", err = scratch_ / "stderr";
    const std::string command = environment + " " + std::string(GRAPHMINI_CLI) + " " + arguments +
                                " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out), read_file(err)};
  }

  static int lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

  ScratchDir scratch_;
  ScratchDir files_;
};

}  // namespace graphmini::testing
