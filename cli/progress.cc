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

StatusLine::StatusLine(std::function<std::string(double)> text) {
  if (::isatty(STDERR_FILENO) == 1 && Cluster::get().is_root())
    thread_ = std::thread([this, text = std::move(text)] { show(text); });
}

StatusLine::~StatusLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (printed_) std::fprintf(stderr, "\r\033[K");
}

void StatusLine::show(const std::function<std::string(double)>& text) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return finished_; })) {
    std::fprintf(stderr, "\r%s", text(seconds_since(start)).c_str());
    std::fflush(stderr);
    printed_ = true;
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace graphmini::cli
