#include "compiler/profile.h"

#include <signal.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>

#include "runtime/error.h"

namespace graphmini {
namespace {

// The profile of the task this thread runs (initial-exec: the signal handler reads it, and
// must not be the first to touch a dynamically allocated TLS block).
__attribute__((tls_model("initial-exec"))) thread_local kernel::Profile* current_profile = nullptr;

std::atomic<std::uint64_t> outside_samples{0};
std::atomic<bool> sampling{false};

constexpr long kSampleMicroseconds = 1000;

void on_sample(int) {
  const int saved_errno = errno;
  kernel::Profile* profile = current_profile;
  if (profile != nullptr) {
    ++profile->samples[profile->level + 1];
  } else {
    outside_samples.fetch_add(1, std::memory_order_relaxed);
  }
  errno = saved_errno;
}

}  // namespace

RunProfile::RunProfile(const Plan& plan)
    : iterations(plan.levels.size()),
      computations(plan.sets.size()),
      members(plan.sets.size()),
      probes(plan.sets.size()),
      builds(plan.minigraphs.size()),
      lists_pruned(plan.minigraphs.size()),
      list_reads(plan.minigraphs.size()),
      list_misses(plan.minigraphs.size()),
      samples(plan.levels.size() + 1) {}

TaskProfile::TaskProfile(const Plan& plan) : counts_(plan) {
  view_ = {counts_.iterations.data(), counts_.computations.data(),
           counts_.members.data(),    counts_.probes.data(),
           counts_.list_reads.data(), counts_.list_misses.data(),
           counts_.builds.data(),     counts_.lists_pruned.data(),
           counts_.samples.data(),    -1};
}

void TaskProfile::add_to(RunProfile& run) const {
  const auto add = [](std::vector<std::uint64_t>& to, const std::vector<std::uint64_t>& from) {
    for (std::size_t i = 0; i < from.size(); ++i)
      to[i] += from[i];
  };
  add(run.iterations, counts_.iterations);
  add(run.computations, counts_.computations);
  add(run.members, counts_.members);
  add(run.probes, counts_.probes);
  add(run.builds, counts_.builds);
  add(run.lists_pruned, counts_.lists_pruned);
  add(run.list_reads, counts_.list_reads);
  add(run.list_misses, counts_.list_misses);
  add(run.samples, counts_.samples);
}

CurrentProfile::CurrentProfile(kernel::Profile* profile) : previous_(current_profile) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  current_profile = profile;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

CurrentProfile::~CurrentProfile() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  current_profile = previous_;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

struct LevelSampler::Saved {
  struct sigaction action;
  itimerval timer;
};

LevelSampler::LevelSampler(RunProfile& run) : run_(run), saved_(new Saved) {
  if (sampling.exchange(true)) {
    delete saved_;
    throw InvalidArgument("one profiled run at a time: a LevelSampler is already sampling");
  }
  outside_samples.store(0);
  struct sigaction action = {};
  action.sa_handler = on_sample;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGPROF, &action, &saved_->action);
  const itimerval every = {{0, kSampleMicroseconds}, {0, kSampleMicroseconds}};
  setitimer(ITIMER_PROF, &every, &saved_->timer);
}

LevelSampler::~LevelSampler() {
  setitimer(ITIMER_PROF, &saved_->timer, nullptr);
  // A signal still pending on some thread must not meet the default action, which ends the
  // process: the handler stays when there was none before.
  if (saved_->action.sa_handler != SIG_DFL) sigaction(SIGPROF, &saved_->action, nullptr);
  run_.outside_samples += outside_samples.load();
  run_.sample_seconds = kSampleMicroseconds * 1e-6;
  delete saved_;
  sampling.store(false);
}

}  // namespace graphmini
