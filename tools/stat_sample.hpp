// ringcast-stat's data: one sample of every counter in a segment, and the
// report made from two samples (rates are deltas over the elapsed time).
//
// take_sample() only loads from the mapping, so it works on a read-only one;
// make_report() is a pure function of two samples, so it is unit-tested
// without a segment (tests/stat/stat_report_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringcast/shm/segment.hpp"

namespace ringcast::tools::stat {

// A consumer whose heartbeat is older than this is shown as stale: 20 times
// the consumer's longest sleep (100 ms), so only a stuck or gone consumer.
inline constexpr std::int64_t k_stale_after_ms = 2000;

enum class pid_state : std::uint8_t { none, alive, dead };

[[nodiscard]] const char* to_string(pid_state s) noexcept;

// none for pid 0; dead when kill(pid, 0) says no such process. A zombie
// (exited, not yet reaped) still counts as alive, as kill() sees it.
[[nodiscard]] pid_state probe_pid(std::uint32_t pid) noexcept;

struct lane_counters {
  std::uint32_t index = 0;
  std::uint32_t owner_pid = 0;  // 0: free
  pid_state owner = pid_state::none;
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
  std::uint64_t next_seq = 0;
  std::uint64_t tail = 0;  // bytes committed since the lane was created
  std::uint64_t head = 0;  // bytes the consumer is done with; head <= tail (see take_sample)
  std::uint64_t drained = 0;
  std::uint64_t lost = 0;
  std::uint64_t claims = 0;
};

struct segment_sample {
  std::int64_t steady_ns = 0;    // CLOCK_MONOTONIC when taken: the rates' clock
  std::int64_t realtime_ns = 0;  // CLOCK_REALTIME when taken: the heartbeat's clock
  std::string name;
  std::uint64_t epoch = 0;
  std::uint32_t layout_version = 0;
  std::uint32_t lane_count = 0;
  std::uint32_t lane_capacity = 0;
  std::uint32_t lanes_in_use = 0;
  std::uint32_t lane_high_water = 0;
  std::uint32_t consumer_pid = 0;  // 0: no consumer attached
  pid_state consumer = pid_state::none;
  std::int64_t heartbeat_ns = 0;  // CLOCK_REALTIME; 0: no consumer ever beat
  std::uint64_t drained = 0;
  std::uint64_t lost = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t reclaimed = 0;
  std::vector<lane_counters> lanes;  // every lane, by index
};

// Reads every counter of `seg` once. Loads only: safe on a read-only mapping.
[[nodiscard]] segment_sample take_sample(const shm::segment& seg);

struct lane_report {
  lane_counters counters;
  double published_per_s = 0;
  double dropped_per_s = 0;
  double drained_per_s = 0;
  std::uint64_t unread_bytes = 0;  // tail - head
  double fill_percent = 0;         // unread_bytes over lane_capacity
};

struct stat_report {
  segment_sample now;  // the later sample, for the identity and the raw counters
  double interval_s = 0;
  // False when the earlier sample is of another segment (recreated in
  // between, another epoch): rates are then 0 and shown as unknown.
  bool rates_known = false;
  std::uint64_t published = 0;  // sum over every lane
  std::uint64_t dropped = 0;
  double published_per_s = 0;
  double dropped_per_s = 0;
  double drained_per_s = 0;
  // published - drained, 0 when negative: drained also counts records a
  // restarted consumer hands out again (docs/decisions/0003).
  std::uint64_t lag_records = 0;
  std::uint64_t lag_bytes = 0;                   // sum of every lane's unread bytes: exact
  std::optional<std::int64_t> heartbeat_age_ms;  // nullopt: no heartbeat ever
  bool consumer_stale = true;                    // no live consumer, or its heartbeat is older than k_stale_after_ms
  // Lanes worth a row: with an owner, unread bytes, or publishes or drops
  // during the interval. The totals above cover every lane.
  std::vector<lane_report> lanes;
};

// The report of `now` with rates over the time since `before`.
[[nodiscard]] stat_report make_report(const segment_sample& before, const segment_sample& now);

}  // namespace ringcast::tools::stat
