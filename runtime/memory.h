// The memory of this machine, and refusing work that cannot fit in it.
//
// Sizes come from users (--scale 31 --edge-factor 1000, --nodes 4e9 --features 1e6); arrays
// that large would not fail cleanly: Linux overcommits, so the allocation succeeds and the
// process is killed when the pages are touched. Work whose size is known up front is checked
// against the machine's memory first, and refused with one line naming what it needs.
#pragma once

#include <cstdint>
#include <string>

namespace graphmini {

// Physical memory in bytes (0 when the system does not say).
std::uint64_t physical_memory_bytes();

// Throws Error (a failure of this machine, not a bad argument: the same request fits a larger
// one) when `bytes` to be allocated, with the `held` bytes the work keeps (a graph already
// loaded), exceed its physical memory:
// "WHAT needs about 96.0 GiB, more than the 23.4 GiB of memory of this machine", or when
// `bytes` alone exceed the address space that an address-space limit (ulimit -v) leaves to
// this process (what is held is mapped already).
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
