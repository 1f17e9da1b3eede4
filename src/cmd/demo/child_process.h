#pragma once
// Child processes of `weft demo`: the demo services and, with --serve, `weft serve`.
//
// Each child gets its own process group, so a Ctrl-C in the terminal reaches only `weft
// demo`, which then stops the children in order (traffic, services, server last, so the
// services' last spans still arrive). Each child also gets SIGTERM if `weft demo` dies
// (PR_SET_PDEATHSIG), so none outlives it, even after a kill -9.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace weft::cmd::demo {

struct SpawnOptions {
  std::string path;               // executable
  std::vector<std::string> args;  // argv[1..]
  int pass_fd = -1;               // if >= 0, becomes fd 3 in the child
  std::string output_file;        // stdout and stderr appended here; "" = inherited
};

// Forks and execs. Returns the pid, or -1 with *error set (including exec failures, which
// are reported back through a close-on-exec pipe). Call with SIGTERM/SIGINT blocked or
// not: the child starts with an empty signal mask either way.
pid_t Spawn(const SpawnOptions& options, std::string* error);

// True if `pid` has exited (reaped here); *status is its waitpid status.
bool HasExited(pid_t pid, int* status);

// SIGTERM, then up to `grace` for it to exit, then SIGKILL. Returns the waitpid status.
int StopChild(pid_t pid, std::chrono::milliseconds grace);

// "exit 0", "exit 3", "killed by SIGKILL".
std::string DescribeStatus(int status);

}  // namespace weft::cmd::demo
