// Progress lines on stderr for long work, shown only when stderr is a terminal so that logs
// and pipes stay clean.
#pragma once

#include <chrono>
#include <string>

namespace graphmini::cli {

class Progress {
 public:
  Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // Ends the current step (printing its time) and starts the next one.
  void step(const std::string& what);
  // Ends the current step.
  void done();

 private:
  bool enabled_;
  bool in_step_ = false;
  std::chrono::steady_clock::time_point started_;
};

// Seconds elapsed since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace graphmini::cli
