// The interface between the runtime and generated kernels (compiler/codegen.h).
//
// Generated code includes this header and nothing else, so compiling it in process needs no
// system or standard-library headers and takes a few tens of milliseconds. Everything a
// kernel needs from the runtime comes through the Runtime table of function pointers (the
// SIMD set operations, the listing sink), filled by the host; the kernel itself is plain
// loops over spans.
#pragma once

namespace graphmini::kernel {

using u32 = unsigned int;
using u64 = unsigned long;  // std::uint64_t on the LP64 hosts the JIT targets
using usize = decltype(sizeof 0);

// A sorted list of vertex ids.
struct Span {
  const u32* data;
  usize size;
};

// The CSR arrays of a runtime Graph.
struct Graph {
  const u64* offsets;
  const u32* neighbours;
  const u32* labels;  // null when the graph is unlabelled
  u32 vertices;
};

inline u32 min_u32(u32 a, u32 b) {
  return a < b ? a : b;
}
inline u32 max_u32(u32 a, u32 b) {
  return a < b ? b : a;
}

inline Span neighbours(const Graph* graph, u32 v) {
  return {graph->neighbours + graph->offsets[v],
          static_cast<usize>(graph->offsets[v + 1] - graph->offsets[v])};
}

// The runtime's vertex-set operations (runtime/vertex_set.h) and the listing sink.
struct Runtime {
  usize (*intersect)(Span a, Span b, u32* out);
  usize (*intersect_count)(Span a, Span b);
  usize (*difference)(Span a, Span b, u32* out);
  usize (*difference_count)(Span a, Span b);
  bool (*contains)(Span list, u32 v);
  Span (*clip)(Span list, u32 low, u32 high);
  // Called with match[pattern vertex] for every match when listing; false stops the run.
  bool (*emit)(void* host, const u32* match);
  // Polled at level 1: whether the run must stop (Ctrl-C, time limit).
  bool (*stopping)(void* host);
};

// One task's working memory, owned by the host: `buffers` holds one array per hoisted set
// of the plan plus two scratch arrays, each as long as the largest degree.
struct Task {
  u32** buffers;
  void* host;   // passed back to emit and stopping
  bool halted;  // set by the kernel when emit returned false or stopping returned true
};

// Counts (or lists) the matches whose level-0 vertex is v0 and whose level-1 vertex is the
// i-th level-1 candidate, first <= i < last (the host splits hubs into index ranges).
using KernelFunction = u64 (*)(const Graph* graph, const Runtime* runtime, Task* task, u32 v0,
                               u32 first, u32 last);

inline constexpr const char* kKernelSymbol = "graphmini_kernel";

}  // namespace graphmini::kernel
