#include "report.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "clients.hpp"

namespace ringcast::bench {

namespace {

namespace json = boost::json;

std::string label(const run_result& r) {
  std::string s = name_of(r.server);
  if (!r.phase.empty()) s += " / " + r.phase;
  return s;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

json::object to_json(const latency_summary& l) {
  return {{"count", l.count}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}};
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

// capacity: each server's knee, the step with the most delivered/s among
// those it kept up with at that p99, and the knees against ws-node's.
void print_knee(const std::vector<run_result>& runs, double p99_us) {
  std::map<server_kind, const run_result*> knee;
  for (const auto& r : runs) {
    auto& k = knee[r.server];
    if (r.kept_up(p99_us) && (k == nullptr || r.delivered_per_s > k->delivered_per_s)) k = &r;
  }
  std::printf("  knee at p99 <= %.0f ms (most delivered/s with every event kept, >= 95%% of the offered rate):\n",
              p99_us / 1000);
  for (const auto& [kind, r] : knee) {
    if (r == nullptr) {
      std::printf("  %-16s none: it fell behind at the first step\n", name_of(kind));
      continue;
    }
    std::printf("  %-16s %11.0f delivered/s at %s, p99 %.0f us, server CPU %.0f%%\n", name_of(kind),
                r->delivered_per_s, r->phase.c_str(), r->schedule_to_receive.p99, r->server_cpu_percent);
  }
  const auto ws = knee.find(server_kind::ws_node);
  if (ws == knee.end() || ws->second == nullptr) return;
  for (const auto& [kind, r] : knee)
    if (kind != server_kind::ws_node && r != nullptr)
      std::printf("  %s / ws-node: %.2fx delivered/s\n", name_of(kind),
                  ratio(r->delivered_per_s, ws->second->delivered_per_s));
}

}  // namespace

void print_scenario(const options& o, const std::vector<run_result>& runs) {
  std::printf("\n== %s", o.scenario.c_str());
  if (o.scenario == "connections") {
    std::printf(": a ramp to %u idle connections over %u users, held %.0f s\n", o.idle, o.users, o.duration_s);
    std::printf("  %-10s %8s %8s %10s %10s %12s %6s\n", "server", "open", "ramp s", "RSS before", "RSS after",
                "bytes/conn", "CPU %");
    for (const auto& r : runs)
      std::printf("  %-10s %8u %8.1f %8.1f MB %8.1f MB %12.0f %6.1f\n", name_of(r.server), r.idle_connections, r.ramp_s,
                  mib(r.server_before.rss), mib(r.server_after.rss), r.bytes_per_connection.value_or(0),
                  r.server_cpu_percent);
    return;
  }
  if (o.scenario == "capacity")
    std::printf(": %u clients over %u users, %.0f events/s offered (%.0f%% global), then 1.25x that every %.0f s "
                "step until a server falls behind (at most %u steps), %u client thread(s), bridge %u I/O thread(s)\n",
                o.clients, o.users, o.rate, o.global_share * 100, o.duration_s, o.steps, o.client_threads,
                o.bridge_threads);
  else
    std::printf(": %u clients over %u users, %.0f events/s offered for %.0f s (%.0f%% global), %u producer(s), "
                "%u client thread(s), bridge %u I/O thread(s)\n",
                o.clients, o.users, runs.empty() ? o.rate : runs.front().offered_per_s, o.duration_s,
                o.global_share * 100, o.producers, o.client_threads, o.bridge_threads);
  if (o.burst_every_ms > 0)
    std::printf("  bursts: %.0fx the rate for %.0f ms every %.0f ms\n", o.burst_factor, o.burst_ms, o.burst_every_ms);
  std::printf("  latency publish -> receive, us; delivered = events received by all clients per second\n");
  std::printf("  %-28s %11s %8s %8s %8s %8s %8s %6s %6s %8s\n", "server", "delivered/s", "p50", "p90", "p99", "p99.9",
              "max", "lost", "CPU %", "RSS MB");
  for (const auto& r : runs) {
    const auto& l = r.publish_to_receive;
    std::printf("  %-28s %11.0f %8.0f %8.0f %8.0f %8.0f %8.0f %6llu %6.0f %8.1f\n", label(r).c_str(), r.delivered_per_s,
                l.p50, l.p90, l.p99, l.p999, l.max, static_cast<unsigned long long>(r.lost()), r.server_cpu_percent,
                mib(r.server_after.rss));
  }
  std::printf("  schedule -> receive (includes any time the producer spent behind its schedule):\n");
  for (const auto& r : runs) {
    const auto& l = r.schedule_to_receive;
    std::printf("  %-28s %11s %8.0f %8.0f %8.0f %8.0f %8.0f\n", label(r).c_str(), "", l.p50, l.p90, l.p99, l.p999,
                l.max);
  }
  for (const auto& r : runs)
    if (r.last_receiver) {
      const auto& l = *r.last_receiver;
      std::printf("  last receiver of each event, publish -> receive: %-10s p50 %.0f  p99 %.0f  p99.9 %.0f  max %.0f us\n",
                  label(r).c_str(), l.p50, l.p99, l.p999, l.max);
    }
  for (const auto& r : runs) {
    if (r.refused > 0)
      std::printf("  %s: %llu events refused by a full lane\n", label(r).c_str(),
                  static_cast<unsigned long long>(r.refused));
    if (!r.drops.empty()) {
      std::printf("  %s: bridge session drops:", label(r).c_str());
      for (const auto& [reason, n] : r.drops) std::printf(" %s %llu", reason.c_str(), static_cast<unsigned long long>(n));
      std::printf("\n");
    }
    if (r.gaps > 0)
      std::printf("  %s: measured clients got %llu stream:gap notices\n", label(r).c_str(),
                  static_cast<unsigned long long>(r.gaps));
    if (r.fault) {
      const auto& f = *r.fault;
      std::printf("  %s: %u SIGKILL(s); %llu events committed, lost %llu (+%llu in the killed bridge's hands: due "
                  "within 10 ms of its SIGKILL), duplicates %llu, reconnects %llu",
                  label(r).c_str(), f.kills, static_cast<unsigned long long>(f.committed),
                  static_cast<unsigned long long>(f.lost), static_cast<unsigned long long>(f.lost_in_flight),
                  static_cast<unsigned long long>(f.duplicates), static_cast<unsigned long long>(f.reconnects));
      if (f.recovery_ms > 0) std::printf(", every client back with events %.0f ms after the kill", f.recovery_ms);
      std::printf("\n");
    }
    if (r.slow) {
      const auto& t = *r.slow;
      std::printf("  %s: %u slow clients (%s): %llu messages slowly + %llu in a 1 s drain (events %llu), "
                  "stream:gap notices %llu, closed with 1013: %u\n",
                  label(r).c_str(), t.clients, slow_clients::description(),
                  static_cast<unsigned long long>(t.messages), static_cast<unsigned long long>(t.drained),
                  static_cast<unsigned long long>(t.events), static_cast<unsigned long long>(t.gaps), t.closed_1013);
    }
  }
  if (o.scenario == "slow-clients" && runs.size() >= 3) {
    // "Without" is the worse of the two baselines: the ratio is not flattered.
    for (std::size_t i = 0; i + 2 < runs.size(); i += 3) {
      const auto& b1 = runs[i].publish_to_receive;
      const auto& sl = runs[i + 1].publish_to_receive;
      const auto& b2 = runs[i + 2].publish_to_receive;
      std::printf("  healthy clients with slow ones / without (the better baseline): p50 %.2fx  p99 %.2fx (limit 2x)  "
                  "p99.9 %.2fx\n",
                  ratio(sl.p50, std::min(b1.p50, b2.p50)), ratio(sl.p99, std::min(b1.p99, b2.p99)),
                  ratio(sl.p999, std::min(b1.p999, b2.p999)));
    }
  }
  if (o.scenario == "capacity")
    for (const double p99_us : {10'000.0, 100'000.0}) print_knee(runs, p99_us);
  if (o.scenario == "soak")
    for (const auto& r : runs)
      if (r.timeline.size() >= 4) {
        // From the middle on: the resume history has filled to its bound by then.
        const auto& early = r.timeline[r.timeline.size() / 2];
        std::printf("  %s: RSS %.1f MB at %.0f s, %.1f MB at the end (drift %+.1f MB); lost %llu\n", label(r).c_str(),
                    early.server_rss_mib, early.t_s, r.timeline.back().server_rss_mib,
                    r.timeline.back().server_rss_mib - early.server_rss_mib, static_cast<unsigned long long>(r.lost()));
      }
}

void print_ratios(const std::vector<run_result>& all) {
  std::map<std::string, std::map<server_kind, const run_result*>> by_scenario;
  for (const auto& r : all)
    if (r.phase.empty()) by_scenario[r.scenario][r.server] = &r;
  bool header = false;
  for (const auto& [scenario, runs] : by_scenario) {
    if (runs.count(server_kind::ringcast) == 0 || runs.count(server_kind::ws_node) == 0) continue;
    const auto& rc = *runs.at(server_kind::ringcast);
    const auto& ws = *runs.at(server_kind::ws_node);
    if (!header) {
      std::printf("\n== ringcast vs ws-node (Node's ws), same clients, same events, same run\n");
      std::printf("  %-14s %16s %12s %12s %12s\n", "scenario", "delivered/s", "p50", "p99", "p99.9");
      std::printf("  %-14s %16s %12s %12s %12s\n", "", "ringcast / ws", "ws / ringcast", "ws / ringcast",
                  "ws / ringcast");
      header = true;
    }
    if (scenario == "connections") {
      std::printf("  %-14s bytes per connection: ringcast %.0f, ws-node %.0f (ws / ringcast %.2fx)\n", scenario.c_str(),
                  rc.bytes_per_connection.value_or(0), ws.bytes_per_connection.value_or(0),
                  ratio(ws.bytes_per_connection.value_or(0), rc.bytes_per_connection.value_or(0)));
      continue;
    }
    std::printf("  %-14s %15.2fx %11.2fx %11.2fx %11.2fx\n", scenario.c_str(),
                ratio(rc.delivered_per_s, ws.delivered_per_s), ratio(ws.publish_to_receive.p50, rc.publish_to_receive.p50),
                ratio(ws.publish_to_receive.p99, rc.publish_to_receive.p99),
                ratio(ws.publish_to_receive.p999, rc.publish_to_receive.p999));
  }
}

void write_json(const std::string& path, const std::vector<run_result>& all) {
  json::array runs;
  for (const auto& r : all) {
    json::object o{{"scenario", r.scenario},
                   {"phase", r.phase},
                   {"server", name_of(r.server)},
                   {"clients", r.clients},
                   {"users", r.users},
                   {"producers", r.producers},
                   {"offeredPerSecond", r.offered_per_s},
                   {"durationSeconds", r.duration_s},
                   {"published", r.published},
                   {"refused", r.refused},
                   {"expected", r.expected},
                   {"received", r.received},
                   {"lost", r.lost()},
                   {"frames", r.frames},
                   {"gapNotices", r.gaps},
                   {"deliveredPerSecond", r.delivered_per_s},
                   {"publishToReceiveUs", to_json(r.publish_to_receive)},
                   {"scheduleToReceiveUs", to_json(r.schedule_to_receive)},
                   {"serverCpuPercent", r.server_cpu_percent},
                   {"serverRssBytes", {{"before", r.server_before.rss}, {"after", r.server_after.rss},
                                       {"peak", r.server_after.peak}}}};
    if (r.last_receiver) o["lastReceiverUs"] = to_json(*r.last_receiver);
    json::object drops;
    for (const auto& [reason, n] : r.drops) drops[reason] = n;
    o["sessionDrops"] = std::move(drops);
    if (r.slow)
      o["slowClients"] = {{"clients", r.slow->clients},   {"closed1013", r.slow->closed_1013},
                          {"messages", r.slow->messages}, {"drained", r.slow->drained},
                          {"events", r.slow->events},     {"gapNotices", r.slow->gaps}};
    if (r.fault)
      o["faults"] = {{"kills", r.fault->kills},           {"committed", r.fault->committed},
                     {"lost", r.fault->lost},             {"lostInFlight", r.fault->lost_in_flight},
                     {"duplicates", r.fault->duplicates},
                     {"reconnects", r.fault->reconnects}, {"recoveryMs", r.fault->recovery_ms}};
    if (r.scenario == "capacity") o["keptUp"] = r.kept_up();
    if (r.scenario == "connections") {
      o["idleConnections"] = r.idle_connections;
      o["rampSeconds"] = r.ramp_s;
      o["bytesPerConnection"] = r.bytes_per_connection.value_or(0);
    }
    json::array timeline;
    for (const auto& p : r.timeline)
      timeline.push_back({{"t", p.t_s}, {"framesPerSecond", p.frames_per_s}, {"p99Us", p.p99_us},
                          {"serverRssMiB", p.server_rss_mib}, {"serverCpuPercent", p.server_cpu_percent}});
    o["timeline"] = std::move(timeline);
    runs.push_back(std::move(o));
  }
  std::ofstream(path) << json::serialize(json::object{{"runs", std::move(runs)}}) << "\n";
}

namespace {

// capacity: delivered/s and p99 against the offered frames/s, a line per server.
std::string capacity_plot(const std::string& dir, const std::filesystem::path& data, const std::vector<run_result>& all) {
  std::map<server_kind, std::string> files;
  for (const auto& r : all) {
    if (r.scenario != "capacity") continue;
    auto& file = files[r.server];
    if (file.empty()) {
      file = (data / (std::string("capacity-") + name_of(r.server))).string();
      std::ofstream{file};
    }
    std::ofstream(file, std::ios::app) << static_cast<double>(r.expected) / r.duration_s << ' ' << r.delivered_per_s
                                       << ' ' << r.schedule_to_receive.p99 << '\n';
  }
  if (files.empty()) return {};
  std::string plots;
  for (const auto& [kind, file] : files) {
    const std::string name = name_of(kind);
    plots += (plots.empty() ? "" : ", ") + ("'" + file + "' using 1:2 with linespoints lw 2 title '" + name +
                                            " delivered/s', '" + file + "' using 1:3 axes x1y2 with linespoints dt 2 title '" +
                                            name + " p99 us'");
  }
  return "set terminal pngcairo size 900,460 font 'sans,10'\n"
         "set output '" + (std::filesystem::path(dir) / "capacity.png").string() + "'\n"
         "set title 'ringcast-bench capacity: delivered and p99 (schedule -> receive) against offered load'\n"
         "unset logscale\nset logscale y2\nset grid\nset key top left\nset xtics auto\nset ytics nomirror\nset y2tics\n"
         "set xrange [0:*]\nset yrange [0:*]\nset y2range [100:*]\n"
         "set xlabel 'offered frames per second'\nset ylabel 'delivered events per second'\nset y2label 'p99 microseconds'\n"
         "plot " + plots + "\nunset y2tics\nunset y2label\n";
}

}  // namespace

bool write_plots(const std::string& dir, const std::vector<run_result>& all) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path data = fs::path(dir) / ".data";
  fs::create_directories(data);
  std::set<std::string> scenarios;
  for (const auto& r : all)
    if (!r.spectrum.empty()) scenarios.insert(r.scenario);
  std::string script;
  for (const auto& scenario : scenarios) {
    std::string latency_plots, timeline_plots;
    int i = 0;
    for (const auto& r : all) {
      if (r.scenario != scenario || r.spectrum.empty()) continue;
      const std::string base = (data / (scenario + "-" + std::to_string(i++))).string();
      std::ofstream spec(base + ".spectrum");
      for (const auto& [q, us] : r.spectrum) spec << q << ' ' << us << '\n';
      std::ofstream tl(base + ".timeline");
      for (const auto& p : r.timeline) tl << p.t_s << ' ' << p.frames_per_s << ' ' << p.p99_us << '\n';
      const std::string title = label(r);
      latency_plots += (latency_plots.empty() ? "" : ", ") + ("'" + base + ".spectrum' using (1/(1-$1/100)):2 with lines lw 2 title '" + title + "'");
      if (r.timeline.empty()) continue;
      timeline_plots += (timeline_plots.empty() ? "" : ", ") + ("'" + base + ".timeline' using 1:2 with lines lw 2 title '" + title + " frames/s', '" + base +
                        ".timeline' using 1:3 axes x1y2 with lines dt 2 title '" + title + " p99 us'");
    }
    const std::string out = (fs::path(dir) / scenario).string();
    script += "set terminal pngcairo size 900,460 font 'sans,10'\n"
              "set output '" + out + "-latency.png'\n"
              "set title 'ringcast-bench " + scenario + ": publish -> receive latency by percentile'\n"
              "set logscale xy\nset grid\nset key top left\nunset y2tics\n"
              "set xlabel 'percentile'\nset ylabel 'microseconds'\n"
              "set xtics ('0' 1, '90' 10, '99' 100, '99.9' 1000, '99.99' 10000)\n"
              "plot " + latency_plots + "\n";
    if (timeline_plots.empty()) continue;  // faults: no per-second sampling
    script += "set output '" + out + "-timeline.png'\n"
              "set title 'ringcast-bench " + scenario + ": throughput and p99 per second'\n"
              "unset logscale\nset yrange [0:*]\nset logscale y2\nset xtics auto\nset ytics nomirror\nset y2tics\n"
              "set xlabel 'seconds'\nset ylabel 'frames received per second'\nset y2label 'p99 microseconds'\n"
              "plot " + timeline_plots + "\nunset y2tics\nunset y2label\nset autoscale y\n";
  }
  script += capacity_plot(dir, data, all);
  if (script.empty()) return true;
  FILE* gp = ::popen("gnuplot", "w");
  if (gp == nullptr) {
    std::fprintf(stderr, "ringcast-bench: cannot run gnuplot (scripts/setup installs gnuplot-nox)\n");
    return false;
  }
  std::fputs(script.c_str(), gp);
  const int rc = ::pclose(gp);
  fs::remove_all(data);
  if (rc != 0) std::fprintf(stderr, "ringcast-bench: gnuplot failed (%d)\n", rc);
  return rc == 0;
}

}  // namespace ringcast::bench
