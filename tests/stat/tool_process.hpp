// Runs a tool binary as a real child process for the tests: stdout (a pipe,
// or a pseudo-terminal when asked) and stderr captured, environment
// overrides, every wait bounded by a deadline; a child still running when
// its handle dies is SIGKILLed and reaped.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): the child inherits it, with overrides

namespace ringcast::test {

struct tool_result {
  int status = -1;  // waitpid status
  bool timed_out = false;
  std::string out;
  std::string err;

  [[nodiscard]] bool exited_with(int code) const {
    return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == code;
  }
};

struct tool_spawn_options {
  std::vector<std::string> env;  // "NAME=value" entries that replace or add to the inherited environment
  // A terminal for the child's stdout (a pty's slave) and the end the test
  // reads (its master); both then belong to the tool_process. -1: a pipe.
  int stdout_child = -1;
  int stdout_parent = -1;
};

class tool_process {
 public:
  using clock = std::chrono::steady_clock;

  explicit tool_process(const std::vector<std::string>& argv, const tool_spawn_options& o = {}) {
    int out[2] = {o.stdout_parent, o.stdout_child};
    int err[2];
    // O_CLOEXEC: other children must not hold our pipe ends, or EOF never comes.
    if ((o.stdout_child < 0 && ::pipe2(out, O_CLOEXEC) != 0) || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> env = merged_environment(o.env);
    std::vector<char*> args;
    std::vector<char*> envp;
    args.reserve(argv.size() + 1);
    envp.reserve(env.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("posix_spawn " + argv[0] + " failed: " + std::strerror(rc));
    }
  }

  tool_process(const tool_process&) = delete;  // owns a child and its pipes
  tool_process& operator=(const tool_process&) = delete;
  tool_process(tool_process&&) = delete;
  tool_process& operator=(tool_process&&) = delete;
  ~tool_process() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const std::string& out() const noexcept { return result_.out; }

  // Reads stdout until it contains `marker`; false at EOF or the deadline.
  bool read_until(std::string_view marker, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (result_.out.find(marker) == std::string::npos) {
      if (out_fd_ < 0 || !pump(deadline)) return false;
    }
    return true;
  }

  // Reads both streams to their end and reaps the child; SIGKILLs it when
  // the deadline passes first (timed_out).
  tool_result finish(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while ((out_fd_ >= 0 || err_fd_ >= 0) && pump(deadline)) {
    }
    while (!reaped_ && clock::now() < deadline) {
      if (::waitpid(pid_, &result_.status, WNOHANG) == pid_)
        reaped_ = true;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds{1});  // polling for the exit, bounded by the deadline
    }
    if (!reaped_) {
      result_.timed_out = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &result_.status, 0);
      reaped_ = true;
    }
    return result_;
  }

 private:
  static std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view entry = *e;
      bool replaced = false;
      for (const auto& o : overrides)
        replaced = replaced || entry.substr(0, entry.find('=') + 1) == std::string_view(o).substr(0, o.find('=') + 1);
      if (!replaced) env.emplace_back(entry);
    }
    env.insert(env.end(), overrides.begin(), overrides.end());
    return env;
  }

  // One poll of the open streams; false once the deadline has passed.
  bool pump(clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};  // a negative fd is skipped by poll
    if (::poll(fds, 2, static_cast<int>(left)) <= 0) return true;
    drain(fds[0], out_fd_, result_.out);
    drain(fds[1], err_fd_, result_.err);
    return true;
  }

  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || p.revents == 0) return;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      into.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {  // EOF; a pty master says EIO once the child is gone
      ::close(fd);
      fd = -1;
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  tool_result result_;
};

// Runs argv to completion (or SIGKILL at the deadline).
inline tool_result run_tool(const std::vector<std::string>& argv, std::vector<std::string> env = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
  tool_process p(argv, {.env = std::move(env)});
  return p.finish(timeout);
}

}  // namespace ringcast::test
