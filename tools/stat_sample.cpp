#include "stat_sample.hpp"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>

namespace ringcast::tools::stat {

namespace {

std::int64_t clock_ns(clockid_t clock) noexcept {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Counters only grow within one segment; a smaller value means another
// segment (or a counter reset), which is no traffic.
std::uint64_t grown(std::uint64_t before, std::uint64_t now) noexcept { return now > before ? now - before : 0; }

double per_s(std::uint64_t delta, double interval_s) noexcept {
  return interval_s > 0 ? static_cast<double>(delta) / interval_s : 0;
}

lane_counters read_lane(const shm::segment& seg, std::uint32_t i) {
  const auto& d = seg.lane(i);
  lane_counters c;
  c.index = i;
  // Every load below is relaxed unless said otherwise: these are a
  // monitor's figures, and nothing here is dereferenced on their strength.
  c.owner_pid = shm::owner_pid(d.owner.owner.load(std::memory_order_relaxed));
  c.owner = probe_pid(c.owner_pid);
  c.claims = d.owner.claims.load(std::memory_order_relaxed);
  // SYNC POINT (acquire): pairs with the consumer's release store of head in
  // consumer::drain_lane(), which follows its acquire load of a tail at
  // least that far; so the tail loaded next is >= this head, and the fill
  // below never goes negative.
  c.head = d.consumer.head.load(std::memory_order_acquire);
  c.tail = d.producer.tail.load(std::memory_order_relaxed);
  c.drained = d.consumer.drained.load(std::memory_order_relaxed);
  c.lost = d.consumer.lost.load(std::memory_order_relaxed);
  c.published = d.producer.published.load(std::memory_order_relaxed);
  c.dropped = d.producer.dropped.load(std::memory_order_relaxed);
  c.next_seq = d.producer.next_seq.load(std::memory_order_relaxed);
  return c;
}

}  // namespace

const char* to_string(pid_state s) noexcept {
  switch (s) {
    case pid_state::none:
      return "none";
    case pid_state::alive:
      return "alive";
    case pid_state::dead:
      return "dead";
  }
  return "unknown";
}

pid_state probe_pid(std::uint32_t pid) noexcept {
  if (pid == 0) return pid_state::none;
  // 0 or EPERM (another user's process): a process with this pid exists.
  if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) return pid_state::alive;
  return pid_state::dead;
}

segment_sample take_sample(const shm::segment& seg) {
  segment_sample s;
  s.steady_ns = clock_ns(CLOCK_MONOTONIC);
  s.realtime_ns = clock_ns(CLOCK_REALTIME);
  const auto& h = seg.header();
  // The identity is plain data, written before the creator's release store
  // of magic, which segment::open_read_only() acquire-loaded.
  s.name = seg.name();
  s.epoch = h.identity.epoch;
  s.layout_version = h.identity.layout_version;
  s.lane_count = h.identity.lane_count;
  s.lane_capacity = h.identity.lane_capacity;
  // Relaxed: counters for display, each read once; nothing is inferred
  // from the order in which they change.
  s.lanes_in_use = h.lanes.in_use.load(std::memory_order_relaxed);
  s.lane_high_water = h.lanes.high_water.load(std::memory_order_relaxed);
  s.consumer_pid = shm::owner_pid(h.consumer.owner.load(std::memory_order_relaxed));
  s.consumer = probe_pid(s.consumer_pid);
  s.heartbeat_ns = h.consumer.heartbeat_ns.load(std::memory_order_relaxed);
  s.drained = h.consumer.drained.load(std::memory_order_relaxed);
  s.lost = h.consumer.lost.load(std::memory_order_relaxed);
  s.corrupt = h.consumer.corrupt.load(std::memory_order_relaxed);
  s.reclaimed = h.consumer.reclaimed.load(std::memory_order_relaxed);
  s.lanes.reserve(s.lane_count);
  for (std::uint32_t i = 0; i < s.lane_count; ++i) s.lanes.push_back(read_lane(seg, i));
  return s;
}

stat_report make_report(const segment_sample& before, const segment_sample& now) {
  stat_report r;
  r.now = now;
  r.rates_known = before.epoch == now.epoch && before.name == now.name && before.lanes.size() == now.lanes.size() &&
                  now.steady_ns > before.steady_ns;
  r.interval_s = r.rates_known ? static_cast<double>(now.steady_ns - before.steady_ns) / 1e9 : 0;

  std::uint64_t published_before = 0;
  std::uint64_t dropped_before = 0;
  for (std::size_t i = 0; i < now.lanes.size(); ++i) {
    const lane_counters& c = now.lanes[i];
    r.published += c.published;
    r.dropped += c.dropped;
    lane_report l;
    l.counters = c;
    l.unread_bytes = grown(c.head, c.tail);
    l.fill_percent = now.lane_capacity > 0 ? 100.0 * static_cast<double>(l.unread_bytes) / now.lane_capacity : 0;
    r.lag_bytes += l.unread_bytes;
    bool traffic = false;
    if (r.rates_known) {
      const lane_counters& b = before.lanes[i];
      published_before += b.published;
      dropped_before += b.dropped;
      const auto published = grown(b.published, c.published);
      const auto dropped = grown(b.dropped, c.dropped);
      const auto drained = grown(b.drained, c.drained);
      l.published_per_s = per_s(published, r.interval_s);
      l.dropped_per_s = per_s(dropped, r.interval_s);
      l.drained_per_s = per_s(drained, r.interval_s);
      traffic = published + dropped + drained > 0;
    }
    if (c.owner_pid != 0 || l.unread_bytes > 0 || traffic) r.lanes.push_back(l);
  }
  if (r.rates_known) {
    r.published_per_s = per_s(grown(published_before, r.published), r.interval_s);
    r.dropped_per_s = per_s(grown(dropped_before, r.dropped), r.interval_s);
    r.drained_per_s = per_s(grown(before.drained, now.drained), r.interval_s);
  }
  r.lag_records = grown(now.drained, r.published);

  if (now.heartbeat_ns != 0) {
    const std::int64_t age_ns = now.realtime_ns - now.heartbeat_ns;
    r.heartbeat_age_ms = age_ns > 0 ? age_ns / 1'000'000 : 0;  // a clock step back is "just now"
  }
  r.consumer_stale = now.consumer != pid_state::alive || !r.heartbeat_age_ms || *r.heartbeat_age_ms > k_stale_after_ms;
  return r;
}

}  // namespace ringcast::tools::stat
