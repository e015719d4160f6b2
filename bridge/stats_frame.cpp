#include "stats_frame.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bridge {

stats_sample stats_sample::take(const bridge_metrics& m, std::int64_t now_ns) {
  stats_sample s;
  s.at_ns = now_ns;
  s.events = m.events_drained();
  s.frames = m.frames_delivered();
  s.drops = m.drops_total();
  s.ring_lost = m.ring_lost();
  s.sessions = m.sessions();
  s.latency = m.latency();
  return s;
}

std::string stats_frame_text(const stats_sample& before, const stats_sample& now) {
  const double seconds = static_cast<double>(now.at_ns - before.at_ns) / 1e9;
  // Rates to one decimal: what a chart shows, not counter noise.
  auto rate = [seconds](std::uint64_t a, std::uint64_t b) {
    return seconds > 0 ? std::round(static_cast<double>(b - a) / seconds * 10) / 10 : 0.0;
  };
  const auto lat = now.latency.since(before.latency);
  auto us = [](double v) { return std::round(v * 10) / 10; };
  boost::json::object o;
  o["type"] = "bridge:stats";
  std::string t;
  shm::append_iso8601_utc(shm::realtime_now_ns(), t);
  o["serverTime"] = t;
  o["intervalMs"] = std::llround(seconds * 1000);
  o["eventsPerSecond"] = rate(before.events, now.events);
  o["framesPerSecond"] = rate(before.frames, now.frames);
  o["dropsPerSecond"] = rate(before.drops, now.drops);
  o["ringLostPerSecond"] = rate(before.ring_lost, now.ring_lost);
  o["sessions"] = now.sessions;
  o["latencyUs"] = {{"count", lat.total},
                    {"p50", us(lat.percentile_us(0.50))},
                    {"p90", us(lat.percentile_us(0.90))},
                    {"p99", us(lat.percentile_us(0.99))},
                    {"p999", us(lat.percentile_us(0.999))},
                    {"max", lat.max_us()}};
  o["totals"] = {{"eventsDrained", now.events},
                 {"framesDelivered", now.frames},
                 {"sessionDrops", now.drops},
                 {"ringLost", now.ring_lost}};
  return boost::json::serialize(o);
}

}  // namespace ringcast::bridge
