#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>

namespace ringcast::bench {

const char* name_of(server_kind k) noexcept {
  switch (k) {
    case server_kind::ringcast: return "ringcast";
    case server_kind::ringcast_batch: return "ringcast-batch";
    case server_kind::ws_node: break;
  }
  return "ws-node";
}

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names{"user-stream", "broadcast", "slow-clients", "burst", "connections", "soak", "faults", "capacity"};
  return names;
}

namespace {

[[noreturn]] void usage(int code, const std::string& why = {}) {
  if (!why.empty()) std::fprintf(stderr, "ringcast-bench: %s\n", why.c_str());
  std::fputs(
      "usage: ringcast-bench [--scenario NAME|all] [--servers ringcast,ws-node] [--smoke]\n"
      "                      [--clients N] [--users N] [--rate EVENTS_PER_S] [--duration S] [--global SHARE]\n"
      "                      [--producers N] [--client-threads N] [--bridge-threads N]\n"
      "                      [--slow-percent P] [--queue-messages N] [--history-mib N] [--idle N]\n"
      "                      [--startup-hold-ms MS] [--steps N] [--pin]\n"
      "                      [--burst-factor X] [--burst-ms MS] [--burst-every-ms MS]\n"
      "                      [--json FILE] [--plot-dir DIR] [--bridge PATH] [--node PATH]\n"
      "                      [--baseline-script FILE] [--node-modules DIR]\n"
      "Producer -> server -> WebSocket clients on loopback at a fixed offered load (scheduled by the clock),\n"
      "latency of every event into log-linear histograms. Scenarios (presets; flags override them):\n"
      "  user-stream   1000 clients over 100 users, 10000 events/s per-user events, 15 s; ringcast and ws-node\n"
      "  broadcast     1000 clients, 200 global events/s, 15 s; also the last receiver of each event\n"
      "  slow-clients  100 clients over 10 users, 1000 events/s; phases baseline / +10% slow clients / baseline\n"
      "  burst         100 clients over 10 users, 1000 events/s with 10x spikes of 100 ms every second, 10 s\n"
      "  connections   a ramp to 10000 idle clients: memory per connection\n"
      "  soak          100 clients over 10 users, 2000 events/s for 120 s, 32 MiB resume history: loss, RSS drift\n"
      "  faults        50 clients over 10 users, 2000 events/s, 12 s: 4 producer processes SIGKILLed at random,\n"
      "                then the bridge SIGKILLed and restarted: committed events lost, time to recover\n"
      "  capacity      100 clients, global events from 1000/s up by 1.25x every 3 s (at most 10) until a step\n"
      "                is not kept up with: each server's knee; ringcast, ringcast-batch and ws-node\n"
      "  all           each of them (the default)\n"
      "--servers: ringcast (ringcast-bridge fed by the shared-memory ring), ringcast-batch (the same, clients\n"
      "opted into batches) and ws-node (a broadcast server on Node's ws, fed over a loopback socket:\n"
      "bench/baseline/ws_server.mjs). --smoke: seconds, small loads.\n"
      "--pin: the server on CPU 0, the bench's clients and producers on CPU 1 (needs 2 CPUs).\n"
      "Exit status 1 when a client that reads at full speed missed an event.\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

options preset(const std::string& scenario, bool smoke) {
  options o;
  o.scenario = scenario;
  o.servers = {server_kind::ringcast, server_kind::ws_node};
  if (scenario == "user-stream") {
    o.clients = 1000, o.users = 100, o.rate = 10000, o.duration_s = 15;
    if (smoke) o.clients = 20, o.users = 5, o.rate = 500, o.duration_s = 2;
  } else if (scenario == "broadcast") {
    o.clients = 1000, o.users = 100, o.rate = 200, o.duration_s = 15, o.global_share = 1;
    if (smoke) o.clients = 20, o.users = 5, o.rate = 100, o.duration_s = 2;
  } else if (scenario == "slow-clients") {
    o.servers = {server_kind::ringcast};
    o.clients = 100, o.users = 10, o.rate = 1000, o.duration_s = 10, o.slow_percent = 10, o.queue_messages = 256;
    o.global_share = 0.1;
    if (smoke) o.clients = 20, o.users = 4, o.rate = 200, o.duration_s = 2;
  } else if (scenario == "burst") {
    o.clients = 100, o.users = 10, o.rate = 1000, o.duration_s = 10;
    o.burst_factor = 10, o.burst_ms = 100, o.burst_every_ms = 1000;
    if (smoke) o.clients = 20, o.users = 5, o.rate = 200, o.duration_s = 2;
  } else if (scenario == "connections") {
    o.clients = 0, o.users = 100, o.idle = 10000, o.duration_s = 5, o.rate = 0;
    if (smoke) o.users = 10, o.idle = 200, o.duration_s = 1;
  } else if (scenario == "soak") {
    o.servers = {server_kind::ringcast};
    // A resume history of 32 MiB fills in ~30 s of this load (the default,
    // 256 MiB, would take minutes): the second half shows the steady state.
    o.clients = 100, o.users = 10, o.rate = 2000, o.duration_s = 120, o.history_mib = 32;
    if (smoke) o.clients = 20, o.users = 5, o.rate = 500, o.duration_s = 3;
  } else if (scenario == "faults") {
    // Producer processes (4) SIGKILLed at random, then the bridge SIGKILLed
    // and started again; the new bridge holds the ring 2 s for the clients
    // to come back.
    o.servers = {server_kind::ringcast};
    o.clients = 50, o.users = 10, o.rate = 2000, o.duration_s = 12, o.producers = 4, o.startup_hold_ms = 2000;
    if (smoke) o.clients = 10, o.users = 5, o.rate = 500, o.duration_s = 3;
  } else if (scenario == "capacity") {
    // Broadcast, stepped up until a server falls behind: the offered load at
    // its knee, where every client is at full speed and every event is kept.
    o.servers = {server_kind::ringcast, server_kind::ringcast_batch, server_kind::ws_node};
    o.clients = 100, o.users = 10, o.rate = 1000, o.duration_s = 3, o.global_share = 1, o.steps = 10;
    if (smoke) o.clients = 20, o.users = 5, o.rate = 100, o.duration_s = 1, o.steps = 2;
  } else {
    usage(2, "unknown scenario '" + scenario + "'");
  }
  o.smoke = smoke;
  return o;
}

std::vector<server_kind> parse_servers(const std::string& list) {
  std::vector<server_kind> out;
  std::size_t from = 0;
  while (from <= list.size()) {
    const auto comma = list.find(',', from);
    const std::string s = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (s == "ringcast") out.push_back(server_kind::ringcast);
    else if (s == "ringcast-batch") out.push_back(server_kind::ringcast_batch);
    else if (s == "ws-node") out.push_back(server_kind::ws_node);
    else usage(2, "unknown server '" + s + "' (ringcast, ringcast-batch, ws-node)");
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}

}  // namespace

std::vector<options> parse_options(int argc, char** argv) {
  std::string scenario = "all";
  bool smoke = false;
  // Each flag: how it changes the options of every scenario run.
  std::vector<std::function<void(options&)>> overrides;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(2, a + " needs a value");
      return argv[++i];
    };
    auto uint = [&](unsigned options::*field) {
      const auto v = static_cast<unsigned>(std::stoul(value()));
      overrides.emplace_back([=](options& o) { o.*field = v; });
    };
    auto real = [&](double options::*field) {
      const double v = std::stod(value());
      overrides.emplace_back([=](options& o) { o.*field = v; });
    };
    auto text = [&](std::string options::*field) {
      std::string v = value();
      overrides.emplace_back([=](options& o) { o.*field = v; });
    };
    try {
      if (a == "--help" || a == "-h") usage(0);
      else if (a == "--scenario") scenario = value();
      else if (a == "--smoke") smoke = true;
      else if (a == "--pin") overrides.emplace_back([](options& o) { o.pin = true; });
      else if (a == "--servers") {
        auto s = parse_servers(value());
        overrides.emplace_back([=](options& o) { o.servers = s; });
      } else if (a == "--clients") uint(&options::clients);
      else if (a == "--users") uint(&options::users);
      else if (a == "--producers") uint(&options::producers);
      else if (a == "--client-threads") uint(&options::client_threads);
      else if (a == "--bridge-threads") uint(&options::bridge_threads);
      else if (a == "--slow-percent") uint(&options::slow_percent);
      else if (a == "--queue-messages") uint(&options::queue_messages);
      else if (a == "--history-mib") uint(&options::history_mib);
      else if (a == "--startup-hold-ms") uint(&options::startup_hold_ms);
      else if (a == "--idle") uint(&options::idle);
      else if (a == "--steps") uint(&options::steps);
      else if (a == "--rate") real(&options::rate);
      else if (a == "--duration") real(&options::duration_s);
      else if (a == "--global") real(&options::global_share);
      else if (a == "--burst-factor") real(&options::burst_factor);
      else if (a == "--burst-ms") real(&options::burst_ms);
      else if (a == "--burst-every-ms") real(&options::burst_every_ms);
      else if (a == "--json") text(&options::json_path);
      else if (a == "--plot-dir") text(&options::plot_dir);
      else if (a == "--bridge") text(&options::bridge_bin);
      else if (a == "--node") text(&options::node_bin);
      else if (a == "--baseline-script") text(&options::baseline_script);
      else if (a == "--node-modules") text(&options::node_modules);
      else usage(2, "unknown option " + a);
    } catch (const std::logic_error&) {
      usage(2, "bad value for " + a);
    }
  }
  std::vector<options> runs;
  for (const auto& name : scenario == "all" ? scenario_names() : std::vector<std::string>{scenario}) {
    options o = preset(name, smoke);
    o.bridge_bin = RINGCAST_BRIDGE_BIN;
    o.baseline_script = RINGCAST_BASELINE_SCRIPT;
    o.node_modules = RINGCAST_NODE_MODULES;
    for (const auto& f : overrides) f(o);
    const bool measured = o.scenario != "connections";
    if (measured && (o.clients == 0 || o.users == 0 || o.users > o.clients || o.rate <= 0))
      usage(2, o.scenario + ": needs clients >= users >= 1 and a rate > 0");
    if (o.duration_s <= 0 || o.producers == 0 || o.producers > 64 || o.client_threads == 0 || o.bridge_threads == 0)
      usage(2, o.scenario + ": duration and threads must be > 0, producers 1..64");
    if (o.slow_percent > 100 || o.global_share < 0 || o.global_share > 1 || o.burst_factor < 1)
      usage(2, o.scenario + ": --slow-percent <= 100, 0 <= --global <= 1, --burst-factor >= 1");
    if (o.servers.empty()) usage(2, "no server to run against");
    runs.push_back(std::move(o));
  }
  return runs;
}

}  // namespace ringcast::bench
