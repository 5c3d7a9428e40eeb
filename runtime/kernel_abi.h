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

// The number of members of a sorted list below v: v's index when the list contains it.
inline usize position(Span list, u32 v) {
  usize low = 0, high = list.size;
  while (low < high) {
    const usize middle = low + (high - low) / 2;
    if (list.data[middle] < v) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

// The part of a sorted list with low <= v < high.
inline Span clip(Span list, u32 low, u32 high) {
  const usize begin = position(list, low);
  const Span rest = {list.data + begin, list.size - begin};
  // No vertex has the largest id, so that bound keeps the rest as it is.
  return {rest.data, high == 0xffffffffu ? rest.size : position(rest, high)};
}

struct Task;

// An auxiliary pruned graph (a minigraph): for every member u of `rows`, the list
// N(u) & domain, so that deeper loops intersect with (or subtract) the short list instead of
// u's whole neighbour list. The rows are often the domain itself. Built by
// Runtime::build_minigraph in the task's memory slot `slot`, from the lists of `parent` (a
// minigraph whose domain and rows contain this one's) when there is one. An online minigraph
// starts with every list unbuilt (data null) and prunes a list the first time it is read
// (minigraph_list). When every reader of u's list keeps only ids above u, `above` is set and
// the lists keep only those.
struct Minigraph {
  Span domain;
  Span rows;
  Span* lists;
  Minigraph* parent;
  int slot;
  bool above;
};

// The runtime's vertex-set operations (runtime/vertex_set.h), minigraphs and the listing sink.
struct Runtime {
  usize (*intersect)(Span a, Span b, u32* out);
  usize (*intersect_count)(Span a, Span b);
  usize (*difference)(Span a, Span b, u32* out);
  usize (*difference_count)(Span a, Span b);
  bool (*contains)(Span list, u32 v);
  // Allocates m->lists for m->rows in m->slot (dropping what the slot held before) and,
  // when `eager`, prunes every list; otherwise marks them unbuilt.
  void (*build_minigraph)(const Graph* graph, Task* task, Minigraph* m, bool eager);
  // Prunes and returns list i of m (online minigraphs).
  Span (*prune_list)(const Graph* graph, Task* task, Minigraph* m, usize i);
  // Called with match[pattern vertex] for every match when listing; false stops the run.
  bool (*emit)(void* host, const u32* match);
  // Polled at level 1: whether the run must stop (Ctrl-C, time limit).
  bool (*stopping)(void* host);
};

// What a profiling kernel (compiler/codegen.h's KernelKind::profile) adds up, per task, for
// `graphmini explain --analyze` (compiler/profile.h): counters by level, by set and by
// minigraph, sized by the plan and owned by the host, and the level whose body the task runs
// now, which the host's sampling timer reads on the task's thread.
struct Profile {
  u64* iterations;    // by level: how often its body ran (the last level: matches counted)
  u64* computations;  // by set: how often it was computed
  u64* members;       // by set: its sizes added up (a counted set's counts)
  u64* probes;        // by set held in a bitmap: the ids tested against it
  u64* list_reads;    // by minigraph: lists read
  u64* list_misses;   // by minigraph: lists read before they were pruned (online)
  u64* builds;        // by minigraph, added by the host: times built, lists pruned
  u64* lists_pruned;
  u64* samples;        // by level + 1: timer samples taken while it ran (0: outside)
  volatile int level;  // -1 outside the kernel
};

// One task's working memory, owned by the host: `buffers` holds one array per hoisted set
// of the plan plus two scratch arrays, each as long as the largest degree; `minigraphs` is
// the host's storage for the plan's minigraph slots.
struct Task {
  u32** buffers;
  // One bitmap per set with a bitmap, ceil(num_vertices / 64) words each, all clear between
  // kernel calls (a kernel clears what it marks).
  u64** bitmaps;
  void* minigraphs;
  void* host;        // passed back to emit and stopping
  bool halted;       // set by the kernel when emit returned false or stopping returned true
  Profile* profile;  // what a profiling kernel adds to; null for the others
};

// The set operations kernels call. Very short lists are merged inline (a call through the table
// costs more than the merge); longer ones go to the runtime's SIMD and galloping code. The
// inline merge is one step per element of either list, each waiting on the last, so the block
// merge is faster from about 12 elements in all (2+10 and 4+8 inline, 6+8 or 2+16 not).
inline constexpr usize kInlineMerge = 12;  // combined length merged inline

inline usize intersect(const Runtime* rt, Span a, Span b, u32* out) {
  if (a.size + b.size > kInlineMerge) return rt->intersect(a, b, out);
  usize i = 0, j = 0, n = 0;
  while (i < a.size && j < b.size) {
    const u32 x = a.data[i], y = b.data[j];
    out[n] = x;
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  return n;
}

inline usize intersect_count(const Runtime* rt, Span a, Span b) {
  if (a.size + b.size > kInlineMerge) return rt->intersect_count(a, b);
  usize i = 0, j = 0, n = 0;
  while (i < a.size && j < b.size) {
    const u32 x = a.data[i], y = b.data[j];
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  return n;
}

inline usize difference(const Runtime* rt, Span a, Span b, u32* out) {
  if (a.size + b.size > kInlineMerge) return rt->difference(a, b, out);
  usize i = 0, j = 0, n = 0;
  while (i < a.size) {
    const u32 x = a.data[i];
    while (j < b.size && b.data[j] < x)
      ++j;
    out[n] = x;
    n += j == b.size || b.data[j] != x;
    ++i;
  }
  return n;
}

inline usize difference_count(const Runtime* rt, Span a, Span b) {
  if (a.size + b.size > kInlineMerge) return rt->difference_count(a, b);
  return a.size - intersect_count(rt, a, b);
}

// Membership bitmaps (Task::bitmaps).
inline void mark(u64* bitmap, Span set) {
  for (usize i = 0; i < set.size; ++i)
    bitmap[set.data[i] >> 6] |= u64{1} << (set.data[i] & 63);
}

// Clears the bitmap that holds exactly `set`.
inline void unmark(u64* bitmap, Span set) {
  for (usize i = 0; i < set.size; ++i)
    bitmap[set.data[i] >> 6] = 0;
}

// The members of `list` set in the bitmap.
inline usize count_marked(const u64* bitmap, Span list) {
  usize n = 0;
  for (usize i = 0; i < list.size; ++i)
    n += (bitmap[list.data[i] >> 6] >> (list.data[i] & 63)) & 1;
  return n;
}

// List i of minigraph m, pruned now if it is not yet.
inline Span minigraph_list(const Graph* graph, const Runtime* rt, Task* task, Minigraph* m,
                           usize i) {
  const Span list = m->lists[i];
  return list.data != nullptr ? list : rt->prune_list(graph, task, m, i);
}

// Counts (or lists) the matches whose level-0 vertex is v0 and whose level-1 vertex is the
// i-th level-1 candidate, first <= i < last (the host splits hubs into index ranges).
using KernelFunction = u64 (*)(const Graph* graph, const Runtime* runtime, Task* task, u32 v0,
                               u32 first, u32 last);

inline constexpr const char* kKernelSymbol = "graphmini_kernel";

}  // namespace graphmini::kernel
