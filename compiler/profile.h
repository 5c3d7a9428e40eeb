// Profiled runs, for `graphmini explain --analyze`: what a run actually did, level by level,
// set by set and minigraph by minigraph, beside what the cost model estimated.
//
// Counting. Every task of a run (the interpreter's contexts, the kernel runner's states) has a
// TaskProfile: counters that the task alone writes, added up into the RunProfile when the run
// ends, so nothing is shared while it runs. The interpreter counts as it goes; a compiled
// kernel counts when generated as KernelKind::profile (compiler/codegen.h), which keeps its
// counters in locals and adds them to the task's at the end, and the kernel runner counts
// the minigraphs it builds and prunes. The two engines count the same iterations and set sizes
// for one plan (only the compiled kernels build minigraphs).
//
// Time. While a profiled run runs, a LevelSampler samples the process's CPU time (SIGPROF every
// millisecond of it, which Linux delivers to a thread that is running): the signal handler
// reads the level that the interrupted thread's current task is at (kernel::Profile::level,
// set by the task at each loop level) and counts a sample there, or outside the kernels when
// the thread runs none (the scheduler, waiting for work). A sample costs a few microseconds.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/plan.h"
#include "runtime/kernel_abi.h"

namespace graphmini {

struct RunProfile {
  std::vector<std::uint64_t> iterations;    // by level (levels counted by inclusion-exclusion: 0)
  std::vector<std::uint64_t> computations;  // by set
  std::vector<std::uint64_t> members;       // by set
  std::vector<std::uint64_t> probes;        // by set held in a bitmap
  std::vector<std::uint64_t> builds;        // by minigraph
  std::vector<std::uint64_t> lists_pruned;  // by minigraph (a parent's too for its children)
  std::vector<std::uint64_t> list_reads;    // by minigraph
  std::vector<std::uint64_t> list_misses;   // by minigraph: read before being pruned
  // Timer samples by level + 1 (0: in a task but between its kernel calls); outside: on a
  // thread that ran no task of the run (scheduling, waiting for work).
  std::vector<std::uint64_t> samples;
  std::uint64_t outside_samples = 0;
  double sample_seconds = 0;  // CPU time between samples

  // Zeroed counters for `plan`.
  explicit RunProfile(const Plan& plan);
};

// One task's counters, and the kernel::Profile view of them that a profiling kernel writes.
class TaskProfile {
 public:
  explicit TaskProfile(const Plan& plan);
  TaskProfile(const TaskProfile&) = delete;
  TaskProfile& operator=(const TaskProfile&) = delete;

  kernel::Profile& view() { return view_; }
  void add_to(RunProfile& run) const;

 private:
  RunProfile counts_;
  kernel::Profile view_;
};

// Makes `profile` the one whose level this thread's samples read while this object lives,
// then restores the one before (a thread that waits in a nested parallel loop runs other
// tasks meanwhile). Null: samples of this thread count as outside.
class CurrentProfile {
 public:
  explicit CurrentProfile(kernel::Profile* profile);
  ~CurrentProfile();
  CurrentProfile(const CurrentProfile&) = delete;
  CurrentProfile& operator=(const CurrentProfile&) = delete;

 private:
  kernel::Profile* previous_;
};

// Samples the CPU time of the process into the current profiles of the interrupted threads
// while it lives (see the file comment); at the end adds the samples outside every task, and
// the sampling interval, to `run`. One at a time in a process (throws InvalidArgument for a
// second); it takes SIGPROF and ITIMER_PROF and gives them back as they were.
class LevelSampler {
 public:
  explicit LevelSampler(RunProfile& run);
  ~LevelSampler();
  LevelSampler(const LevelSampler&) = delete;
  LevelSampler& operator=(const LevelSampler&) = delete;

 private:
  RunProfile& run_;
  struct Saved;
  Saved* saved_;
};

}  // namespace graphmini
