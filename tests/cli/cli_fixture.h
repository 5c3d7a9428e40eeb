// Runs this build's graphmini executable (GRAPHMINI_CLI) and captures what it prints.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace graphmini::testing {

struct CliResult {
  int exit_code;
  std::string out;
  std::string err;
};

// The exit code as a shell reports it: 128 + N for a process ended by signal N.
inline int exit_code(int status) {
  return WIFEXITED(status)     ? WEXITSTATUS(status)
         : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                               : -1;
}

// A run whose peak memory was measured.
struct MeasuredResult {
  int exit_code;
  std::string err;
  std::uint64_t peak_rss_bytes;
};

// Whether this build runs under AddressSanitizer (which reserves terabytes of address space,
// so address-space limits cannot be set, and uses more memory).
constexpr bool kUnderAddressSanitizer =
#if defined(__SANITIZE_ADDRESS__)
    true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    true;
#else
    false;
#endif
#else
    false;
#endif

class CliTest : public ::testing::Test {
 protected:
  // `environment`: variable assignments for the command, e.g. "XDG_CACHE_HOME=/tmp/x".
  CliResult run(const std::string& arguments, const std::string& environment = "") const {
    const auto out = scratch_ / "stdout", err = scratch_ / "stderr";
    const std::string command = environment + " " + std::string(GRAPHMINI_CLI) + " " + arguments +
                                " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(command.c_str());
    return {exit_code(status), read_file(out), read_file(err)};
  }

  // Runs a bash script in the files_ folder, with $G naming this build's graphmini, for what
  // plain sh cannot say: pipes into process substitution, FIFOs, umask, ignored signals.
  CliResult script(const std::string& text) const {
    const auto path = scratch_.write("script.sh", "set -u\ncd '" + files_.path().string() +
                                                      "'\nG='" + GRAPHMINI_CLI + "'\n" + text);
    const auto out = scratch_ / "stdout", err = scratch_ / "stderr";
    const std::string command =
        "bash " + path.string() + " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(command.c_str());
    return {exit_code(status), read_file(out), read_file(err)};
  }

  // Runs graphmini with `arguments` (no shell), its standard input from `input`, and measures
  // its peak resident memory. Outside AddressSanitizer the address space is limited to
  // 4 GiB, so that a regression fails here instead of exhausting the machine.
  MeasuredResult run_measured(const std::vector<std::string>& arguments,
                              const std::string& input = "/dev/null") const {
    const auto err = scratch_ / "stderr";
    const pid_t child = ::fork();
    if (child == 0) {
      if (!kUnderAddressSanitizer) {
        const rlimit limit{std::uint64_t{4} << 30, std::uint64_t{4} << 30};
        ::setrlimit(RLIMIT_AS, &limit);
      }
      const int in = ::open(input.c_str(), O_RDONLY);
      const int out = ::open("/dev/null", O_WRONLY);
      const int error = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(error, 2);
      std::vector<char*> argv{const_cast<char*>(GRAPHMINI_CLI)};
      for (const std::string& argument : arguments)
        argv.push_back(const_cast<char*>(argument.c_str()));
      argv.push_back(nullptr);
      ::execv(GRAPHMINI_CLI, argv.data());
      ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(child, &status, 0, &usage);
    return {exit_code(status), read_file(err), static_cast<std::uint64_t>(usage.ru_maxrss) * 1024};
  }

  static int lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

  ScratchDir scratch_;
  ScratchDir files_;
};

}  // namespace graphmini::testing
