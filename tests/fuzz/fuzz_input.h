// Readers take paths, so each fuzz input is written to a file in memory-backed storage first.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "runtime/error.h"

namespace graphmini::fuzz {

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::path(std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") /
      ("graphmini-fuzz-" + std::to_string(::getpid()));
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

// Runs `read` on the input; graphmini::Error is the documented way to reject input, anything
// else (another exception, a crash, a sanitizer report) is a bug.
template <typename Read>
void expect_clean_rejection_or_success(const Read& read) {
  try {
    read();
  } catch (const graphmini::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace graphmini::fuzz
