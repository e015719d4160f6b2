// The real ringcast-publish binary as a child process (stdin a pipe we
// write, stdout and stderr files we read once it has exited), and the
// segment's consumer on the test's side, turning records back into
// (type, user, payload JSON). Every wait has a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/json_encode.hpp"
#include "test_segment.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn passes it on

namespace ringcast::test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class publish_process {
 public:
  explicit publish_process(const std::vector<std::string>& args) {
    std::signal(SIGPIPE, SIG_IGN);  // writing to a child that exited early must fail, not kill the test
    const char* base = std::getenv("TMPDIR");
    std::string dir = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rcpublish-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    int in[2];
    // O_CLOEXEC: other children must not inherit our end, or EOF never comes.
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    // Non-blocking on our end only (the child's end is another open file
    // description): write() then waits in poll(), with a deadline.
    ::fcntl(in[1], F_SETFL, O_NONBLOCK);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> argv{RINGCAST_PUBLISH_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, cargs[0], &fa, nullptr, cargs.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    stdin_ = in[1];
    if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed: " + std::to_string(rc));
  }
  publish_process(const publish_process&) = delete;
  publish_process& operator=(const publish_process&) = delete;
  publish_process(publish_process&&) = delete;
  publish_process& operator=(publish_process&&) = delete;
  ~publish_process() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    close_stdin();
    ::unlink(out_path().c_str());
    ::unlink(err_path().c_str());
    ::rmdir(dir_.c_str());
  }

  // Writes all of `text` to the child's stdin; false if the child stopped
  // reading (exited, or stuck past the deadline).
  bool write(std::string_view text, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = steady::now() + timeout;
    while (!text.empty()) {
      const ssize_t n = ::write(stdin_, text.data(), text.size());
      if (n > 0) {
        text.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;  // EPIPE: the child has gone
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return false;
      pollfd p{stdin_, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    }
    return true;
  }

  void close_stdin() {
    if (stdin_ >= 0) ::close(std::exchange(stdin_, -1));
  }

  // Closes stdin (end of input) and returns the exit code; -1 (and a test
  // failure) if the child did not exit in time or died of a signal.
  int finish(std::chrono::milliseconds timeout = 30s) {
    close_stdin();
    const auto deadline = steady::now() + timeout;
    while (!status_) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = st;
        break;
      }
      if (steady::now() >= deadline) {
        ADD_FAILURE() << "ringcast-publish did not exit within " << timeout.count() << " ms";
        return -1;
      }
      std::this_thread::sleep_for(1ms);  // polling for the exit, bounded by the deadline
    }
    if (!WIFEXITED(*status_)) {
      ADD_FAILURE() << "ringcast-publish died: status " << *status_ << "\n" << err();
      return -1;
    }
    return WEXITSTATUS(*status_);
  }

  [[nodiscard]] std::string out() const { return read_file(out_path()); }
  [[nodiscard]] std::string err() const { return read_file(err_path()); }

 private:
  [[nodiscard]] std::string out_path() const { return dir_ + "/stdout"; }
  [[nodiscard]] std::string err_path() const { return dir_ + "/stderr"; }

  std::string dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
};

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs ringcast-publish with `input` as its whole stdin.
inline run_result run_publish(const std::vector<std::string>& args, std::string_view input = {}) {
  publish_process p(args);
  // A child that exits early (usage errors) stops reading: not a failure here.
  static_cast<void>(p.write(input));
  run_result r;
  r.code = p.finish();
  r.out = p.out();
  r.err = p.err();
  return r;
}

// What arrived in the segment, as the bridge would see it.
struct arrived {
  std::string type;
  std::string user;
  std::string payload;  // encode_payload_json, or "refused by the encoder"
  bool operator==(const arrived&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const arrived& a) {
  return os << a.type << " user='" << a.user << "' " << a.payload;
}

class segment_sink {
 public:
  explicit segment_sink(const shm::segment_options& options)
      : segment_(shm::segment::open_or_create(options)), consumer_(segment_) {}

  // Everything committed so far, in publish order (one producer, one lane).
  const std::vector<arrived>& drain() {
    while (consumer_.poll([&](const shm::record_view& r) {
      std::string payload;
      if (!shm::encode_payload_json(static_cast<shm::event_type>(r.type), r.schema_version, r.payload, payload))
        payload = "refused by the encoder";
      events_.push_back({std::string(shm::wire_name(static_cast<shm::event_type>(r.type))), std::string(r.user_id),
                         payload});
    }) > 0) {
    }
    return events_;
  }

  // Drains until `count` events have arrived or the deadline passes.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = steady::now() + timeout;
    while (drain().size() < count) {
      if (steady::now() >= deadline) return false;
      consumer_.wait(10ms);  // the doorbell wakes it at the next publish
    }
    return true;
  }

  [[nodiscard]] const std::shared_ptr<shm::segment>& seg() const { return segment_; }

 private:
  std::shared_ptr<shm::segment> segment_;
  shm::consumer consumer_;
  std::vector<arrived> events_;
};

}  // namespace ringcast::test
