// The outer loop that every engine runs (the interpreter and the kernel runner): the level-0
// vertices, in parallel with oneTBB, in this process alone or spread over the ranks of a
// cluster (runtime/cluster.h).
//
// In one process it is one parallel loop over [0, n), as it always was. Over K > 1 ranks the
// vertices form one task space that every rank takes chunks from, dynamically, through a
// counter on rank 0 (MPI_Fetch_and_op; runtime/cluster_mpi.cc says why one-sided). Within a
// rank, oneTBB splits each chunk over the threads (and a hub's subtree further, as always).
//
//  * Order: hubs first. Graphs are relabelled by ascending degree, so the space runs from the
//    highest id down: the longest tasks start first and the short ones fill the tail, and no
//    rank is left alone with a hub at the end (longest-processing-time-first scheduling).
//  * Size: the space is measured in work units, deg(v)^2 + 1 for vertex v (a vertex's two
//    outer loops), not in vertices, so that a chunk of hubs and a chunk of leaves cost about
//    the same. Chunks are guided: each takes 1/(2K) of the work left (as this rank last saw
//    it), at least 1/(256K) of the whole, so there are O(K log K) fetches in all and the tail
//    is fine-grained.
//  * Exactness: a vertex belongs to the chunk that holds its first unit, so every vertex is
//    taken exactly once whatever the chunk boundaries.
//
// Measured (wiki-Vote, 1 thread per rank, the busiest rank's CPU seconds; one process: P7
// edge-induced 31.6 s, P5 vertex-induced 23.0 s):
//
//                                      P7 edge K=8   K=16      P5 vertex K=8   K=16
//    static: K equal vertex ranges       26.5 s     21.0 s         19.9 s     18.1 s
//    guided over vertices, hubs first    21.8 s     13.7 s         19.2 s     14.4 s
//    fixed chunks of 1/(256K) units       3.82 s     1.90 s         2.78 s     1.48 s
//    guided over units (this)             3.71 s     1.83 s         3.08 s     1.63 s
//
// Counting vertices, a chunk of hubs is most of the work (the first chunks hold it all);
// units fix that. Fixed small chunks balance as well but take 873 and 1,226 fetches against
// this scheme's 25 to 86; a fetch costs 8-60 us (runtime/cluster_mpi.cc), so the guided
// scheme keeps the counter's traffic O(K log K) as K and the graph grow.
//
// MPI is called only from the thread that runs the loop (between chunks), never from a task.
#pragma once

#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "compiler/interpreter.h"
#include "runtime/cluster.h"
#include "runtime/graph.h"

namespace graphmini::level0 {

// The distributed task space of one run (collective to construct: it creates the counter).
class Chunks {
 public:
  Chunks(const Graph& graph, Cluster& cluster)
      : n_(graph.num_vertices()), ranks_(static_cast<std::uint64_t>(cluster.size())) {
    // prefix_[p]: the units before position p; position p is vertex n - 1 - p.
    prefix_.resize(static_cast<std::size_t>(n_) + 1, 0);
    for (VertexId p = 0; p < n_; ++p) {
      const std::uint64_t degree = graph.degree(n_ - 1 - p);
      prefix_[p + 1] = prefix_[p] + degree * degree + 1;
    }
    total_ = prefix_.back();
    smallest_ = std::max<std::uint64_t>(1, total_ / (256 * ranks_));
    counter_ = cluster.shared_counter();
  }

  // The next chunk as a vertex range [first, last), or false when the space is used up.
  bool next(VertexId& first, VertexId& last) {
    while (seen_ < total_) {
      const std::uint64_t size = std::max(smallest_, (total_ - seen_) / (2 * ranks_));
      const std::uint64_t start = counter_->fetch_add(size);
      seen_ = std::min(total_, start + size);
      if (start >= total_) break;
      // The positions whose first unit lies in [start, start + size).
      const auto begin = std::lower_bound(prefix_.begin(), prefix_.end() - 1, start);
      const auto end = std::lower_bound(prefix_.begin(), prefix_.end() - 1, start + size);
      if (begin == end) continue;  // inside one vertex's units: that vertex is elsewhere
      first = n_ - static_cast<VertexId>(end - prefix_.begin());
      last = n_ - static_cast<VertexId>(begin - prefix_.begin());
      ++taken_;
      return true;
    }
    seen_ = total_;
    return false;
  }

  // The share of the space handed out to all ranks so far, as far as this rank knows.
  double handed_out() const { return total_ == 0 ? 1.0 : static_cast<double>(seen_) / total_; }
  std::uint64_t taken() const { return taken_; }

 private:
  VertexId n_;
  std::uint64_t ranks_;
  std::vector<std::uint64_t> prefix_;
  std::uint64_t total_ = 0;
  std::uint64_t smallest_ = 1;
  std::uint64_t seen_ = 0;   // the counter's value this rank last saw
  std::uint64_t taken_ = 0;  // chunks this rank took
  std::unique_ptr<SharedCounter> counter_;
};

// CPU seconds of all this process's threads so far.
inline double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs body(range) over the level-0 vertices: all of them in one process, this rank's chunks
// in a distributed run (options.cluster with more than one rank). Returns the chunks this
// rank took (0 in one process) and the CPU seconds spent running them: only the chunks, so
// that fetching the next one and waiting for the other ranks at the end do not count.
// Progress (options.progress) counts vertices done in one process, and the vertices' worth of
// the work handed out to every rank in a distributed run.
template <typename Body>
RunWork for_each_vertex(const Graph& graph, const RunOptions& options, const Body& body) {
  const VertexId n = graph.num_vertices();
  const auto run_range = [&](const tbb::blocked_range<VertexId>& range) {
    body(range);
    if (options.progress != nullptr &&
        (options.cluster == nullptr || !options.cluster->distributed()))
      *options.progress += range.size();
  };
  RunWork work;
  const auto timed = [&](VertexId first, VertexId last, VertexId grain) {
    const double cpu = process_cpu_seconds();
    tbb::parallel_for(tbb::blocked_range<VertexId>(first, last, grain), run_range);
    work.busy_seconds += process_cpu_seconds() - cpu;
  };
  if (options.cluster == nullptr || !options.cluster->distributed()) {
    timed(0, n, 16);
    return work;
  }
  Chunks chunks(graph, *options.cluster);
  VertexId first = 0;
  VertexId last = 0;
  while (!(options.stop != nullptr && options.stop->load()) &&
         (!options.between_chunks || options.between_chunks()) && chunks.next(first, last)) {
    if (options.progress != nullptr)
      options.progress->store(static_cast<std::uint64_t>(chunks.handed_out() * n));
    timed(first, last, 1);
  }
  work.chunks = chunks.taken();
  return work;
}

}  // namespace graphmini::level0
