// Real child processes for the multi-process tests: spawn a helper program
// (posix_spawn: safe from a test that runs threads), read its stdout lines
// with a deadline, signal it, reap it with a deadline. Nothing here waits
// without a deadline, and a child still running when its handle dies is
// SIGKILLed and reaped.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn passes it on

namespace ringcast::test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Polls `done` every millisecond until it holds or `timeout` passes.
template <class Pred>
bool wait_until(Pred&& done, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
}

inline std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

inline bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
inline bool killed_by(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }

class child_process {
 public:
  // argv[0] is the program. stdout is always a pipe; stdin is a pipe when
  // `stdin_pipe`, else /dev/null; stderr is inherited (sanitizer reports).
  static child_process spawn(const std::vector<std::string>& argv, bool stdin_pipe = false) {
    int out[2];
    int in[2] = {-1, -1};
    // O_CLOEXEC: children spawned meanwhile by other threads must not keep
    // our pipe ends open, or EOF would never come.
    if (::pipe2(out, O_CLOEXEC) != 0 || (stdin_pipe && ::pipe2(in, O_CLOEXEC) != 0))
      throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    if (stdin_pipe)
      posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    else
      posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    if (stdin_pipe) ::close(in[0]);
    if (rc != 0) {
      ::close(out[0]);
      if (stdin_pipe) ::close(in[1]);
      throw std::runtime_error("posix_spawn " + argv[0] + " failed: " + std::to_string(rc));
    }
    child_process c;
    c.pid_ = pid;
    c.stdout_ = out[0];
    c.stdin_ = in[1];
    return c;
  }

  child_process() = default;
  child_process(child_process&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)),
        stdout_(std::exchange(o.stdout_, -1)),
        stdin_(std::exchange(o.stdin_, -1)),
        status_(o.status_),
        buffer_(std::move(o.buffer_)) {}
  child_process& operator=(child_process&& o) noexcept {
    if (this != &o) {
      reset();
      pid_ = std::exchange(o.pid_, -1);
      stdout_ = std::exchange(o.stdout_, -1);
      stdin_ = std::exchange(o.stdin_, -1);
      status_ = o.status_;
      buffer_ = std::move(o.buffer_);
    }
    return *this;
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() { reset(); }

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] bool reaped() const noexcept { return status_.has_value(); }

  // The next stdout line (without '\n'); nullopt at EOF or at the deadline.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (stdout_ < 0) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0) {
        ::close(stdout_);
        stdout_ = -1;
      } else {
        buffer_.append(chunk, static_cast<std::size_t>(n));
      }
    }
  }

  // The next line that starts with `prefix`, skipping others; nullopt at EOF/deadline.
  std::optional<std::string> read_line_starting(const std::string& prefix, std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    while (auto line = read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()))) {
      if (line->starts_with(prefix) || line->starts_with("error:")) return line;
    }
    return std::nullopt;
  }

  void close_stdin() {
    if (stdin_ >= 0) ::close(std::exchange(stdin_, -1));
  }
  void write_stdin(char c) {
    if (stdin_ >= 0 && ::write(stdin_, &c, 1) != 1) close_stdin();
  }

  void signal(int sig) const {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
  }

  // The wait status once the child has exited, or nullopt at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (status_ || pid_ <= 0) return status_;
    wait_until([&] { return try_reap(); }, timeout);
    return status_;
  }

  // SIGKILL and reap; returns the wait status.
  int kill_and_reap() {
    signal(SIGKILL);
    // A SIGKILLed process is gone within milliseconds; the bound only keeps
    // a broken kernel from hanging the test.
    if (!wait(10s)) throw std::runtime_error("pid " + std::to_string(pid_) + " survived SIGKILL for 10 s");
    return *status_;
  }

 private:
  bool try_reap() {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) status_ = st;
    return status_.has_value();
  }

  void reset() noexcept {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
    if (stdin_ >= 0) ::close(stdin_);
    pid_ = -1;
    stdout_ = stdin_ = -1;
    status_.reset();
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
  std::string buffer_;
};

// A private scratch directory under $TMPDIR (or /tmp), removed with its files.
class scratch_dir {
 public:
  scratch_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rctest-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~scratch_dir() {
    for (const auto& f : files_) ::unlink((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  // A path in the directory; the file (if made) is removed with it.
  std::string file(const std::string& name) {
    files_.push_back(name);
    return path_ + "/" + name;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

inline std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace ringcast::test
