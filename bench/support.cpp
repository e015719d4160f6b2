#include "support.hpp"

#include <benchmark/benchmark.h>
#include <dirent.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace ringcast::bench {

namespace {

constexpr std::string_view k_prefix = "rcbench-";

// What the signal handler must undo, kept where a handler can read it
// without locks or allocation: fixed slots, published with release.
constexpr int k_slots = 32;
struct name_slot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 holds a name
  std::array<char, 128> path{};  // "/rcbench-..." as shm_unlink wants it
};
std::array<name_slot, k_slots> g_names;
std::array<std::atomic<pid_t>, k_slots> g_children{};

int claim_name_slot(const std::string& name) noexcept {
  for (int i = 0; i < k_slots; ++i) {
    auto& s = g_names[static_cast<std::size_t>(i)];
    int expected = 0;
    if (!s.state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    std::snprintf(s.path.data(), s.path.size(), "/%s", name.c_str());
    s.state.store(2, std::memory_order_release);
    return i;
  }
  return -1;  // more than k_slots names alive at once: still removed by the destructor
}

void register_child(pid_t pid) noexcept {
  for (auto& c : g_children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid)) return;
  }
}

void unregister_child(pid_t pid) noexcept {
  for (auto& c : g_children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0)) return;
  }
}

extern "C" void on_fatal_signal(int sig) {
  // Async-signal-safe only: kill, shm_unlink, signal, raise.
  for (auto& c : g_children)
    if (const pid_t pid = c.load(std::memory_order_relaxed); pid > 0) ::kill(pid, SIGKILL);
  for (auto& s : g_names)
    if (s.state.load(std::memory_order_acquire) == 2) ::shm_unlink(s.path.data());
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

constexpr std::array k_fatal_signals{SIGINT, SIGTERM, SIGHUP, SIGABRT};

}  // namespace

run_settings& settings() noexcept {
  static run_settings s;
  return s;
}

bool pin_to(int cpu) noexcept {
  if (!settings().pin) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (::sched_setaffinity(0, sizeof set, &set) == 0) return true;
  std::fprintf(stderr, "ringcast-bench-shm: cannot pin to CPU %d: %s\n", cpu, std::strerror(errno));
  return false;
}

std::uint64_t involuntary_switches() noexcept {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return static_cast<std::uint64_t>(u.ru_nivcsw);
}

std::int64_t steady_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// ---- names ----

scoped_shm_name::scoped_shm_name(std::string_view tag) {
  static std::atomic<int> counter{0};
  name_ = std::string(k_prefix) + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
          std::string(tag);
  slot_ = claim_name_slot(name_);
  ::shm_unlink(("/" + name_).c_str());
}

scoped_shm_name::~scoped_shm_name() {
  ::shm_unlink(("/" + name_).c_str());
  if (slot_ >= 0) g_names[static_cast<std::size_t>(slot_)].state.store(0, std::memory_order_release);
}

void install_cleanup_handlers() {
  for (int sig : k_fatal_signals) std::signal(sig, on_fatal_signal);
}

int remove_stale_shm_objects() {
  DIR* dir = ::opendir("/dev/shm");
  if (dir == nullptr) return 0;
  int removed = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name(e->d_name);
    if (!name.starts_with(k_prefix)) continue;
    const std::string_view rest = name.substr(k_prefix.size());
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (ec != std::errc{} || pid <= 0 || end == rest.data()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its bench still runs
    if (::shm_unlink(("/" + std::string(name)).c_str()) == 0) ++removed;
  }
  ::closedir(dir);
  return removed;
}

// ---- shared memory across fork ----

shared_region::shared_region(std::size_t bytes) : size_(bytes) {
  base_ = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of a shared region");
}

shared_region::~shared_region() { ::munmap(base_, size_); }

void report_failure(shared_control& ctl, std::string_view what) noexcept {
  const std::size_t n = std::min(what.size(), sizeof ctl.message - 1);
  std::memcpy(ctl.message, what.data(), n);
  ctl.message[n] = '\0';
  // SYNC POINT (release): publishes message; pairs with the acquire load
  // of failed in wait_until() and the benchmarks' error paths.
  ctl.failed.store(1, std::memory_order_release);
}

// ---- child process ----

