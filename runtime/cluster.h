// The processes of a run: this one alone, or the ranks of an MPI job (Open MPI, started by
// mpirun or mpiexec).
//
// The rest of graphmini sees only this interface: two implementations, one over MPI
// (cluster_mpi.cc, built when GRAPHMINI_WITH_MPI finds MPI) and one for a single process
// (cluster_local.cc), are chosen when building, so callers carry no #ifdef and a build without
// MPI behaves exactly as one with it run without mpirun.
//
// Threads: MPI is initialised with MPI_THREAD_SERIALIZED: calls here may come from any thread,
// one at a time (the main thread, or the serial stage of a oneTBB pipeline while the main
// thread waits for it), never from two threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/error.h"

namespace graphmini {

class SharedCounter;

class Cluster {
 public:
  // Joins the MPI job this process was started in, when it was started by an MPI launcher
  // (Open MPI's, or a PMI one) and this build has MPI; else the process is a cluster of one
  // and MPI is never touched (so it starts as fast as without MPI, and prints nothing).
  // Call once, from the main thread, before any other thread may call MPI. Throws Error when
  // MPI cannot give the thread support graphmini needs.
  static Cluster& start(int& argc, char**& argv);
  // The cluster start() made (a cluster of one before it is called).
  static Cluster& get();

  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The ranks on this host (sharing its cores and memory), this one included.
  virtual int ranks_on_this_host() const = 0;
  bool is_root() const { return rank() == 0; }
  bool distributed() const { return size() > 1; }

  // ---- collectives: every rank calls them, in the same order ----
  // The largest of the ranks' values.
  virtual int max(int value) = 0;
  // Every rank's value, on the root (empty elsewhere).
  virtual std::vector<std::uint64_t> gather(std::uint64_t value) = 0;
  virtual std::vector<double> gather(double value) = 0;
  virtual std::vector<std::string> gather(const std::string& value) = 0;
  // Every rank's bytes, delivered to the root in rank order through `deliver` (called there
  // for each piece); `produce` fills a buffer with this rank's next piece, 0 at the end. For
  // outputs gathered without a shared file system.
  virtual void gather_stream(const std::function<std::size_t(char*, std::size_t)>& produce,
                             const std::function<void(int, std::string_view)>& deliver) = 0;
  // A counter that lives on the root and every rank advances (collective to create).
  virtual std::unique_ptr<SharedCounter> shared_counter() = 0;
  // Every rank's values added up element by element, into `values` on every rank (the same
  // length everywhere). A ring (Patarasuk and Yuan, JPDC 2009): a reduce-scatter whose every
  // block is added up in one fixed order by one rank, then an all-gather of the sums, so that
  // each rank sends 2 (K - 1) / K of the values and every rank receives the same bits (ranks
  // that apply the same update keep identical parameters, which MPI_Allreduce does not
  // promise: its algorithm may add in a different order on each rank).
  virtual void sum(std::span<float> values) = 0;
  virtual void sum(std::span<double> values) = 0;
  // Rows of `width` floats from every rank to every rank (MPI_Alltoallv): `send` holds
  // send_rows[p] rows for each rank p in rank order, and `receive` gets receive_rows[p] rows
  // from each rank p in rank order; both sides know the counts beforehand (a graph
  // partition's halo). Rows for this rank itself are copied.
  virtual void all_to_all(std::span<const float> send, std::span<const std::size_t> send_rows,
                          std::span<float> receive, std::span<const std::size_t> receive_rows,
                          std::size_t width) = 0;
  // The root's `values` on every rank (the same length everywhere; MPI_Bcast). For what the
  // root alone computes, once, for all (a graph's partition).
  virtual void broadcast(std::span<std::uint32_t> values) = 0;
  // What this rank sent through sum() and all_to_all() to other ranks (bytes handed to MPI),
  // and the seconds it spent there: moving the data and waiting for slower ranks.
  struct Traffic {
    std::uint64_t bytes_sent = 0;
    double seconds = 0;
  };
  virtual Traffic traffic() const = 0;

  // Ends the job (MPI_Finalize); a no-op for a cluster of one.
  virtual void finish() = 0;
  // Ends every rank of the job at once with `code` (MPI_Abort; a cluster of one just exits):
  // for a failure on this rank alone while the others may be waiting for it in a collective,
  // which agree() cannot reach.
  [[noreturn]] void abort(int code);

 protected:
  // MPI_Abort; nothing in a cluster of one (abort() then exits).
  virtual void abort_job(int code) = 0;
};

// A 64-bit counter on the root, advanced atomically by any rank (MPI_Fetch_and_op on a window,
// one-sided: the root need not take part). From one thread at a time, as every call here.
class SharedCounter {
 public:
  virtual ~SharedCounter() = default;
  // Adds `amount` and returns the value before.
  virtual std::uint64_t fetch_add(std::uint64_t amount) = 0;
};

// ---- failing together ------------------------------------------------------------------------
// A step that may fail on some ranks and not others (a file missing on one host, memory) runs
// through all_or_none(): every rank learns whether any failed, and then all fail together, so
// that no rank is left waiting in a collective for one that gave up. The root throws the first
// failing rank's error (its own with its type, another's as InvalidArgument or Error, named
// "rank R: ..."); the other ranks throw FailedElsewhere, which callers end quietly with.

class FailedElsewhere : public Error {
 public:
  explicit FailedElsewhere(bool usage) : Error("failed on another rank"), usage_(usage) {}
  // Whether the failure is a usage error (InvalidArgument).
  bool usage() const { return usage_; }

 private:
  bool usage_;
};

// After every rank ran a step (`error` set where it failed): returns on every rank when none
// failed, else throws on every rank. Collective. In a cluster of one it rethrows `error`.
void agree(Cluster& cluster, const std::exception_ptr& error);

// Runs `step` on every rank; returns its result when it succeeded on all of them. Collective.
template <typename Step>
auto all_or_none(Cluster& cluster, Step&& step) {
  using Result = std::invoke_result_t<Step&>;
  std::exception_ptr error;
  if constexpr (std::is_void_v<Result>) {
    try {
      step();
    } catch (...) {
      error = std::current_exception();
    }
    agree(cluster, error);
  } else {
    std::optional<Result> result;
    try {
      result.emplace(step());
    } catch (...) {
      error = std::current_exception();
    }
    agree(cluster, error);
    return std::move(*result);
  }
}

}  // namespace graphmini
