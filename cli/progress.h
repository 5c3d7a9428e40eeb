// Progress lines on stderr for long work, shown only when stderr is a terminal so that logs
// and pipes stay clean.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

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

// One line on stderr that long work keeps up to date while it runs (on a terminal, on the root
// rank): `text` of the seconds since the start, rewritten every half second from the first
// half second on, so that quick work shows nothing, and cleared when the work ends.
class StatusLine {
 public:
  // `text` runs on the line's own thread.
  explicit StatusLine(std::function<std::string(double seconds)> text);
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;
  ~StatusLine();

 private:
  void show(const std::function<std::string(double)>& text);

  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  bool printed_ = false;
  std::thread thread_;
};

// Seconds elapsed since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace graphmini::cli
