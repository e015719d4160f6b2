#include "ringcast/shm/realtime_clock.hpp"

#include <fstream>
#include <string>

namespace ringcast::shm {

namespace {

constexpr std::int64_t k_anchor_span_ns = 1'000'000;     // re-anchor every 1 ms of ticks
constexpr std::int64_t k_min_rate_span_ns = 1'000'000;   // first rate from >= 1 ms
constexpr std::int64_t k_max_rate_span_ns = 10'000'000'000;  // then keep the rate's base within 10 s

bool kernel_trusts_tsc() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return in >> source && source == "tsc";
}

}  // namespace

std::int64_t realtime_clock::reanchor() noexcept {
#if defined(__x86_64__)
  static const bool tsc_ok = kernel_trusts_tsc();
  if (!tsc_ok) return realtime_now_ns();
  // Bracket the clock read with two TSC reads; the midpoint is its tick.
  const std::uint64_t before = __rdtsc();
  const std::int64_t ns = realtime_now_ns();
  const std::uint64_t ticks = before + (__rdtsc() - before) / 2;

  if (rate_ticks_ == 0 || ns < rate_ns_ || ticks <= rate_ticks_) {
    // First call, or the wall clock was stepped back: measure afresh.
    rate_ticks_ = ticks;
    rate_ns_ = ns;
    anchor_span_ticks_ = 0;
  } else if (ns - rate_ns_ >= k_min_rate_span_ns) {
    // In double: 10 s of ns shifted by 32 would not fit 64 bits; 53 bits of
    // mantissa are far finer than the clock reads themselves.
    const auto rate = static_cast<std::uint64_t>(static_cast<double>(ns - rate_ns_) * 4294967296.0 /
                                                 static_cast<double>(ticks - rate_ticks_));
    // A rate 1% off the last one means the wall clock was stepped: start over.
    const bool plausible = ns_per_tick_q32_ == 0 || (rate > ns_per_tick_q32_ - ns_per_tick_q32_ / 100 &&
                                                     rate < ns_per_tick_q32_ + ns_per_tick_q32_ / 100);
    if (plausible && rate > 0) {
      ns_per_tick_q32_ = rate;
      anchor_span_ticks_ = (static_cast<std::uint64_t>(k_anchor_span_ns) << 32) / rate;
      if (ns - rate_ns_ > k_max_rate_span_ns) {  // NTP slews the clock: follow it
        rate_ticks_ = ticks;
        rate_ns_ = ns;
      }
    } else {
      rate_ticks_ = ticks;
      rate_ns_ = ns;
      ns_per_tick_q32_ = 0;
      anchor_span_ticks_ = 0;
    }
  }
  anchor_ticks_ = ticks;
  anchor_ns_ = ns;
  return ns;
#else
  return realtime_now_ns();
#endif
}

}  // namespace ringcast::shm
