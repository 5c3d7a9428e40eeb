// Readers take paths, so each fuzz input is written to a file in memory-backed storage first.
// Readers of several files (a LINQS or OGB folder) take one input cut into parts at
// kPartSeparator lines.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"

namespace graphmini::fuzz {

inline constexpr std::string_view kPartSeparator = "\n=====\n";

// A folder of this process's own in memory-backed storage, made once.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    const std::filesystem::path path =
        std::filesystem::path(std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") /
        ("graphmini-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return folder;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size())
    std::abort();
  std::fclose(file);
}

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size) {
  const auto path = scratch_folder() / "input";
  write_file(path, std::string_view(reinterpret_cast<const char*>(data), size));
  return path;
}

// The input cut at kPartSeparator into `count` parts (the last ones empty when it has fewer).
inline std::vector<std::string_view> parts(const std::uint8_t* data, std::size_t size,
                                           std::size_t count) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> result;
  while (result.size() + 1 < count) {
    const auto at = rest.find(kPartSeparator);
    if (at == std::string_view::npos) break;
    result.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kPartSeparator.size());
  }
  result.push_back(rest);
  result.resize(count);
  return result;
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
