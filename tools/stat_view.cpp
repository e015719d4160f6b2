#include "stat_view.hpp"

#include <fmt/format.h>
#include <time.h>

#include <boost/json/array.hpp>
#include <cmath>
#include <iterator>

namespace ringcast::tools::stat {

namespace {

std::string clock_time(std::int64_t realtime_ns) {
  const auto secs = static_cast<time_t>(realtime_ns / 1'000'000'000);
  tm local{};
  ::localtime_r(&secs, &local);
  return fmt::format("{:02}:{:02}:{:02}", local.tm_hour, local.tm_min, local.tm_sec);
}

std::string pid_text(std::uint32_t pid, pid_state state) {
  if (state == pid_state::none) return "-";
  return state == pid_state::dead ? fmt::format("{} dead", pid) : fmt::format("{}", pid);
}

// A rate as a whole number of events per second, or "-" when unknown.
std::string rate_text(double per_s, bool known) {
  return known ? fmt::format("{}", static_cast<std::uint64_t>(std::llround(per_s))) : "-";
}

boost::json::value pid_json(std::uint32_t pid) {
  if (pid == 0) return nullptr;
  return pid;
}

boost::json::value rate_json(double per_s, bool known) {
  if (!known) return nullptr;
  return per_s;
}

}  // namespace

std::string render_text(const stat_report& r, const text_options& options) {
  const segment_sample& s = r.now;
  std::string out;
  auto line = std::back_inserter(out);
  const std::string consumer = s.consumer == pid_state::none ? "none" : pid_text(s.consumer_pid, s.consumer);
  const std::string heartbeat = fmt::format(
      "{}{}", r.heartbeat_age_ms ? fmt::format("{} ms", *r.heartbeat_age_ms) : "-", r.consumer_stale ? " stale" : "");
  fmt::format_to(
      line, "ringcast-stat {}  segment '{}'  epoch {:016x}  layout v{}  lanes {}/{}  consumer {}  heartbeat {}\n",
      clock_time(s.realtime_ns), s.name, s.epoch, s.layout_version, s.lanes_in_use, s.lane_count, consumer, heartbeat);
  fmt::format_to(line, "per second  published {}  dropped {}  drained {}\n",
                 rate_text(r.published_per_s, r.rates_known), rate_text(r.dropped_per_s, r.rates_known),
                 rate_text(r.drained_per_s, r.rates_known));
  fmt::format_to(line,
                 "totals      published {}  dropped {}  drained {}  lag {} records / {} bytes  lost {}  corrupt {}  "
                 "reclaimed {}\n",
                 r.published, r.dropped, s.drained, r.lag_records, r.lag_bytes, s.lost, s.corrupt, s.reclaimed);
  if (!options.note.empty()) fmt::format_to(line, "{}\n", options.note);
  fmt::format_to(line, "\n{:>5}  {:<12} {:>12} {:>10} {:>14} {:>12} {:>7} {:>14}\n", "lane", "owner", "published/s",
                 "dropped/s", "published", "dropped", "fill %", "next seq");
  std::size_t shown = 0;
  for (const lane_report& l : r.lanes) {
    if (shown == options.max_lane_rows) break;
    const lane_counters& c = l.counters;
    fmt::format_to(line, "{:>5}  {:<12} {:>12} {:>10} {:>14} {:>12} {:>7.1f} {:>14}\n", c.index,
                   pid_text(c.owner_pid, c.owner), rate_text(l.published_per_s, r.rates_known),
                   rate_text(l.dropped_per_s, r.rates_known), c.published, c.dropped, l.fill_percent, c.next_seq);
    ++shown;
  }
  if (shown < r.lanes.size())
    fmt::format_to(line, "  ... {} more lanes (a taller terminal, or --once)\n", r.lanes.size() - shown);
  if (r.lanes.empty()) fmt::format_to(line, "  (no lane has an owner, unread data or traffic)\n");
  return out;
}

// Keys (stable; rates are events per second, null when unknown):
//   segment, epoch (16 hex digits), layoutVersion, laneCount, laneCapacity,
//   lanesInUse, laneHighWater, consumerPid (null: none), consumerState
//   ("none" | "alive" | "dead"), consumerHeartbeatAgeMs (null: never),
//   consumerStale, timestampNs, intervalS, published, dropped, drained,
//   publishedPerS, droppedPerS, drainedPerS, lagRecords, lagBytes, lost,
//   corrupt, reclaimed, lanes[]: lane, ownerPid (null: free), ownerState,
//   published, dropped, drained, lost, publishedPerS, droppedPerS,
//   drainedPerS, unreadBytes, fillPercent, nextSeq, claims.
boost::json::object to_json(const stat_report& r) {
  const segment_sample& s = r.now;
  boost::json::array lanes;
  lanes.reserve(r.lanes.size());
  for (const lane_report& l : r.lanes) {
    const lane_counters& c = l.counters;
    lanes.push_back(boost::json::object{
        {"lane", c.index},
        {"ownerPid", pid_json(c.owner_pid)},
        {"ownerState", to_string(c.owner)},
        {"published", c.published},
        {"dropped", c.dropped},
        {"drained", c.drained},
        {"lost", c.lost},
        {"publishedPerS", rate_json(l.published_per_s, r.rates_known)},
        {"droppedPerS", rate_json(l.dropped_per_s, r.rates_known)},
        {"drainedPerS", rate_json(l.drained_per_s, r.rates_known)},
        {"unreadBytes", l.unread_bytes},
        {"fillPercent", l.fill_percent},
        {"nextSeq", c.next_seq},
        {"claims", c.claims},
    });
  }
  boost::json::value heartbeat_age = nullptr;
  if (r.heartbeat_age_ms) heartbeat_age = *r.heartbeat_age_ms;
  return boost::json::object{
      {"segment", s.name},
      {"epoch", fmt::format("{:016x}", s.epoch)},  // a string: JavaScript numbers lose 64-bit precision
      {"layoutVersion", s.layout_version},
      {"laneCount", s.lane_count},
      {"laneCapacity", s.lane_capacity},
      {"lanesInUse", s.lanes_in_use},
      {"laneHighWater", s.lane_high_water},
      {"consumerPid", pid_json(s.consumer_pid)},
      {"consumerState", to_string(s.consumer)},
      {"consumerHeartbeatAgeMs", heartbeat_age},
      {"consumerStale", r.consumer_stale},
      {"timestampNs", s.realtime_ns},
      {"intervalS", r.interval_s},
      {"published", r.published},
      {"dropped", r.dropped},
      {"drained", s.drained},
      {"publishedPerS", rate_json(r.published_per_s, r.rates_known)},
      {"droppedPerS", rate_json(r.dropped_per_s, r.rates_known)},
      {"drainedPerS", rate_json(r.drained_per_s, r.rates_known)},
      {"lagRecords", r.lag_records},
      {"lagBytes", r.lag_bytes},
      {"lost", s.lost},
      {"corrupt", s.corrupt},
      {"reclaimed", s.reclaimed},
      {"lanes", std::move(lanes)},
  };
}

}  // namespace ringcast::tools::stat
