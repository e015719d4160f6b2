#include "scenarios.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <thread>

#include "clients.hpp"
#include "faults.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;

// What the producers published, hence what routing promised each user.
struct load {
  std::uint64_t total = 0, refused = 0, globals = 0;
  std::vector<std::uint64_t> per_user;
};

// P producer threads share the schedule: producer p publishes the events
// i with i % P == p, each at its slot. mixed: odd events are PNL_UPDATE (state), even ones
// ORDER_UPDATE (stream); else all ORDER_UPDATE, which nothing conflates.
load publish(server& srv, const options& o, const schedule& s, bool mixed) {
  const unsigned n = o.producers;
  std::vector<load> each(n);
  std::vector<std::unique_ptr<producer_port>> ports;
  for (unsigned p = 0; p < n; ++p) ports.push_back(srv.producer());  // may throw: before any thread
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < n; ++p) {
    threads.emplace_back([&, p, port = std::move(ports[p])] {
      load& l = each[p];
      l.per_user.assign(o.users, 0);
      for (std::size_t i = p; i < s.due.size(); i += n) {
        wait_until(s.start_ns + s.due[i]);
        const auto u = s.user[i];
        const auto kind = mixed && i % 2 == 1 ? event_kind::pnl : event_kind::order;
        ++l.total;
        if (!port->publish(u < 0 ? std::string() : user_name(static_cast<unsigned>(u)), kind, s.marker_base + i)) {
          ++l.refused;
          continue;
        }
        (u < 0 ? l.globals : l.per_user[static_cast<unsigned>(u)]) += 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  load sum;
  sum.per_user.assign(o.users, 0);
  for (const auto& l : each) {
    sum.total += l.total;
    sum.refused += l.refused;
    sum.globals += l.globals;
    for (unsigned u = 0; u < o.users; ++u) sum.per_user[u] += l.per_user[u];
  }
  return sum;
}

// Once a second during a phase: frames/s, that second's p99, server RSS and CPU.
class sampler {
 public:
  sampler(const recorder& r, pid_t server, std::int64_t start_ns)
      : thread_([this, &r, server, start_ns] { run(r, server, start_ns); }) {}
  ~sampler() { finish(); }
  sampler(const sampler&) = delete;
  sampler& operator=(const sampler&) = delete;

  std::vector<timeline_point> finish() {
    stop_.store(true, std::memory_order_relaxed);  // polled; the join orders points_
    if (thread_.joinable()) thread_.join();
    return points_;
  }

 private:
  void run(const recorder& r, pid_t server, std::int64_t start_ns) {
    auto prev_counts = r.publish_counts();
    auto prev_frames = r.frames();
    auto prev_proc = sample_process(server);
    auto next = std::chrono::steady_clock::now() + 1s;
    while (!stop_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_until(std::min(next, std::chrono::steady_clock::now() + 100ms));
      if (std::chrono::steady_clock::now() < next) continue;
      next += 1s;
      const auto counts = r.publish_counts();
      const auto frames = r.frames();
      const auto proc = sample_process(server);
      points_.push_back({.t_s = static_cast<double>(shm::realtime_now_ns() - start_ns) / 1e9,
                         .frames_per_s = static_cast<double>(frames - prev_frames),
                         .p99_us = counts.since(prev_counts).percentile_us(0.99),
                         .server_rss_mib = static_cast<double>(proc.rss) / (1 << 20),
                         .server_cpu_percent = (proc.cpu_s - prev_proc.cpu_s) * 100});
      prev_counts = counts;
      prev_frames = frames;
      prev_proc = proc;
    }
  }

  std::atomic<bool> stop_{false};
  std::vector<timeline_point> points_;
  std::thread thread_;
};

std::map<std::string, std::uint64_t> drops_since(const std::map<std::string, std::uint64_t>& after,
                                                 const std::map<std::string, std::uint64_t>& before) {
  std::map<std::string, std::uint64_t> d;
  for (const auto& [reason, n] : after) {
    const auto b = before.find(reason);
    const auto was = b == before.end() ? 0 : b->second;
    if (n > was) d[reason] = n - was;
  }
  return d;
}

// One phase: `slow` slow clients join, the load is published on the clock,
// then the clients get until every promised event has arrived (at most
// 10 s, and no more than 1 s without progress), then the slow clients leave.
run_result run_phase(const options& o, server& srv, measured_clients& clients, schedule& s, std::string phase,
                     unsigned slow, std::uint64_t marker_base = 0) {
  s.marker_base = marker_base;
  run_result r;
  r.scenario = o.scenario;
  r.phase = std::move(phase);
  r.server = srv.kind();
  r.clients = o.clients, r.users = o.users, r.producers = o.producers;
  r.offered_per_s = static_cast<double>(s.due.size()) / o.duration_s;
  r.duration_s = o.duration_s;
  const bool ringcast = is_ringcast(srv.kind());
  const auto drops_before = ringcast ? session_drops(srv.port()) : std::map<std::string, std::uint64_t>{};
  std::optional<slow_clients> slow_ones;
  if (slow > 0) slow_ones.emplace(srv, slow, o.users);

  recorder rec(s, o.global_share >= 1);
  s.start_ns = shm::realtime_now_ns() + 50'000'000;
  r.server_before = sample_process(srv.pid());
  clients.start(rec);
  const stop_guard stop_clients{clients};  // an exception must not leave them reading into a gone recorder
  sampler timeline(rec, srv.pid(), s.start_ns);
  const load l = publish(srv, o, s, o.slow_percent > 0);

  std::uint64_t expected = 0;
  for (unsigned i = 0; i < o.clients; ++i) expected += l.per_user[i % o.users] + l.globals;
  rec.settle(expected);
  const double wall_s = static_cast<double>(shm::realtime_now_ns() - s.start_ns) / 1e9;
  r.server_after = sample_process(srv.pid());
  r.timeline = timeline.finish();
  clients.stop();
  if (slow_ones) r.slow = slow_ones->finish();
  if (ringcast) r.drops = drops_since(session_drops(srv.port()), drops_before);

  const auto received = clients.take_received();
  r.published = l.total - l.refused;
  r.refused = l.refused;
  r.expected = expected;
  r.received = std::accumulate(received.begin(), received.end(), std::uint64_t{0});
  r.frames = rec.frames();
  r.gaps = rec.gaps();
  r.publish_to_receive = rec.publish_to_receive();
  r.schedule_to_receive = rec.schedule_to_receive();
  if (o.global_share >= 1) r.last_receiver = rec.last_receiver();
  r.spectrum = rec.spectrum();
  // Over the time the events took to arrive: the offered window, or longer
  // when the server fell behind (less the 1 s without progress that ended it).
  const double busy_s = std::max(o.duration_s, wall_s - (r.received < expected ? 1.0 : 0.0));
  r.delivered_per_s = static_cast<double>(r.received) / busy_s;
  r.server_cpu_percent = (r.server_after.cpu_s - r.server_before.cpu_s) / wall_s * 100;
  return r;
}

std::vector<run_result> run_steady(const options& o) {
  std::vector<run_result> out;
  auto s = make_schedule(o);
  for (const auto kind : o.servers) {
    auto srv = start_server(kind, o);
    measured_clients clients(*srv, o.clients, o.users, o.client_threads);
    std::this_thread::sleep_for(200ms);
    out.push_back(run_phase(o, *srv, clients, s, "", 0));
  }
  return out;
}

// Steps of rate x 1.25^k against one server and one set of clients, until a
// step is not kept up with (that step is reported too: the knee lies below it).
std::vector<run_result> run_capacity(const options& o) {
  std::vector<run_result> out;
  for (const auto kind : o.servers) {
    auto srv = start_server(kind, o);
    measured_clients clients(*srv, o.clients, o.users, o.client_threads);
    std::this_thread::sleep_for(200ms);
    std::uint64_t base = 0;  // each step its own markers
    options step = o;
    for (unsigned k = 0; k < o.steps; ++k, step.rate *= 1.25) {
      auto s = make_schedule(step);
      char phase[32];
      std::snprintf(phase, sizeof phase, "%.0f/s", step.rate);
      out.push_back(run_phase(step, *srv, clients, s, phase, 0, base));
      out.back().spectrum.clear();  // one plot and one table of the steps instead
      out.back().last_receiver.reset();
      base += s.due.size();
      if (!out.back().kept_up()) break;
      std::this_thread::sleep_for(500ms);
    }
  }
  return out;
}

// Baseline, slow, baseline against one server: the two baselines bracket the
// slow phase so that a drift of this shared machine does not land on one side.
std::vector<run_result> run_slow_clients(const options& o) {
  std::vector<run_result> out;
  auto s = make_schedule(o);
  const unsigned slow = (o.slow_percent * o.clients + 99) / 100;
  for (const auto kind : o.servers) {
    auto srv = start_server(kind, o);
    measured_clients clients(*srv, o.clients, o.users, o.client_threads);
    // Each phase its own markers: what arrives late from one is not counted in the next.
    const std::uint64_t base = s.due.size();
    out.push_back(run_phase(o, *srv, clients, s, "baseline 1", 0, 0));
    std::this_thread::sleep_for(1s);
    out.push_back(run_phase(o, *srv, clients, s, "slow", slow, base));
    std::this_thread::sleep_for(1s);  // the slow sessions' teardown
    out.push_back(run_phase(o, *srv, clients, s, "baseline 2", 0, 2 * base));
  }
  return out;
}

// A ramp to --idle connections, then --duration holding them.
std::vector<run_result> run_connections(const options& o) {
  std::vector<run_result> out;
  for (const auto kind : o.servers) {
    auto srv = start_server(kind, o);
    std::this_thread::sleep_for(500ms);
    run_result r;
    r.scenario = o.scenario;
    r.server = kind;
    r.users = o.users;
    r.duration_s = o.duration_s;
    r.server_before = sample_process(srv->pid());
    const auto t0 = std::chrono::steady_clock::now();
    idle_clients idle(*srv, o.idle, o.users);
    r.ramp_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration_s));
    r.server_after = sample_process(srv->pid());
    r.idle_connections = idle.open();
    if (r.idle_connections > 0)
      r.bytes_per_connection = (static_cast<double>(r.server_after.rss) - static_cast<double>(r.server_before.rss)) /
                               r.idle_connections;
    r.server_cpu_percent = (r.server_after.cpu_s - r.server_before.cpu_s) / (r.ramp_s + o.duration_s) * 100;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::vector<run_result> run_scenario(const options& o) {
  // Before any thread or child starts: they inherit the mask.
  if (o.pin) pin_to_cpu(1);
  if (o.scenario == "slow-clients") return run_slow_clients(o);
  if (o.scenario == "connections") return run_connections(o);
  if (o.scenario == "faults") return run_faults(o);
  if (o.scenario == "capacity") return run_capacity(o);
  return run_steady(o);
}

}  // namespace ringcast::bench
