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
//    the same. Chunks are guided: each takes 1/(8K) of the work left (as this rank last saw
//    it), at least 1/(256K) of the whole, so there are O(K log K) fetches in all and the tail
//    is fine-grained.
//  * Hubs are split between ranks: each of a vertex's level-1 candidates owns deg(v) of its
//    units, so a chunk that ends inside a vertex takes only the candidates it holds (a Part),
//    as the kernel runner splits a hub between threads. Every candidate of every vertex is in
//    exactly one chunk, whatever the chunk boundaries.
//
// Measured (1 thread per rank; modelled speedup = one process's CPU seconds / the busiest
// rank's, each row against a single run of its own session; the machine's noise is ~5%):
//
//                                           wiki-Vote P7 edge    soc-Epinions1 P8 vertex
//                                             K=8     K=16         K=2    K=8    K=16
//    static: K equal vertex ranges            1.19    1.51           -      -      -
//    guided over vertices, hubs first         1.45    2.31           -      -      -
//    guided over units, 1/(2K), whole hubs    8.5    17.3          1.76   4.95   6.67
//    the same, hubs split between ranks         -       -          1.94   5.94   8.05
//    hubs split, chunks of 1/(8K) (this)      7.78   15.5          2.03   7.82  14.5
//
// Counting vertices, a chunk of hubs is most of the work (the first chunks hold it all);
// units fix that. But deg^2 undercounts a hub's work on dense patterns (P8 is seven vertices
// and 19 edges): soc-Epinions1's first chunks of 1/(2K) held a few hubs whose subtrees
// outweighed the rest, and a hub cannot be shared unless it is split. Fixed chunks of
// 1/(256K) balance as well but take 873 to 1,226 fetches on wiki-Vote against this scheme's
// ~32 per rank (258 at K = 8, 515 at K = 16); a fetch costs 8-60 us (runtime/cluster_mpi.cc).
//
// MPI is called only from the thread that runs the loop (between chunks), never from a task.
#pragma once

#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "compiler/interpreter.h"
#include "runtime/cluster.h"
#include "runtime/graph.h"

namespace graphmini::level0 {

// Some of one vertex's level-1 candidates, by index: [from, to) (an engine clips `to` to the
// candidates there are).
struct Part {
  VertexId vertex = 0;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};

// One chunk of the task space: the whole vertices [first, last), and up to two vertices
// (where it starts and where it ends) of which it holds only some level-1 candidates.
struct Chunk {
  VertexId first = 0;
  VertexId last = 0;
  std::vector<Part> parts;
};

// The distributed task space of one run, as one rank sees it.
class Chunks {
 public:
  Chunks(const Graph& graph, std::uint64_t ranks, std::unique_ptr<SharedCounter> counter)
      : graph_(graph), n_(graph.num_vertices()), ranks_(ranks), counter_(std::move(counter)) {
    // prefix_[p]: the units before position p; position p is vertex n - 1 - p.
    prefix_.resize(static_cast<std::size_t>(n_) + 1, 0);
    for (VertexId p = 0; p < n_; ++p) {
      const std::uint64_t degree = graph.degree(n_ - 1 - p);
      prefix_[p + 1] = prefix_[p] + degree * degree + 1;
    }
    total_ = prefix_.back();
    smallest_ = std::max<std::uint64_t>(1, total_ / (256 * ranks_));
  }

  // The next chunk this rank runs, or false when the space is used up.
  bool next(Chunk& chunk) {
    while (seen_ < total_) {
      const std::uint64_t size = std::max(smallest_, (total_ - seen_) / (8 * ranks_));
      const std::uint64_t start = counter_->fetch_add(size);
      seen_ = std::min(total_, start + size);
      if (start >= total_) break;
      if (fill(chunk, start, seen_)) {
        ++taken_;
        return true;
      }
    }
    seen_ = total_;
    return false;
  }

  // The share of the space handed out to all ranks so far, as far as this rank knows.
  double handed_out() const { return total_ == 0 ? 1.0 : static_cast<double>(seen_) / total_; }
  std::uint64_t taken() const { return taken_; }

