// ringcast-bench's command line: a scenario by name, its preset load, and
// the flags that override it.
#pragma once

#include <string>
#include <vector>

namespace ringcast::bench {

// The servers a run can drive with the same clients and the same events.
// ringcast_batch: ringcast-bridge with clients that opt into batches.
enum class server_kind { ringcast, ringcast_batch, ws_node };

[[nodiscard]] const char* name_of(server_kind k) noexcept;
[[nodiscard]] constexpr bool is_ringcast(server_kind k) noexcept { return k != server_kind::ws_node; }

struct options {
  std::string scenario;  // user-stream, broadcast, slow-clients, burst, connections, soak, faults, capacity
  std::vector<server_kind> servers;
  unsigned clients = 100;
  unsigned users = 10;
  unsigned producers = 1;        // producer threads, each with its own publisher (lanes) or feed socket
  unsigned client_threads = 1;   // threads reading the measured clients
  unsigned bridge_threads = 1;   // the bridge's --io-threads
  double rate = 1000;            // events/s offered
  double duration_s = 10;
  double global_share = 0;       // of events with userId "" (sent to every client)
  unsigned slow_percent = 0;     // slow-clients: ceil(P% of clients) more, reading slowly
  unsigned queue_messages = 0;   // the bridge's --queue-messages (0: its default)
  unsigned startup_hold_ms = 0;  // the bridge's --startup-hold
  unsigned history_mib = 0;      // the bridge's --history-bytes in MiB (0: its default)
  unsigned idle = 0;             // connections: idle clients to ramp to
  double burst_factor = 1;       // burst: the rate during a spike, times --rate
  double burst_ms = 0;           // burst: a spike's length...
  double burst_every_ms = 0;     // ...and period
  unsigned steps = 0;            // capacity: at most this many steps of --rate x 1.25^k
  bool smoke = false;            // a few seconds per scenario, small loads
  bool pin = false;              // the server on CPU 0, the bench (clients, producers) on CPU 1
  std::string json_path;         // --json FILE
  std::string plot_dir;          // --plot-dir DIR: PNG plots (gnuplot)
  std::string bridge_bin;
  std::string node_bin = "node";
  std::string baseline_script;   // bench/baseline/ws_server.mjs
  std::string node_modules;      // where the `ws` package is (bridge/web/node_modules)
};

// The scenarios `--scenario all` runs, in order.
[[nodiscard]] const std::vector<std::string>& scenario_names();

// Parses argv; exits with usage on --help (0) or an error (2, with the reason).
// The preset of each named scenario is applied first, then the flags.
[[nodiscard]] std::vector<options> parse_options(int argc, char** argv);

}  // namespace ringcast::bench
