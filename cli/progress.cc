#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "runtime/cluster.h"

namespace graphmini::cli {

Progress::Progress() : enabled_(::isatty(STDERR_FILENO) == 1 && Cluster::get().is_root()) {}

Progress::~Progress() {
  done();
}

void Progress::step(const std::string& what) {
  done();
  if (!enabled_) return;
  std::fprintf(stderr, "graphmini: %s ...", what.c_str());
  std::fflush(stderr);
  in_step_ = true;
  started_ = std::chrono::steady_clock::now();
}

void Progress::done() {
  if (!in_step_) return;
  std::fprintf(stderr, " %.2f s\n", seconds_since(started_));
  in_step_ = false;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace graphmini::cli
