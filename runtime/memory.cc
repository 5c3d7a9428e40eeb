#include "runtime/memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string_view>

#include "runtime/error.h"

namespace graphmini {
namespace {

// "96.0 GiB", or "36 MiB" below a gibibyte.
std::string gibibytes(std::uint64_t bytes) {
  char text[32];
  if (bytes < (1u << 30)) {
    std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1u << 20));
  } else {
    std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1u << 30));
  }
  return text;
}

// A "Name:   N kB" field of /proc/self/status, in bytes.
std::uint64_t status_bytes(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size())) * 1024;
  }
  return 0;
}

}  // namespace

std::uint64_t peak_rss_bytes() {
  return status_bytes("VmHWM:");
}

std::uint64_t resident_bytes() {
  return status_bytes("VmRSS:");
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

void require_memory(std::uint64_t bytes, const std::string& what, std::uint64_t held) {
  const std::uint64_t physical = physical_memory_bytes();
  if (physical != 0 && bytes + held > physical) {
    throw Error(what + " needs about " + gibibytes(bytes + held) + ", more than the " +
                gibibytes(physical) + " of memory of this machine");
  }
  // An address-space limit counts what is mapped already (libraries, the held data).
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const std::uint64_t mapped = status_bytes("VmSize:");
  const std::uint64_t left = limit.rlim_cur > mapped ? limit.rlim_cur - mapped : 0;
  if (bytes > left) {
    throw Error(what + " needs about " + gibibytes(bytes) + ", more than the " + gibibytes(left) +
                " of address space left to this process (ulimit -v)");
  }
}

}  // namespace graphmini
