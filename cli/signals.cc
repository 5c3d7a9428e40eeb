#include "cli/signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>

#include "runtime/files.h"

namespace graphmini::cli {
namespace {

// The self-pipe: the asynchronous handler only writes the signal's number into it (write is
// async-signal-safe), and the waiting thread does the work. Blocking the signals instead
// would not do: libraries start threads before main() (OpenBLAS's pool), and a signal
// delivered to one of those would take its default action and kill the process mid-write.
int wake_pipe[2] = {-1, -1};

extern "C" void on_termination_signal(int signal) {
  const int saved = errno;
  const auto number = static_cast<unsigned char>(signal);
  [[maybe_unused]] const auto written = ::write(wake_pipe[1], &number, 1);
  errno = saved;
}

}  // namespace

void handle_termination_signals() {
  if (::pipe2(wake_pipe, O_CLOEXEC) != 0) return;  // no handler: signals keep their defaults
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) continue;
    struct sigaction handler {};
    handler.sa_handler = on_termination_signal;
    sigemptyset(&handler.sa_mask);
    handler.sa_flags = SA_RESTART;
    ::sigaction(signal, &handler, nullptr);
  }
  std::thread([] {
    unsigned char signal = 0;
    while (::read(wake_pipe[0], &signal, 1) != 1) {
    }
    remove_temporary_files();
    // Straight to the descriptor: another thread may hold stderr's stdio lock.
    std::string line = ::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "";
    line += std::string("graphmini: ") +
            (signal == SIGINT    ? "interrupted"
             : signal == SIGTERM ? "terminated"
                                 : "hung up") +
            "\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(128 + signal);
  }).detach();
}

void reserve_standard_descriptors() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1) continue;
    // open() returns the lowest free number, which is `fd` here since the lower ones are open.
    const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
    if (opened != fd && opened >= 0) ::close(opened);
  }
}

}  // namespace graphmini::cli
