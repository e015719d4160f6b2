// Every setting of ringcast-bridge, with its default and the reason for it.
// Each is a flag (--queue-bytes 1048576) and an environment variable
// (RINGCAST_QUEUE_BYTES); a flag wins over the environment. `--help` prints
// them all with their defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ringcast/shm/payloads.hpp"

namespace ringcast::bridge {

struct bridge_config {
  std::string listen = "127.0.0.1:8080";  // loopback: exposing it is a decision, not a default
  std::string segment;                     // "" = RINGCAST_SEGMENT or "ringcast" (shm::resolve_segment_name)
  unsigned io_threads = 0;                 // 0 = one per core: sessions are spread over them by Asio

  // Auth. The secret comes from RINGCAST_JWT_SECRET or --jwt-secret-file.
  std::string jwt_secret_file;
  bool insecure_dev = false;  // a well-known secret: for a laptop, never a host others reach
  std::vector<std::string> allow_origins;  // empty: same origin only; "*": any (browsers only send Origin)

  // Limits.
  std::uint32_t max_connections = 10'000;        // sockets are cheap; the queues below bound the memory
  std::uint32_t max_connections_per_user = 32;   // a user's tabs and tools; more is a leak or abuse
  std::size_t max_message_bytes = 4096;          // ops are tiny JSON; bigger is abuse (close 1009)
  std::uint32_t ops_per_second = 20;                     // a dashboard sends a few ops per minute
  std::uint32_t ops_burst = 40;                         // ... and a burst on connect
  std::uint32_t max_op_errors = 10;              // errors and rate-limit hits before close 1008

  // Slow clients: bounded per-session queue (uWS maxBackpressure model).
  std::size_t queue_bytes = 4u << 20;        // 4 MiB: ~10 s of a busy user's stream at ~1k events/s of ~400 B
  std::uint32_t queue_messages = 16'384;     // the same ~10 s counted in messages
  std::chrono::milliseconds slow_close_after{5000};  // over the limit this long: close 1013 (a blip is not a verdict)
  std::chrono::milliseconds close_timeout{2000};     // a close handshake that takes longer is torn down

  // Heartbeat.
  std::chrono::milliseconds ping_interval{15'000};  // well inside proxies' 60 s idle cut-offs
  std::chrono::milliseconds idle_timeout{30'000};   // two missed pings: the peer is gone

  // History for resume (per user, and bridge-wide) and the snapshot.
  std::uint32_t history_per_user = 4096;          // a minute of a busy user's stream: a reconnect, not a replay of the day
  std::chrono::milliseconds history_age{300'000};  // 5 min: longer away, the snapshot is the better start
  std::size_t history_bytes = 256u << 20;        // all users together: the bound on the history's memory
  std::size_t kept_users = 10'000;  // users whose latest events and history are kept (least recently active forgotten)
  std::size_t snapshot_bytes = 64u << 20;  // /api/snapshot's store: ~200k latest states of ~300 B, all users together

  // system_log.
  shm::log_level log_level = shm::log_level::debug;  // bridge-wide minimum: below it, logs are not sent at all
  std::uint32_t log_rate = 100;  // per client per second; beyond it a "logs:suppressed" summary, once a second

  // HTTP.
  std::filesystem::path web_root;  // "" = the dashboard in the source tree (RINGCAST_WEB_ROOT at build time)

  // After a (re)start, events wait in the ring this long before the drain
  // begins, so that dashboards reconnecting to a restarted bridge receive
  // what was published while it was down; later ones read /api/snapshot.
  // A lane holds seconds of a busy producer, so this costs no drops.
  std::chrono::milliseconds startup_hold{1000};
  // How long the drain thread busy-polls an empty ring before it sleeps on
  // the doorbell. 0: sleep at once. On a host where the bridge shares its
  // cores with other work, spinning takes CPU from the I/O threads: at
  // 10 k events/s (one per 100 us, a sleep for nearly each one anyway) the
  // default consumer's 50 us cost ~15 % more CPU and 2-4x the p90
  // (docs/BENCHMARKS.md). Give it a dedicated core before raising it.
  std::uint32_t drain_spin_us = 0;
  std::chrono::milliseconds shutdown_grace{1500};  // SIGTERM: sessions get this long to close, exit within 2 s
};

class config_error : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses the environment, then argv. Throws config_error with a message
// naming the flag. Returns nullopt when --help was printed.
[[nodiscard]] std::optional<bridge_config> parse_config(int argc, char** argv);

[[nodiscard]] std::string config_help();

}  // namespace ringcast::bridge
