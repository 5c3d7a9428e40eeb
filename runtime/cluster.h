// The processes of a run: this one alone, or the ranks of an MPI job (Open MPI, started by
// mpirun or mpiexec).
//
// The rest of graphmini sees only this interface: two implementations, one over MPI
// (cluster_mpi.cc, built when GRAPHMINI_WITH_MPI finds MPI) and one for a single process
// (cluster_local.cc), are chosen when building, so callers carry no #ifdef and a build without
// MPI behaves exactly as one with it run without mpirun.
//
// Threads: MPI is initialised with MPI_THREAD_FUNNELED, so every call here must come from the
// thread that called Cluster::start (the main thread), never from a oneTBB task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
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

  // Ends the job (MPI_Finalize); a no-op for a cluster of one.
  virtual void finish() = 0;
};

// A 64-bit counter on the root, advanced atomically by any rank (MPI_Fetch_and_op on a window,
// one-sided: the root need not take part). From the main thread only.
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