child_process::child_process(shared_control& ctl, const std::function<void()>& body) {
  const pid_t parent = ::getpid();
  std::fflush(nullptr);  // or the child would print the parent's buffered output again
  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid_ == 0) {
    for (int sig : k_fatal_signals) std::signal(sig, SIG_DFL);  // the parent cleans up
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(2);  // parent died before prctl
    pin_to(k_consumer_cpu);
    const std::uint64_t switches = involuntary_switches();
    int code = 0;
    try {
      body();
    } catch (const std::exception& e) {
      report_failure(ctl, e.what());
      code = 1;
    } catch (...) {
      report_failure(ctl, "unknown exception in the consumer process");
      code = 1;
    }
    ctl.preempted.store(involuntary_switches() - switches, std::memory_order_relaxed);
    ::_exit(code);  // never run the parent's destructors (segments, lanes) here
  }
  register_child(pid_);
}

bool child_process::running() noexcept {
  if (reaped_) return false;
  const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    unregister_child(pid_);
    return false;
  }
  return true;
}

bool child_process::join(std::chrono::milliseconds timeout) noexcept {
  const std::int64_t deadline = steady_ns() + std::chrono::nanoseconds(timeout).count();
  while (running()) {
    if (steady_ns() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
      unregister_child(pid_);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

child_process::~child_process() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  unregister_child(pid_);
}

// ---- consumer side ----

consumer_side::consumer_side(where w, shared_control& ctl, const std::function<void()>& body) : ctl_(ctl) {
  if (w == where::processes) {
    child_ = std::make_unique<child_process>(ctl, body);
    return;
  }
  thread_ = std::thread([&ctl, body] {
    pin_to(k_consumer_cpu);
    const std::uint64_t switches = involuntary_switches();
    try {
      body();
    } catch (const std::exception& e) {
      report_failure(ctl, e.what());
    } catch (...) {
      report_failure(ctl, "unknown exception in the consumer thread");
    }
    ctl.preempted.store(involuntary_switches() - switches, std::memory_order_relaxed);
  });
}

bool consumer_side::stop(std::chrono::milliseconds timeout) {
  if (stopped_) return ok_;
  stopped_ = true;
  // SYNC POINT (release): pairs with the consumers' acquire load of stop.
  ctl_.stop.store(1, std::memory_order_release);
  if (child_) ok_ = child_->join(timeout);
  if (thread_.joinable()) thread_.join();
  ok_ = ok_ && ctl_.failed.load(std::memory_order_acquire) == 0;
  return ok_;
}

consumer_side::~consumer_side() { stop(); }

bool wait_ready(const shared_control& ctl, child_process* child) {
  return wait_until([&] { return ctl.ready.load(std::memory_order_acquire) != 0; }, ctl, std::chrono::seconds(5),
                    child);
}

std::string failure_text(const shared_control& ctl, std::string_view what) {
  std::string text(what);
  if (ctl.failed.load(std::memory_order_acquire) != 0) text += std::string(": ") + ctl.message;
  return text;
}

bool wait_until(const std::function<bool()>& pred, const shared_control& ctl, std::chrono::milliseconds timeout,
                child_process* child) {
  const std::int64_t deadline = steady_ns() + std::chrono::nanoseconds(timeout).count();
  for (std::uint32_t i = 0;; ++i) {
    if (pred()) return true;
    // SYNC POINT (acquire): pairs with report_failure()'s release.
    if (ctl.failed.load(std::memory_order_acquire) != 0) return false;
    if ((i & 1023u) == 1023u) {
      if (steady_ns() > deadline) return false;
      if (child != nullptr && !child->running()) return pred();
    }
    if (i < 1u << 14)
      cpu_relax();
    else
      std::this_thread::yield();  // unpinned on a busy machine: let the other side run
  }
}

// ---- payloads ----

std::vector<std::byte> make_payload(std::size_t size) {
  std::vector<std::byte> p(size);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::byte>('a' + i % 26);
  return p;
}

void take_payload(std::span<const std::byte> bytes) noexcept {
  alignas(64) thread_local std::array<std::byte, 4096> copy;
  std::size_t n = std::min(bytes.size(), copy.size());
  // Hide the bound from the optimiser: it would otherwise expand the copy
  // inline as `rep movsq`, whose start-up cost (~30 cycles) would dwarf a
  // 64 B copy; glibc's memcpy copies 64 B with two vector moves.
  benchmark::DoNotOptimize(n);
  std::memcpy(copy.data(), bytes.data(), n);
  benchmark::DoNotOptimize(copy.data());
  benchmark::ClobberMemory();
}

// ---- percentiles ----

percentiles compute_percentiles(std::span<std::int64_t> samples) {
  percentiles p;
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return static_cast<double>(samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1]);
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(samples.back());
  return p;
}

}  // namespace ringcast::bench
