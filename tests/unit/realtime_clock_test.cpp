// realtime_clock interpolates the TSC between clock_gettime anchors: its
// readings must stay within a few microseconds of CLOCK_REALTIME, never run
// backwards by more than that, and start interpolating once calibrated.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::shm {
namespace {

TEST(realtime_clock, stays_within_microseconds_of_clock_realtime) {
  realtime_clock clock;
  std::int64_t worst = 0, previous = 0, backwards = 0;
  const std::int64_t end = realtime_now_ns() + 300'000'000;  // 300 ms: many re-anchors
  for (std::int64_t i = 0;; ++i) {
    const std::int64_t before = realtime_now_ns();
    const std::int64_t t = clock.now();
    const std::int64_t after = realtime_now_ns();
    // Outside [before, after] by how much (0 if inside).
    const std::int64_t off = t < before ? before - t : (t > after ? t - after : 0);
    worst = std::max(worst, off);
    if (t < previous) backwards = std::max(backwards, previous - t);
    previous = t;
    if (after >= end) break;
  }
  EXPECT_LT(worst, 20'000) << "ns off CLOCK_REALTIME";
  EXPECT_LT(backwards, 20'000) << "ns backwards between two readings";
}

TEST(realtime_clock, interpolates_where_the_kernel_trusts_the_tsc) {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  in >> source;
  realtime_clock clock;
  const std::int64_t end = realtime_now_ns() + 20'000'000;
  while (realtime_now_ns() < end) (void)clock.now();
#if defined(__x86_64__)
  EXPECT_EQ(clock.interpolating(), source == "tsc") << "clocksource " << source;
#else
  EXPECT_FALSE(clock.interpolating());
#endif
}

}  // namespace
}  // namespace ringcast::shm
