// What the one-way latency benchmarks share, so that ringcast and its
// baselines are measured the same way (latency_bench.cpp describes the
// method): the stamp an event carries, the plans, the producer's schedule,
// and the samples with what is reported from them.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "ringcast/shm/consumer.hpp"
#include "support.hpp"

namespace ringcast::bench {

// At the front of every event's payload.
struct stamp {
  std::uint64_t index;
  std::int64_t due_ns;   // CLOCK_MONOTONIC: when the event was scheduled
  std::int64_t sent_ns;  // CLOCK_MONOTONIC: right before publish (diagnostics)
};
inline constexpr std::uint64_t k_stop_index = ~std::uint64_t{0};

struct latency_plan {
  const char* name;
  std::uint64_t warmup;   // events sent first and not recorded
  std::uint64_t samples;  // events recorded
  std::int64_t interval_ns;
  std::chrono::nanoseconds consumer_spin;
  [[nodiscard]] constexpr std::uint64_t total() const noexcept { return warmup + samples; }
};

inline constexpr latency_plan k_spinning{"spinning", 5'000, 200'000, 5'000, std::chrono::seconds(10)};
inline constexpr latency_plan k_asleep{"asleep", 50, 5'000, 300'000, shm::consumer_options{}.spin};

// The producer: event i is due at t0 + i * interval, t0 = 1 ms from now.
// Busy-waits until then, writes the stamp at the front of `payload`, and
// hands the payload to publish(), which returns false to give up. Returns
// how late the producer ran at most (ns).
template <class Publish>
std::int64_t send_on_schedule(const latency_plan& plan, std::span<std::byte> payload, Publish&& publish) {
  std::int64_t late_max = 0;
  const std::int64_t t0 = steady_ns() + 1'000'000;
  for (std::uint64_t i = 0; i < plan.total(); ++i) {
    const std::int64_t due = t0 + static_cast<std::int64_t>(i) * plan.interval_ns;
    std::int64_t now = steady_ns();
    while (now < due) {
      cpu_relax();
      now = steady_ns();
    }
    late_max = std::max(late_max, now - due);
    const stamp s{i, due, now};
    std::memcpy(payload.data(), &s, sizeof s);
    if (!publish(std::span<const std::byte>(payload))) break;
  }
  return late_max;
}

// Turns `payload` into the stop sign that ends the consumer's loop.
inline void make_stop_sign(std::span<std::byte> payload) noexcept {
  const stamp s{k_stop_index, 0, 0};
  std::memcpy(payload.data(), &s, sizeof s);
}

// Every sample, kept in memory shared with a forked consumer (-1: never
// received). The consumer's writes reach the bench through its release
// store of shared_control::done.
class latency_samples {
 public:
  explicit latency_samples(const latency_plan& plan);
  // The consumer, the moment it holds an event's bytes (`now`: steady_ns()
  // read then). False for the stop sign.
  bool record(std::span<const std::byte> payload, std::int64_t now) noexcept;
  // Recorded events (after the warm-up) that never arrived.
  [[nodiscard]] std::uint64_t missing() const noexcept;
  // Sets p50_ns, p99_ns, p999_ns, max_ns, send_p{50,99,999}_ns, samples,
  // offered_ev_per_s. Sorts the samples.
  void report(benchmark::State& state);

 private:
  latency_plan plan_;
  shared_region region_;
  std::int64_t* from_due_;   // receipt - due
  std::int64_t* from_send_;  // receipt - actual publish call
};

}  // namespace ringcast::bench