 private:
  // The candidates of position p whose first unit lies in [start, end), as [from, to) out of
  // `slots` = max(deg, 1): candidate i of a vertex of degree d owns d units (i * d on from
  // its vertex's first), the vertex's last unit is spare, and a vertex of degree 0 is one
  // slot. So every candidate of every vertex is in exactly one chunk, wherever chunks end.
  struct Slots {
    std::uint64_t from, to, slots;
  };
  Slots slots_in(std::uint64_t p, std::uint64_t start, std::uint64_t end) const {
    const std::uint64_t first_unit = prefix_[p];
    const std::uint64_t degree = graph_.degree(n_ - 1 - static_cast<VertexId>(p));
    const std::uint64_t width = std::max<std::uint64_t>(degree, 1);
    const auto slots_before = [&](std::uint64_t unit) {  // slots whose first unit is < unit
      return unit <= first_unit ? 0 : std::min(width, (unit - first_unit + width - 1) / width);
    };
    return {slots_before(start), slots_before(end), width};
  }

  // The chunk of units [start, end); false if it holds no candidate.
  bool fill(Chunk& chunk, std::uint64_t start, std::uint64_t end) {
    chunk.parts.clear();
    // The positions [begin, stop) have units in [start, end); all but the first and the last
    // lie wholly inside.
    std::uint64_t begin =
        std::upper_bound(prefix_.begin() + 1, prefix_.end(), start) - (prefix_.begin() + 1);
    std::uint64_t stop =
        std::lower_bound(prefix_.begin(), prefix_.end() - 1, end) - prefix_.begin();
    const auto partial = [&](std::uint64_t p) {  // a part of p taken, or nothing of it
      const Slots s = slots_in(p, start, end);
      if (s.from == 0 && s.to == s.slots) return false;
      if (s.from < s.to) {
        chunk.parts.push_back({n_ - 1 - static_cast<VertexId>(p),
                               static_cast<std::uint32_t>(s.from),
                               static_cast<std::uint32_t>(s.to)});
      }
      return true;
    };
    if (begin < stop && partial(begin)) ++begin;
    if (begin < stop && partial(stop - 1)) --stop;
    chunk.first = n_ - static_cast<VertexId>(stop);
    chunk.last = n_ - static_cast<VertexId>(begin);
    return chunk.first < chunk.last || !chunk.parts.empty();
  }

