// `bridge:stats`: once a second, to admin sessions, what the bridge did in
// the last interval — events drained, frames delivered, drops, sessions and
// delivery latency percentiles — so an operator's dashboard charts it live
// from the stream it already has, without polling /metrics.
#pragma once

#include <cstdint>
#include <string>

#include "latency_histogram.hpp"
#include "metrics.hpp"

namespace ringcast::bridge {

struct stats_sample {
  std::int64_t at_ns = 0;  // steady clock
  std::uint64_t events = 0;
  std::uint64_t frames = 0;
  std::uint64_t drops = 0;
  std::uint64_t ring_lost = 0;
  std::int64_t sessions = 0;
  latency_histogram::counts latency;

  [[nodiscard]] static stats_sample take(const bridge_metrics& m, std::int64_t now_ns);
};

// The message for the interval from `before` to `now` (JSON text).
[[nodiscard]] std::string stats_frame_text(const stats_sample& before, const stats_sample& now);

}  // namespace ringcast::bridge
