#include "cmd/demo/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace weft::cmd::demo {

pid_t Spawn(const SpawnOptions& o, std::string* error) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls are allowed (the parent may have other threads).
  std::vector<std::string> storage;
  storage.push_back(o.path);
  storage.insert(storage.end(), o.args.begin(), o.args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out_fd = -1;
  if (!o.output_file.empty()) {
    out_fd = ::open(o.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      *error = "cannot open " + o.output_file + ": " + std::strerror(errno);
      return -1;
    }
  }
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    if (out_fd >= 0) ::close(out_fd);
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    if (out_fd >= 0) ::close(out_fd);
    return -1;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    if (o.pass_fd >= 0) {
      if (o.pass_fd == 3) {
        ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
      } else {
        ::dup2(o.pass_fd, 3);  // the new descriptor does not have close-on-exec
      }
    }
    if (out_fd >= 0) {
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    const int err = errno;
    [[maybe_unused]] ssize_t n = ::write(status_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(status_pipe[1]);
  if (out_fd >= 0) ::close(out_fd);
  int err = 0;
  ssize_t n;
  do n = ::read(status_pipe[0], &err, sizeof err);
  while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  if (n == sizeof err) {  // exec failed; the child has exited
    ::waitpid(pid, nullptr, 0);
    *error = "cannot run " + o.path + ": " + std::strerror(err);
    return -1;
  }
  return pid;
}

bool HasExited(pid_t pid, int* status) {
  int st = 0;
  const pid_t r = ::waitpid(pid, &st, WNOHANG);
  if (r == pid) {
    *status = st;
    return true;
  }
  return false;
}

int StopChild(pid_t pid, std::chrono::milliseconds grace) {
  int status = 0;
  if (HasExited(pid, &status)) return status;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HasExited(pid, &status)) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return status;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)).c_str());
  }
  return "status " + std::to_string(status);
}

}  // namespace weft::cmd::demo
