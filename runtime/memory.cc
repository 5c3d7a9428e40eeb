#include "runtime/memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

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

// A path field of /proc/self/mountinfo, whose spaces, tabs, newlines and backslashes are
// written as octal escapes (\040).
std::string unescape_octal(std::string_view text) {
  std::string path;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto octal = [&](std::size_t at) { return text[at] >= '0' && text[at] <= '7'; };
    if (text[i] == '\\' && i + 3 < text.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      path += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                (text[i + 3] - '0'));
      i += 3;
    } else {
      path += text[i];
    }
  }
  return path;
}

// Whether the comma-separated `list` holds `item` ("rw,memory" holds "memory").
bool contains_item(std::string_view list, std::string_view item) {
  return ("," + std::string(list) + ",").find("," + std::string(item) + ",") != std::string::npos;
}

// A mounted cgroup hierarchy that can limit memory: cgroup v2's (version 2), or cgroup v1's
// with the memory controller (version 1).
struct CgroupMount {
  int version = 0;
  std::string root;  // the cgroup that the mount shows at its mount point
  std::filesystem::path point;
};

std::vector<CgroupMount> memory_cgroup_mounts(const std::filesystem::path& mountinfo) {
  std::vector<CgroupMount> mounts;
  std::ifstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER_OPTIONS
    std::istringstream fields(line);
    std::vector<std::string> field;
    for (std::string word; fields >> word;)
      field.push_back(word);
    const auto dash = std::find(field.begin(), field.end(), "-");
    if (field.size() < 5 || dash == field.end() || field.end() - dash < 4) continue;
    const std::string& type = dash[1];
    const int version = type == "cgroup2"                                      ? 2
                        : type == "cgroup" && contains_item(dash[3], "memory") ? 1
                                                                               : 0;
    if (version != 0)
      mounts.push_back({version, unescape_octal(field[3]), unescape_octal(field[4])});
  }
  return mounts;
}

// The process's cgroup in each hierarchy of /proc/self/cgroup ("ID:CONTROLLERS:PATH"): v2's
// is the line with ID 0 and no controllers, v1's memory cgroup the line naming "memory".
std::optional<std::string> cgroup_path(const std::filesystem::path& cgroup, int version) {
  std::ifstream in(cgroup);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    if (version == 2 ? line.substr(0, first) == "0" && controllers.empty()
                     : contains_item(controllers, "memory"))
      return line.substr(second + 1);
  }
  return std::nullopt;
}

// A limit file's value in bytes; nullopt for no limit (v2 writes "max", v1 the largest
// multiple of the page size below 2^63) and for a file that is absent or unreadable.
std::optional<std::uint64_t> limit_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  std::uint64_t bytes = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (bytes >= (std::uint64_t{1} << 62)) return std::nullopt;
  return bytes;
}

}  // namespace

std::optional<CgroupMemoryLimit> cgroup_memory_limit(const std::filesystem::path& proc_self) {
  std::optional<CgroupMemoryLimit> least;
  for (const CgroupMount& mount : memory_cgroup_mounts(proc_self / "mountinfo")) {
    const std::optional<std::string> path = cgroup_path(proc_self / "cgroup", mount.version);
    if (!path) continue;
    // The cgroup below the mount's root; a cgroup outside it is not visible here.
    std::string below;
    if (mount.root == "/") {
      below = *path;
    } else if (*path == mount.root || path->starts_with(mount.root + "/")) {
      below = path->substr(mount.root.size());
    } else {
      continue;
    }
    const char* name = mount.version == 2 ? "memory.max" : "memory.limit_in_bytes";
    // Every ancestor's limit applies, up to the mount point.
    const std::filesystem::path top = mount.point.lexically_normal();
    const std::filesystem::path relative = std::filesystem::path(below).relative_path();
    std::filesystem::path folder = relative.empty() ? top : (top / relative).lexically_normal();
    for (;;) {
      const std::filesystem::path file = folder / name;
      const std::optional<std::uint64_t> bytes = limit_in(file);
      if (bytes && (!least || *bytes < least->bytes)) least = CgroupMemoryLimit{*bytes, file};
      if (folder == top || !folder.has_relative_path()) break;
      folder = folder.parent_path();
    }
  }
  return least;
}

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
  const std::optional<CgroupMemoryLimit> cgroup = cgroup_memory_limit();
  if (cgroup && (physical == 0 || cgroup->bytes < physical) && bytes + held > cgroup->bytes) {
    throw Error(what + " needs about " + gibibytes(bytes + held) + ", more than the " +
                gibibytes(cgroup->bytes) + " memory limit of this process's cgroup (" +
                cgroup->file.string() + ")");
  }
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
