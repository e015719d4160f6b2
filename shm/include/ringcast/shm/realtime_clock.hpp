// CLOCK_REALTIME in nanoseconds for the publish path, at the cost of one
// rdtsc instead of one clock_gettime (~15 ns against ~40 ns on the VMs we
// run on, where the timestamp was two thirds of a publish: docs/BENCHMARKS.md).
//
// The TSC is interpolated between clock_gettime anchors taken at most 1 ms
// apart, with a tick rate measured from anchors at least 1 ms (later: up to
// seconds) apart; the error is the rate's relative error times at most 1 ms,
// tens of ns. Used only where the kernel itself trusts the TSC (its
// clocksource is "tsc": invariant and synchronised across CPUs); elsewhere,
// and until the first rate is known, every call is a clock_gettime.
// One instance per thread (each lane_writer has its own): no atomics.
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace ringcast::shm {

[[nodiscard]] inline std::int64_t realtime_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);  // vDSO: no system call
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

class realtime_clock {
 public:
  [[nodiscard]] std::int64_t now() noexcept {
#if defined(__x86_64__)
    const std::uint64_t ticks = __rdtsc();
    const std::uint64_t since = ticks - anchor_ticks_;
    // ns = since * ns_per_tick, in 32.32 fixed point; since < 1 ms of ticks
    // (~2^22 at 4 GHz) and the factor < 2^32 keep the product in 64 bits.
    if (since < anchor_span_ticks_) [[likely]]
      return anchor_ns_ + static_cast<std::int64_t>((since * ns_per_tick_q32_) >> 32);
    return reanchor();
#else
    return realtime_now_ns();
#endif
  }

  // True once now() interpolates the TSC (for tests and diagnostics).
  [[nodiscard]] bool interpolating() const noexcept { return anchor_span_ticks_ > 0; }

 private:
  std::int64_t reanchor() noexcept;

  std::uint64_t anchor_ticks_ = 0;
  std::int64_t anchor_ns_ = 0;
  std::uint64_t anchor_span_ticks_ = 0;  // 0: not calibrated, every call re-anchors
  std::uint64_t ns_per_tick_q32_ = 0;
  std::uint64_t rate_ticks_ = 0;  // the anchor the tick rate is measured from
  std::int64_t rate_ns_ = 0;
};

}  // namespace ringcast::shm
