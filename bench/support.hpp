// What every shm benchmark needs and none should re-invent: CPU pinning,
// the clock, uniquely named segments that are removed even when the run
// fails or is interrupted, a child process that cannot outlive the bench,
// memory shared across fork(), and percentiles.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

#include "ringcast/shm/doorbell.hpp"
#include "ringcast/shm/layout.hpp"

namespace ringcast::bench {

// ---- run-wide settings (main() fills them from the command line) ----
struct run_settings {
  bool pin = false;  // --pin: producer on CPU 0, consumer on CPU 1
};
run_settings& settings() noexcept;

inline constexpr int k_producer_cpu = 0;
inline constexpr int k_consumer_cpu = 1;

// sched_setaffinity on the calling thread when --pin was given; a no-op
// otherwise. Returns false if the kernel refused.
bool pin_to(int cpu) noexcept;

// Involuntary context switches of the calling thread so far: how often the
// kernel took its CPU away because another task wanted it. On a shared
// machine, the figure that says whether a run was disturbed.
[[nodiscard]] std::uint64_t involuntary_switches() noexcept;

// CLOCK_MONOTONIC in ns (vDSO, ~20 ns): the same clock in every process of
// the host, so a producer's stamp and a consumer's reading compare.
[[nodiscard]] std::int64_t steady_ns() noexcept;

using ringcast::shm::detail::cpu_relax;  // the spin hint the consumer uses, so every side spins alike

// ---- the sizes every transport is given, so that they compare ----
// Each ringcast lane is the product default (1 MiB); a bounded baseline
// queue gets as many slots as that ring holds records of the same payload
// (global event: 32 B header + payload, rounded to 32 B).
inline constexpr std::uint32_t k_lane_capacity = shm::k_default_lane_capacity;
[[nodiscard]] constexpr std::size_t queue_depth_for(std::size_t payload) noexcept {
  return k_lane_capacity / shm::align_up(sizeof(shm::record_header) + payload, shm::k_record_alignment);
}
// Events per timed iteration of a throughput benchmark.
inline constexpr std::uint64_t k_events_per_iteration = 1u << 20;

// ---- names of shm objects: unique, and removed whatever happens ----
// "rcbench-<pid>-<n>-<tag>", usable as a ringcast segment or a Boost.
// Interprocess object name (both live in /dev/shm).
class scoped_shm_name {
 public:
  explicit scoped_shm_name(std::string_view tag);
  ~scoped_shm_name();
  scoped_shm_name(const scoped_shm_name&) = delete;
  scoped_shm_name& operator=(const scoped_shm_name&) = delete;
  [[nodiscard]] const std::string& str() const noexcept { return name_; }

 private:
  std::string name_;
  int slot_ = -1;
};

// SIGINT/SIGTERM/SIGHUP/SIGABRT: kill our children, unlink our shm names,
// then die of the same signal. Call once at start.
void install_cleanup_handlers();
// Removes /dev/shm/rcbench-<pid>-* left by a bench whose pid is dead
// (killed with SIGKILL, say). Returns how many it removed.
int remove_stale_shm_objects();

// ---- memory shared with a forked child ----
class shared_region {
 public:
  explicit shared_region(std::size_t bytes);  // zero-filled, MAP_SHARED | MAP_ANONYMOUS
  ~shared_region();
  shared_region(const shared_region&) = delete;
  shared_region& operator=(const shared_region&) = delete;
  template <class T>
  [[nodiscard]] T* as() const noexcept {
    return static_cast<T*>(base_);
  }
  // Starts the lifetime of a T at the start of the region.
  template <class T>
  T& construct() {
    return *::new (base_) T{};
  }

 private:
  void* base_ = nullptr;
  std::size_t size_ = 0;
};

// Producer and consumer talk through this block, in one process or two.
// Each writer's words have their own cache lines.
struct shared_control {
  alignas(128) std::atomic<std::uint64_t> received{0};  // consumer: events handed out so far (release store)
  std::atomic<std::uint64_t> gaps{0};                   // consumer: events reported as dropped
  std::atomic<std::uint64_t> slept{0};                  // consumer: waits that went to sleep
  std::atomic<std::uint64_t> preempted{0};              // consumer: involuntary context switches
  std::atomic<std::uint32_t> ready{0};                  // consumer: attached, start sending
  std::atomic<std::uint32_t> done{0};                   // consumer: saw the stop sign and left
  std::atomic<std::uint32_t> failed{0};                 // consumer: error, see message
  char message[200]{};
  alignas(128) std::atomic<std::uint32_t> stop{0};      // producer: finish
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);  // shared across processes

// Records an error for the other side (no allocation, any process).
void report_failure(shared_control& ctl, std::string_view what) noexcept;

// ---- a consumer process ----
// fork()s; the child dies with the parent (PR_SET_PDEATHSIG), is pinned to
// the consumer CPU when --pin, runs `body`, and _exit()s (0, or 1 after
// recording an exception in ctl). Destroying a child that still runs kills
// it; either way it is reaped.
class child_process {
 public:
  child_process(shared_control& ctl, const std::function<void()>& body);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  // False once the child has exited (reaps it).
  [[nodiscard]] bool running() noexcept;
  // Waits up to `timeout` for the child to exit; kills it after that.
  // True if it exited with status 0 on its own.
  bool join(std::chrono::milliseconds timeout) noexcept;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Runs `body` as the consumer: on a thread pinned to the consumer CPU, or
// in a forked child. An exception in `body` lands in ctl (failed, message);
// its involuntary context switches in ctl.preempted.
// The destructor stops and joins (or kills) it, so no consumer outlives
// its benchmark.
enum class where { threads, processes };
[[nodiscard]] constexpr const char* to_string(where w) noexcept { return w == where::threads ? "threads" : "processes"; }

class consumer_side {
 public:
  consumer_side(where w, shared_control& ctl, const std::function<void()>& body);
  ~consumer_side();
  consumer_side(const consumer_side&) = delete;
  consumer_side& operator=(const consumer_side&) = delete;
  [[nodiscard]] child_process* child() noexcept { return child_.get(); }
  // Sets ctl.stop and waits for the consumer to return; false if it failed,
  // or (a process) had to be killed.
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  shared_control& ctl_;
  std::unique_ptr<child_process> child_;
  std::thread thread_;
  bool stopped_ = false;
  bool ok_ = true;
};

// Waits for ctl.ready (the consumer attached). False on failure or timeout.
bool wait_ready(const shared_control& ctl, child_process* child);
// "what: <consumer's message>" when the consumer reported one.
[[nodiscard]] std::string failure_text(const shared_control& ctl, std::string_view what);

// Spins (pause, then yield) until pred() holds. False on timeout, when
// ctl.failed is set, or when `child` has exited.
bool wait_until(const std::function<bool()>& pred, const shared_control& ctl, std::chrono::milliseconds timeout,
                child_process* child = nullptr);

// ---- payloads ----
// `size` bytes of a fixed, non-zero pattern.
[[nodiscard]] std::vector<std::byte> make_payload(std::size_t size);
// What every consumer does with an event's bytes: copies them out (a
// baseline queue's pop copies, so ringcast's zero-copy view is made to
// copy too) and folds them into a sink the optimiser must keep.
void take_payload(std::span<const std::byte> bytes) noexcept;

// ---- latency ----
struct percentiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // ns
};
// Sorts `samples` and reads exact percentiles (nearest rank).
[[nodiscard]] percentiles compute_percentiles(std::span<std::int64_t> samples);

}  // namespace ringcast::bench
