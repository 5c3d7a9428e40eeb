// The memory of this machine, and refusing work that cannot fit in it.
//
// Sizes come from users (--scale 31 --edge-factor 1000, --nodes 4e9 --features 1e6); arrays
// that large would not fail cleanly: Linux overcommits, so the allocation succeeds and the
// process is killed when the pages are touched. Work whose size is known up front is checked
// against the machine's memory first, and refused with one line naming what it needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace graphmini {

// Physical memory in bytes (0 when the system does not say).
std::uint64_t physical_memory_bytes();

// The memory limit of the control group this process runs in (a container's, a systemd
// service's): the least limit over its cgroup and that cgroup's ancestors, read from cgroup
// v2's memory.max and v1's memory.limit_in_bytes files, with the file that sets it; nullopt
// when none is set. `proc_self` holds the "cgroup" and "mountinfo" files that say where the
// cgroup is (a folder other than /proc/self for tests).
struct CgroupMemoryLimit {
  std::uint64_t bytes = 0;
  std::filesystem::path file;
};
std::optional<CgroupMemoryLimit> cgroup_memory_limit(
    const std::filesystem::path& proc_self = "/proc/self");

// Throws Error (a failure of this machine, not a bad argument: the same request fits a larger
// one) when `bytes` to be allocated, with the `held` bytes the work keeps (a graph already
// loaded), exceed its physical memory:
// "WHAT needs about 96.0 GiB, more than the 23.4 GiB of memory of this machine", or the memory
// limit of this process's cgroup where that is lower:
// "WHAT needs about 96.0 GiB, more than the 8.0 GiB memory limit of this process's cgroup
// (FILE)", or when `bytes` alone exceed the address space that an address-space limit
// (ulimit -v) leaves to this process (what is held is mapped already). Linux would kill the
// process for the first two once it touched the pages, and refuse the allocation for the
// third.
void require_memory(std::uint64_t bytes, const std::string& what, std::uint64_t held = 0);

// The process's peak resident set size in bytes (VmHWM), and its resident set now (VmRSS).
// Before a dataset is loaded the resident set is the process's fixed footprint (code of the
// linked libraries, allocator and thread pools), which dominates on small graphs.
std::uint64_t peak_rss_bytes();
std::uint64_t resident_bytes();
// Starts a new peak: the peak resident set becomes the resident set now (Linux's
// /proc/self/clear_refs; nothing happens where that is refused).
void reset_peak_rss();

}  // namespace graphmini
