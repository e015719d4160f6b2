#include "health.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>

#include "ringcast/shm/realtime_clock.hpp"
#include "stat_sample.hpp"

namespace ringcast::bridge {

std::string health_json(const bridge_context& ctx, const router_report& report) {
  const auto& sessions = report.sessions;
  namespace json = boost::json;
  const auto sample = tools::stat::take_sample(*ctx.segment);
  std::uint64_t published = 0, ring_dropped = 0, lag_bytes = 0;
  for (const auto& l : sample.lanes) {
    published += l.published;
    ring_dropped += l.dropped;
    lag_bytes += l.tail - l.head;
  }
  const std::int64_t heartbeat_age_ms =
      sample.heartbeat_ns == 0 ? -1 : (shm::realtime_now_ns() - sample.heartbeat_ns) / 1'000'000;
  // The drain thread beats at least every 100 ms while it runs.
  const bool draining = heartbeat_age_ms >= 0 && heartbeat_age_ms < tools::stat::k_stale_after_ms;

  json::object o;
  o["status"] = draining ? "ok" : "degraded";
  o["uptimeSeconds"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - ctx.started).count();
  o["epoch"] = ctx.epoch;
  o["segment"] = {{"name", sample.name},
                  {"epoch", hex64(sample.epoch)},
                  {"layoutVersion", sample.layout_version},
                  {"lanes", sample.lane_count},
                  {"laneCapacity", sample.lane_capacity},
                  {"lanesInUse", sample.lanes_in_use}};
  o["ring"] = {{"published", published},
               {"dropped", ring_dropped},
               {"drained", sample.drained},
               {"lost", sample.lost},
               {"lagBytes", lag_bytes}};
  o["consumer"] = {{"pid", sample.consumer_pid}, {"heartbeatAgeMs", heartbeat_age_ms}};
  o["bridge"] = {{"eventsDrained", ctx.metrics.events_drained()},
                 {"eventsUndecodable", ctx.metrics.undecodable_events()},
                 {"framesDelivered", ctx.metrics.frames_delivered()},
                 {"sessionDrops", ctx.metrics.drops_total()}};
  const auto& h = report.history;
  o["history"] = {{"events", h.events},
                  {"bytes", h.bytes},
                  {"limitBytes", ctx.config.history_bytes},
                  {"users", h.users},
                  {"oldestSeq", h.oldest_seq},
                  {"evictedUpTo", h.evicted_upto}};
  o["snapshot"] = {{"users", report.snapshot.users},
                   {"entries", report.snapshot.entries},
                   {"bytes", report.snapshot.bytes},
                   {"limitBytes", ctx.config.snapshot_bytes}};
  json::array list;
  for (std::size_t i = 0; i < sessions.size() && i < k_health_sessions_listed; ++i) {
    const auto& s = sessions[i];
    list.push_back({{"id", std::to_string(s.id)},
                    {"userId", s.user_id},
                    {"admin", s.admin},
                    {"queuedMessages", s.queued_messages},
                    {"queuedBytes", s.queued_bytes},
                    {"dropped", s.dropped},
                    {"delivered", s.delivered},
                    {"conflated", s.conflated},
                    {"gapNotices", s.gap_notices},
                    {"logsSuppressed", s.logs_suppressed}});
  }
  o["sessions"] = {{"count", sessions.size()}, {"listed", list.size()}, {"list", std::move(list)}};
  return json::serialize(o);
}

std::string snapshot_json(const bridge_context& ctx, const std::vector<frame_ptr>& frames) {
  // The frames are already JSON text: joined, not re-encoded.
  std::string out = R"({"epoch":")" + ctx.epoch + R"(","events":[)";
  bool first = true;
  for (const auto& f : frames) {
    if (!first) out += ',';
    first = false;
    out += f->text;
  }
  out += "]}";
  return out;
}

}  // namespace ringcast::bridge
