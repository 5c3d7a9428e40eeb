// The plan interpreter: runs a Plan's loop nest directly on a Graph, in parallel.
//
// Level 0 is a oneTBB parallel loop over the vertices; a vertex whose level-1 candidate set
// is large (a hub) splits its own subtree into a nested parallel loop, so skewed degree
// distributions do not leave one thread with most of the work. Each task works in its own
// context (the bound vertices and one buffer per hoisted set), taken from a pool, so nested
// tasks that a thread picks up while it waits never share buffers with the task that waits.
// Counting never materialises the last level's candidate set; listing streams each match to
// a callback as soon as it is found.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "compiler/plan.h"
#include "runtime/graph.h"

namespace graphmini {

class Cluster;
struct RunProfile;

struct RunOptions {
  // Polled while running; when it becomes true the run stops early (Ctrl-C).
  const std::atomic<bool>* stop = nullptr;
  // When set, advanced by the number of level-0 vertices done, for progress reports (in a
  // distributed run: set to the vertices' worth of the work handed out to every rank).
  std::atomic<std::uint64_t>* progress = nullptr;
  // When set and of more than one rank, the run is spread over its ranks (compiler/level0.h):
  // every rank calls the same run on the same graph and plan, and counts its share. Called
  // from the thread that calls MPI.
  Cluster* cluster = nullptr;
  // Distributed runs: called between chunks by the thread that calls MPI; returning false
  // stops this rank's run (a listing's global --limit).
  std::function<bool()> between_chunks = {};
  // A vertex whose level-1 candidate set has more members than this runs its subtree as a
  // nested parallel loop.
  std::size_t nested_threshold = 256;
  // When set, the run adds what it did by level, set and minigraph, and samples of where its
  // time went, to this profile of the plan (compiler/profile.h): `graphmini explain
  // --analyze`. A compiled kernel must have been generated as KernelKind::profile.
  RunProfile* profile = nullptr;
};

// What this process did in a run (compiler/level0.h), for per-rank reports.
struct RunWork {
  std::uint64_t chunks = 0;  // chunks of level-0 vertices taken (distributed runs; 0 alone)
  double busy_seconds = 0;   // CPU seconds of all its threads in the kernels, waits excluded
};

struct RunResult {
  std::uint64_t count = 0;  // of this rank, in a distributed run
  bool stopped = false;     // stopped early: by RunOptions::stop or a callback returning false
  RunWork work;
};

// Counts the matches of plan.pattern (each subgraph once, by the plan's restrictions).
// Throws InvalidArgument when the pattern is labelled and the graph is not.
RunResult count_matches(const Graph& graph, const Plan& plan, const RunOptions& options = {});

// Calls on_match(match) for every match, where match[p] is the graph vertex bound to pattern
// vertex p. Called concurrently from several threads; returning false stops the run.
using MatchCallback = std::function<bool(std::span<const VertexId>)>;
RunResult list_matches(const Graph& graph, const Plan& plan, const MatchCallback& on_match,
                       const RunOptions& options = {});

// One level-1 candidate of a vertex (by index among them) in a sample of a run's work
// (level0::sample in compiler/level0.h), and what its counts stand for: the weight by which
// they are multiplied to estimate the whole run's.
struct SampledCandidate {
  VertexId vertex = 0;
  std::uint32_t index = 0;
  double weight = 1;
};

// What a profiled run counts (compiler/profile.h), as real numbers: iterations by level, and
// computations and members (sizes added up) by set; and for the minigraph cost model
// (compiler/prune.h), by level the degrees of the vertices bound there and their squares, by
// set the squares of its sizes, and by set and step what the step's runs merged, added up.
struct SampledCounts {
  struct Step {
    double runs = 0;
    double operands = 0;  // the sizes of the set it starts from
    double lists = 0;     // the sizes of the neighbour list (clipped to the set's bounds)
    double merges = 0;    // the comparisons of merging the two (merge_cost, compiler/prune.h)
  };
  std::vector<double> iterations;
  std::vector<double> computations;
  std::vector<double> members;
  std::vector<double> degrees;
  std::vector<double> degree_squares;
  std::vector<double> member_squares;
  std::vector<std::vector<Step>> steps;
  // The iterations of the levels that compute sets (all but the last and those counted by
  // inclusion-exclusion) in the sample itself, unweighted: what running it took.
  std::uint64_t work = 0;
};

// Runs `plan` on the sampled candidates alone, and returns their counts, each candidate's
// times its weight: an estimate of the whole run's counts (a vertex's level-0 work counts
// with the sample of its first candidate). Added up in the sample's order, so the estimate is
// the same with any number of threads and on every rank of a cluster. Stops as soon as
// the sample's work passes `budget`, within a candidate too, and returns nothing (whether it
// does is the same on every run).
std::optional<SampledCounts> count_sample(
    const Graph& graph, const Plan& plan, std::span<const SampledCandidate> sample,
    std::uint64_t budget = std::numeric_limits<std::uint64_t>::max());

}  // namespace graphmini
