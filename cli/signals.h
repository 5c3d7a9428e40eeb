// The command line's one handler of the signals that end a process (SIGINT, SIGTERM, SIGHUP,
// SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2).
//
// The handler only wakes a thread that waits for signals, so that the handling code runs as
// ordinary code rather than in an asynchronous signal handler: it removes every temporary
// file and folder of unfinished outputs
// (runtime/files.h), clears the progress line on a terminal, prints one line ("graphmini:
// interrupted"; nothing for a closed pipe) and ends the process by the same signal, so its
// parent sees exactly what happened (a shell reports 130 for Ctrl-C). A signal that was
// ignored when graphmini started (nohup, a background job) stays ignored. SIGXFSZ is
// ignored, so that a file-size limit fails the write like a full disk.
#pragma once

namespace graphmini {
class Cluster;
}

namespace graphmini::cli {

// Call first thing in main(), once the process knows its cluster (runtime/cluster.h): in an MPI
// job only the root prints, and mpirun's SIGTERM (its form of Ctrl-C, also sent when another
// rank dies) ends every rank with exit code 130, as an interrupted command.
void handle_termination_signals(const Cluster& cluster);

// Call before reporting an error: if a terminating signal has arrived, the error is most
// likely its doing (it removed the temporary outputs the command was writing, a closed pipe
// failed the write), so this waits, without returning, for the signal's thread to end the
// process as the signal says. Otherwise returns at once.
void yield_to_signal();

// Call when the command has ended with `code` (its outputs committed or removed, its error
// printed), before the cluster finishes. In an MPI job a rank that exits first makes mpirun
// signal the others; from here on that signal ends this rank quietly with `code`.
void ending(int code);

// Makes sure file descriptors 0, 1 and 2 are open, so that no file the program opens takes
// their number (and receives what was meant for standard output). One found closed is opened
// on /dev/null in the direction that cannot be used, so that writing to a closed standard
// output still fails (EBADF) and is reported, instead of vanishing.
void reserve_standard_descriptors();

}  // namespace graphmini::cli
