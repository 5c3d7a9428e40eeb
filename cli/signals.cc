#include "cli/signals.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "runtime/cluster.h"
#include "runtime/files.h"

namespace graphmini::cli {
namespace {

// The self-pipe: the asynchronous handler only writes the signal's number into it (write is
// async-signal-safe), and the waiting thread does the work. Blocking the signals instead
// would not do: libraries start threads before main() (OpenBLAS's pool), and a signal
// delivered to one of those would take its default action and kill the process mid-write.
int wake_pipe[2] = {-1, -1};

// Every signal whose default action ends the process without a core dump.
constexpr int kTerminatingSignals[] = {SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2};

// Set by the asynchronous handler (a lock-free atomic store is async-signal-safe), before the
// thread is woken: from then on the process is ending by a signal.
std::atomic<bool> signalled{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_termination_signal(int signal) {
  signalled.store(true);
  const int saved = errno;
  const auto number = static_cast<unsigned char>(signal);
  [[maybe_unused]] const auto written = ::write(wake_pipe[1], &number, 1);
  errno = saved;
}

// Set before the handler is installed: whether this process is one rank of several, and the
// root (the only rank that prints).
bool distributed = false;
bool root = true;

// The exit code of a distributed command that has ended (-1 while it runs); see ending().
std::atomic<int> ended_with{-1};

// What the process says as it ends by `signal`; nothing for a closed pipe (`list | head`),
// nothing on ranks other than the root.
std::string farewell(int signal) {
  if (signal == SIGPIPE || !root) return "";
  std::string line = ::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "";  // clear a progress line
  line += "graphmini: ";
  if (distributed && signal == SIGTERM) {
    // mpirun sends SIGTERM to every rank both for Ctrl-C and when another rank has died (it
    // then says which one); a rank cannot tell the two apart.
    line += "stopped by mpirun (interrupted, or another rank ended)";
  } else {
    line += signal == SIGINT    ? "interrupted"
            : signal == SIGTERM ? "terminated"
                                : ::strsignal(signal);
  }
  return line + "\n";
}

}  // namespace

void handle_termination_signals(const Cluster& cluster) {
  distributed = cluster.distributed();
  root = cluster.is_root();
  // A file-size limit (ulimit -f) shows as a failed write (EFBIG), reported and cleaned up
  // like a full disk, instead of SIGXFSZ's core dump.
  std::signal(SIGXFSZ, SIG_IGN);
  if (::pipe2(wake_pipe, O_CLOEXEC) != 0) return;  // no handler: signals keep their defaults
  for (const int signal : kTerminatingSignals) {
    struct sigaction current {};
    if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) continue;
    struct sigaction handler {};
    handler.sa_handler = on_termination_signal;
    sigemptyset(&handler.sa_mask);
    handler.sa_flags = SA_RESTART;
    ::sigaction(signal, &handler, nullptr);
  }
  if (distributed) {
    // mpirun stops a job by SIGCONT, then SIGTERM a second later; a Ctrl-C soon after launch
    // can make it exit before the SIGTERM, and Open MPI then ends the orphaned ranks with
    // _exit, leaving their temporary files. The kernel sends SIGTERM when the launcher is
    // gone, so ranks always end through this handler.
    const pid_t launcher = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != launcher) ::raise(SIGTERM);  // gone in between
  }
  std::thread([] {
    unsigned char signal = 0;
    while (::read(wake_pipe[0], &signal, 1) != 1) {
    }
    remove_temporary_files();
    if (const int code = ended_with.load(); code >= 0) ::_exit(code);
    // Straight to the descriptor: another thread may hold stderr's stdio lock.
    const std::string line = farewell(signal);
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
    // Under mpirun, whose own exit code says the job was aborted, every rank ends with 130 as
    // an interrupted command does (mpirun turns Ctrl-C into SIGTERM).
    if (distributed && (signal == SIGINT || signal == SIGTERM)) ::_exit(128 + SIGINT);
    // Alone, end by the signal itself, so that the parent sees what happened: a shell stops a
    // script loop at a child killed by SIGINT, not at one that exited with 130.
    std::signal(signal, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal);
    ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
    ::raise(signal);
    ::_exit(128 + signal);
  }).detach();
}

void yield_to_signal() {
  if (!signalled.load()) return;
  for (;;)
    ::pause();  // the signal's thread ends the process
}

void ending(int code) {
  if (distributed) ended_with.store(code);
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
