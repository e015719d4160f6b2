#include "server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/publisher.hpp"
#include "ringcast/shm/realtime_clock.hpp"
#include "ringcast/shm/segment.hpp"
#include "token.hpp"

extern char** environ;

namespace ringcast::bench {

namespace {

constexpr const char* k_secret = "ringcast-bench-secret-0123456789abcdef";

shm::pnl_update pnl_of(std::uint64_t marker) {
  shm::pnl_update p{};
  p.total_pnl = 1250.75;
  p.daily_pnl = static_cast<double>(marker);
  return p;
}

// --- ringcast -------------------------------------------------------------

class ring_producer final : public producer_port {
 public:
  explicit ring_producer(std::shared_ptr<shm::segment> seg) : pub_(std::move(seg)) {}
  bool publish(const std::string& user, event_kind kind, std::uint64_t marker) override {
    const auto s = kind == event_kind::order ? pub_.publish(user, order_of(marker)) : pub_.publish(user, pnl_of(marker));
    return s == shm::publish_status::published;
  }

 private:
  shm::publisher pub_;
};

std::vector<std::string> bridge_argv(const options& o, const std::string& segment, unsigned short port) {
  const unsigned slow = (o.slow_percent * o.clients + 99) / 100;
  const unsigned sessions = o.clients + slow + o.idle + 16;
  std::vector<std::string> a{o.bridge_bin, "--listen", "127.0.0.1:" + std::to_string(port), "--segment", segment,
                             "--io-threads", std::to_string(o.bridge_threads),
                             "--max-connections", std::to_string(sessions),
                             "--max-connections-per-user", std::to_string(sessions),
                             "--startup-hold", o.startup_hold_ms == 0 ? "0" : std::to_string(o.startup_hold_ms) + "ms"};
  if (o.queue_messages > 0) {
    a.emplace_back("--queue-messages");
    a.push_back(std::to_string(o.queue_messages));
  }
  if (o.history_mib > 0) {
    a.emplace_back("--history-bytes");
    a.push_back(std::to_string(std::uint64_t{o.history_mib} << 20));
  }
  return a;
}

class ringcast_server final : public server {
 public:
  // batch: the clients opt into batches (`batch=1`): several events per
  // frame once a backlog forms (PROTOCOL.md, Batching).
  ringcast_server(const options& o, bool batch)
      : options_(o),
        batch_(batch),
        segment_name_("rcbench-" + std::to_string(::getpid()) + "-" + std::to_string(++runs_)),
        seg_(create(segment_name_)) {
    try {
      start(0);
    } catch (...) {
      shm::segment::remove(segment_name_);  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~ringcast_server() override {
    bridge_.reset();
    shm::segment::remove(segment_name_);
  }
  ringcast_server(const ringcast_server&) = delete;
  ringcast_server& operator=(const ringcast_server&) = delete;

  server_kind kind() const noexcept override { return batch_ ? server_kind::ringcast_batch : server_kind::ringcast; }
  unsigned short port() const noexcept override { return port_; }
  pid_t pid() const noexcept override { return bridge_->pid(); }
  std::string ws_target(const std::string& user) const override {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    return "/ws?token=" + bridge::mint_token({user, now_s + 3600, false}, k_secret) + (batch_ ? "&batch=1" : "");
  }
  std::unique_ptr<producer_port> producer() override { return std::make_unique<ring_producer>(seg_); }
  std::string segment() const override { return segment_name_; }
  void crash_and_restart() override {
    bridge_->kill_now();
    bridge_.reset();
    start(port_);
  }

 private:
  static std::shared_ptr<shm::segment> create(const std::string& name) {
    shm::segment::remove(name);
    ::setenv("RINGCAST_JWT_SECRET", k_secret, 1);  // before the bridge is spawned: it inherits it
    return shm::segment::open_or_create({.name = name});
  }

  void start(unsigned short port) {
    bridge_.emplace(bridge_argv(options_, segment_name_, port), options_.bridge_bin, options_.pin ? 0 : -1);
    std::smatch m;
    if (!std::regex_search(bridge_->first_line(), m, std::regex(R"(:(\d+) segment)")))
      throw std::runtime_error("ringcast-bridge said: " + bridge_->first_line());
    port_ = static_cast<unsigned short>(std::stoi(m[1]));
  }

  static inline unsigned runs_ = 0;
  options options_;
  bool batch_;
  std::string segment_name_;
  std::shared_ptr<shm::segment> seg_;  // created before the bridge starts, which attaches to it
  std::optional<child_process> bridge_;
  unsigned short port_ = 0;
};

// --- the Node ws baseline -------------------------------------------------

class feed_producer final : public producer_port {
 public:
  explicit feed_producer(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to the baseline's feed");
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~feed_producer() override { ::close(fd_); }
  feed_producer(const feed_producer&) = delete;
  feed_producer& operator=(const feed_producer&) = delete;

  // The frame the bridge would send, behind its routing key. A blocking
  // write: when the baseline falls behind, the producer waits, and the
  // schedule -> receive latency shows it.
  bool publish(const std::string& user, event_kind kind, std::uint64_t marker) override {
    line_.assign(user);
    line_ += kind == event_kind::order ? "\t{\"type\":\"ORDER_UPDATE\",\"seq\":" : "\t{\"type\":\"PNL_UPDATE\",\"seq\":";
    line_ += std::to_string(marker);
    line_ += ",\"timestamp\":\"";
    shm::append_iso8601_utc(shm::realtime_now_ns(), line_);
    line_ += "\",\"userId\":";
    line_ += boost::json::serialize(boost::json::string(user));
    line_ += ",\"payload\":";
    if (kind == event_kind::order) shm::encode_json(order_of(marker), line_);
    else shm::encode_json(pnl_of(marker), line_);
    line_ += "}\n";
    for (std::size_t done = 0; done < line_.size();) {
      const auto n = ::send(fd_, line_.data() + done, line_.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  std::string line_;
};

class node_server final : public server {
 public:
  explicit node_server(const options& o)
      : node_({o.node_bin, o.baseline_script, "--node-modules", o.node_modules}, o.node_bin + " " + o.baseline_script,
              o.pin ? 0 : -1) {
    std::smatch m;
    if (!std::regex_search(node_.first_line(), m, std::regex(R"(ws 127\.0\.0\.1:(\d+) feed 127\.0\.0\.1:(\d+))")))
      throw std::runtime_error("the ws baseline said: " + node_.first_line());
    port_ = static_cast<unsigned short>(std::stoi(m[1]));
    feed_port_ = static_cast<unsigned short>(std::stoi(m[2]));
  }
  server_kind kind() const noexcept override { return server_kind::ws_node; }
  unsigned short port() const noexcept override { return port_; }
  pid_t pid() const noexcept override { return node_.pid(); }
  std::string ws_target(const std::string& user) const override { return "/ws?user=" + user; }
  std::unique_ptr<producer_port> producer() override { return std::make_unique<feed_producer>(feed_port_); }

 private:
  child_process node_;
  unsigned short port_ = 0, feed_port_ = 0;
};

}  // namespace

void pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    throw std::runtime_error("--pin: cannot run on CPU " + std::to_string(cpu) + ": " + std::strerror(errno));
}

child_process::child_process(std::vector<std::string> argv, const std::string& what, int cpu) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // A child inherits its parent thread's CPU mask: bind this thread for the
  // spawn, then give it its own mask back.
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (cpu >= 0) {
    ::sched_getaffinity(0, sizeof mine, &mine);
    pin_to_cpu(static_cast<unsigned>(cpu));
  }
  const int rc = ::posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
  if (cpu >= 0) ::sched_setaffinity(0, sizeof mine, &mine);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + what);
  }
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') first_line_ += c;
  ::close(out[0]);  // the child's later output goes to a closed pipe: both servers print one line only
}

pid_t spawn_process(std::vector<std::string> argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  return ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) == 0 ? pid : -1;
}

void child_process::kill_now() noexcept {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

child_process::~child_process() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

namespace {

std::string read_proc(pid_t pid, const char* file) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

// The value of "Key:   1234 kB" in /proc/PID/status, in bytes.
std::uint64_t status_kib(const std::string& status, const char* key) {
  const auto at = status.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(status.c_str() + at + std::strlen(key), nullptr, 10) * 1024;
}

}  // namespace

process_sample sample_process(pid_t pid) {
  process_sample s;
  // "pid (comm) state ppid ...": fields counted after the command name,
  // which may hold spaces; utime and stime are fields 14 and 15.
  const std::string stat = read_proc(pid, "stat");
  const auto close_paren = stat.rfind(')');
  if (close_paren != std::string::npos) {
    std::istringstream rest(stat.substr(close_paren + 2));
    std::string field;
    unsigned long long ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
      if (i >= 14) ticks += std::strtoull(field.c_str(), nullptr, 10);
    s.cpu_s = static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  const std::string status = read_proc(pid, "status");
  s.rss = status_kib(status, "VmRSS:");
  s.peak = status_kib(status, "VmHWM:");
  return s;
}

std::unique_ptr<server> start_server(server_kind kind, const options& o) {
  if (kind != server_kind::ws_node) return std::make_unique<ringcast_server>(o, kind == server_kind::ringcast_batch);
  return std::make_unique<node_server>(o);
}

shm::order_update order_of(std::uint64_t marker) {
  shm::order_update u{};
  u.order_id = static_cast<std::int64_t>(marker);
  u.symbol = "BTCUSDT";
  u.price = 64250.5;
  u.qty = 0.01;
  return u;
}

std::string user_name(unsigned i) {
  std::string s = "u";
  s += std::to_string(i);
  return s;
}

}  // namespace ringcast::bench