  const Graph& graph_;
  VertexId n_;
  std::uint64_t ranks_;
  std::vector<std::uint64_t> prefix_;
  std::uint64_t total_ = 0;
  std::uint64_t smallest_ = 1;
  std::uint64_t seen_ = 0;   // the counter's value this rank last saw
  std::uint64_t taken_ = 0;  // chunks this rank took
  std::unique_ptr<SharedCounter> counter_;
};

// A sample of the level-1 candidates of `graph`, for estimating what a whole run does from a
// run of the sample (count_sample, compiler/interpreter.h): systematic sampling over the task
// space's units, about `size` of them evenly spaced (all the candidates when the graph has
// fewer units). Candidate i of a vertex of degree d owns d of its units (as in Chunks), so it
// is drawn with probability proportional to d and a hub's candidates are all drawn, some
// several times; each drawn candidate comes once, weighted by (times drawn) x spacing / d,
// which makes the weighted sum of any per-candidate quantity an unbiased estimate of its
// total (Hansen and Hurwitz, 1943). The vertices' spare units are not drawn. Deterministic:
// the same graph gives the same sample.
inline std::vector<SampledCandidate> sample(const Graph& graph, std::uint64_t size) {
  std::uint64_t units = 0;
  for (const VertexId v : graph.vertices()) {
    const std::uint64_t degree = graph.degree(v);
    units += degree * degree;
  }
  std::vector<SampledCandidate> drawn;
  if (units == 0 || size == 0) return drawn;
  const double spacing = std::max(1.0, static_cast<double>(units) / static_cast<double>(size));
  // Draws are at units (j + 1/2) x spacing; those in [from, to): ceil(to/s - 1/2) -
  // ceil(from/s - 1/2).
  const auto draws_before = [spacing](double unit) { return std::ceil(unit / spacing - 0.5); };
  double first = 0;  // the vertex's first unit
  for (const VertexId v : graph.vertices()) {
    const double degree = graph.degree(v);
    const double end = first + degree * degree;
    // The draws in this vertex, each in candidate floor((unit - first) / degree).
    for (double j = draws_before(first); (j + 0.5) * spacing < end; ++j) {
      const auto index = static_cast<std::uint32_t>(
          std::min(degree - 1, std::floor(((j + 0.5) * spacing - first) / degree)));
      const double from = first + index * degree, to = from + degree;
      // (At least this draw, and on past it, whatever the rounding near the bounds.)
      const double next = std::max(j + 1, draws_before(to));
      const double times = next - std::min(j, draws_before(from));
      drawn.push_back({v, index, times * spacing / degree});
      j = next - 1;  // the candidate's other draws
    }
    first = end;
  }
  return drawn;
}

// CPU seconds of all this process's threads so far.
inline double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs the level-0 vertices: all of them in one process, this rank's chunks in a distributed
// run (options.cluster with more than one rank). `vertices(range)` runs whole vertices (every
// level-1 candidate); `part(vertex, from, to)` runs the level-1 candidates [from, to) of one.
// Returns the chunks this rank took (0 in one process) and the CPU seconds spent running
// them: only the chunks, so that fetching the next one and waiting for the other ranks at the
// end do not count. Progress (options.progress) counts vertices done in one process, and the
// vertices' worth of the work handed out to every rank in a distributed run.
template <typename Vertices, typename PartBody>
RunWork for_each_vertex(const Graph& graph, const RunOptions& options, const Vertices& vertices,
                        const PartBody& part) {
  const VertexId n = graph.num_vertices();
  RunWork work;
  const auto timed = [&](const auto& run) {
    const double cpu = process_cpu_seconds();
    run();
    work.busy_seconds += process_cpu_seconds() - cpu;
  };
  if (options.cluster == nullptr || !options.cluster->distributed()) {
    timed([&] {
      tbb::parallel_for(tbb::blocked_range<VertexId>(0, n, 16),
                        [&](const tbb::blocked_range<VertexId>& range) {
                          vertices(range);
                          if (options.progress != nullptr) *options.progress += range.size();
                        });
    });
    return work;
  }
  Chunks chunks(graph, static_cast<std::uint64_t>(options.cluster->size()),
                options.cluster->shared_counter());
  Chunk chunk;
  while (!(options.stop != nullptr && options.stop->load()) &&
         (!options.between_chunks || options.between_chunks()) && chunks.next(chunk)) {
    if (options.progress != nullptr)
      options.progress->store(static_cast<std::uint64_t>(chunks.handed_out() * n));
    timed([&] {
      tbb::parallel_invoke(
          [&] {
            for (const Part& p : chunk.parts)
              part(p.vertex, p.from, p.to);
          },
          [&] {
            tbb::parallel_for(tbb::blocked_range<VertexId>(chunk.first, chunk.last, 1), vertices);
          });
    });
  }
  work.chunks = chunks.taken();
  return work;
}

// for_each_vertex for the counters that must see all of a vertex's neighbours at once
// (compiler/wedges.h, compiler/cliques.h): body(v) runs vertex v whole, and a vertex split
// between chunks runs in the chunk that holds its first candidate. Checks options.stop
// between ranges; the result's count is left for the caller.
template <typename Body>
RunResult for_each_whole_vertex(const Graph& graph, const RunOptions& options, const Body& body) {
  const auto stopping = [&] { return options.stop != nullptr && options.stop->load(); };
  RunResult result;
  result.work = for_each_vertex(
      graph, options,
      [&](const tbb::blocked_range<VertexId>& range) {
        if (stopping()) return;
        for (VertexId v = range.begin(); v != range.end(); ++v)
          body(v);
      },
      [&](VertexId v, std::uint32_t from, std::uint32_t) {
        if (from == 0 && !stopping()) body(v);
      });
  result.stopped = stopping();
  return result;
}

}  // namespace graphmini::level0
