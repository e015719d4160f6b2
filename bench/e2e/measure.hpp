// What a run measures: the offered schedule, latency histograms fed by the
// client threads, a once-a-second timeline, and the summary of a run.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "latency_histogram.hpp"
#include "options.hpp"
#include "server.hpp"

namespace ringcast::bench {

// The offered load, fixed before the run: event i is due at start + due[i]
// and goes to user[i] (-1: a global event). Its marker is i, which is how a
// client finds its slot: a late producer does not move the slot, so the
// schedule -> receive latency keeps the time spent behind (no coordinated
// omission).
struct schedule {
  std::vector<std::int64_t> due;  // ns after the start
  std::vector<std::int32_t> user;
  std::int64_t start_ns = 0;      // CLOCK_REALTIME, set when a phase begins
  // Added to i in the marker: phases against one server use different
  // bases, so that an event of an earlier phase still arriving is not
  // counted in the next.
  std::uint64_t marker_base = 0;
};

// --rate for --duration; during a spike of --burst-ms every --burst-every-ms,
// --burst-factor times the rate. Users drawn with a fixed seed: every phase
// and every server get the same events in the same order.
[[nodiscard]] schedule make_schedule(const options& o);

// Returns at CLOCK_REALTIME `due_ns`: sleeps until 50 us before it, then
// spins (on two cores a producer spinning all the time would take one from
// the server).
void wait_until(std::int64_t due_ns);

struct latency_summary {
  std::uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // µs
};
[[nodiscard]] latency_summary summarize(const bridge::latency_histogram::counts& c, double max_us);

// Updated by the client threads as events arrive. Relaxed atomics: these
// are statistics, ordered by nothing; the main thread reads the totals after
// joining the client threads (the join orders them), and the sampler's
// once-a-second reads only need each counter's own monotonic value.
class recorder {
 public:
  // last_receiver: also keep, per event, its latest receipt (broadcast).
  recorder(const schedule& s, bool last_receiver);

  // False (nothing recorded) for a marker not of this phase's schedule.
  bool on_event(std::uint64_t marker, std::int64_t publish_ns, std::int64_t now_ns) noexcept;
  void on_frame() noexcept { frames_.fetch_add(1, std::memory_order_relaxed); }
  void on_gap() noexcept { gaps_.fetch_add(1, std::memory_order_relaxed); }

  [[nodiscard]] std::uint64_t events() const noexcept { return events_.load(std::memory_order_relaxed); }
  // Waits until `expected` events have arrived, or none for 1 s, or 10 s.
  void settle(std::uint64_t expected) const;
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t gaps() const noexcept { return gaps_.load(std::memory_order_relaxed); }
  [[nodiscard]] bridge::latency_histogram::counts publish_counts() const noexcept { return publish_.read(); }

  [[nodiscard]] latency_summary publish_to_receive() const noexcept;
  [[nodiscard]] latency_summary schedule_to_receive() const noexcept;
  // The last receiver of each event that reached anyone (broadcast only).
  [[nodiscard]] latency_summary last_receiver() const;
  // (percentile, µs) pairs from p0 to p99.99, for the plots.
  [[nodiscard]] std::vector<std::pair<double, double>> spectrum() const;

 private:
  static void raise(std::atomic<std::int64_t>& max, std::int64_t v) noexcept;

  const schedule& s_;
  bridge::latency_histogram publish_, schedule_;
  std::atomic<std::int64_t> publish_max_{0}, schedule_max_{0};
  std::unique_ptr<std::atomic<std::int64_t>[]> last_;  // per event: its latest publish -> receive, ns; -1 none
  std::atomic<std::uint64_t> events_{0}, frames_{0}, gaps_{0};
};

struct timeline_point {
  double t_s = 0;            // since the phase began
  double frames_per_s = 0;   // received by the measured clients
  double p99_us = 0;         // publish -> receive, events received in that second
  double server_rss_mib = 0;
  double server_cpu_percent = 0;
};

// What the slow clients of a slow-clients phase saw.
struct slow_tally {
  unsigned clients = 0, closed_1013 = 0;
  std::uint64_t messages = 0, drained = 0, events = 0, gaps = 0;
};

// What a faults phase did and lost.
struct fault_tally {
  unsigned kills = 0;               // producer processes, or the bridge, SIGKILLed
  std::uint64_t committed = 0;      // events the producers committed to the ring
  std::uint64_t lost = 0;           // committed events some client of their user never got...
  // ...and, apart from them, those due within k_in_flight of the bridge's
  // SIGKILL: drained by the dead bridge and not yet written to a socket,
  // which no bridge sends again (OPERATIONS.md, "Stopping").
  std::uint64_t lost_in_flight = 0;
  std::uint64_t duplicates = 0;     // events a client got twice (a producer re-publishing after its kill)
  std::uint64_t reconnects = 0;
  double recovery_ms = 0;           // bridge killed: until every client had an event from the new bridge
};

struct run_result {
  std::string scenario, phase;  // phase: "" for a one-phase run
  server_kind server = server_kind::ringcast;
  unsigned clients = 0, users = 0, producers = 0;
  double offered_per_s = 0, duration_s = 0;
  std::uint64_t published = 0, refused = 0, expected = 0, received = 0, frames = 0, gaps = 0;
  double delivered_per_s = 0;  // events received per second of the phase, all measured clients
  latency_summary publish_to_receive, schedule_to_receive;
  std::optional<latency_summary> last_receiver;
  std::vector<std::pair<double, double>> spectrum;
  std::vector<timeline_point> timeline;
  std::map<std::string, std::uint64_t> drops;  // ringcast: /metrics session drops by reason, during the phase
  process_sample server_before, server_after;
  double server_cpu_percent = 0;  // of one core, over the phase
  std::optional<slow_tally> slow;
  std::optional<fault_tally> fault;
  unsigned idle_connections = 0;
  std::optional<double> bytes_per_connection;  // connections: RSS growth / connections
  double ramp_s = 0;
  [[nodiscard]] std::uint64_t lost() const noexcept { return expected > received ? expected - received : 0; }
  // The server kept up with the offered load: every event arrived, at 95 %
  // of the offered rate or better, and p99 schedule -> receive within
  // `p99_us` (by default the 100 ms the dashboards' users need).
  [[nodiscard]] bool kept_up(double p99_us = 100'000) const noexcept;
};

}  // namespace ringcast::bench
