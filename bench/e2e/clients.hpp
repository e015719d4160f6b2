// The bench's WebSocket clients (Boost.Beast), all in clients.cpp: the
// measured ones, the slow ones of the slow-clients scenario, and idle ones
// (connections). Plus the one HTTP request the bench makes (/metrics).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "measure.hpp"
#include "server.hpp"

namespace ringcast::bench {

// Clients that read every message at once and record every event. Client i
// is user i % users. They stay connected for the whole run; the threads
// reading them run between start() and stop() only.
class measured_clients {
 public:
  measured_clients(const server& srv, unsigned clients, unsigned users, unsigned threads);
  ~measured_clients();
  measured_clients(const measured_clients&) = delete;
  measured_clients& operator=(const measured_clients&) = delete;

  void start(recorder& r);  // r outlives stop()
  void stop();
  // Events each client received since the last take, by client; resets them.
  [[nodiscard]] std::vector<std::uint64_t> take_received();

  // faults: remember which of `events` markers each client got, and bring
  // back a client whose connection ends (every 50 ms until it is back).
  // Before start().
  void track(std::size_t events, bool reconnect);
  struct fault_view {
    std::uint64_t missing = 0;     // markers i with i % users == client % users the client never got
    std::uint64_t missing_in = 0;  // ...of them, those in [in_lo, in_hi)
    std::uint64_t duplicates = 0;  // markers got more than once
    std::uint64_t reconnects = 0;
    std::int64_t last_back_ns = 0; // the latest first event after a reconnect (CLOCK_REALTIME)
  };
  // After stop().
  [[nodiscard]] fault_view faults(unsigned users, std::size_t in_lo = 0, std::size_t in_hi = 0) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Stops the clients' threads when it goes (an exception included).
struct stop_guard {
  measured_clients& clients;
  ~stop_guard() { clients.stop(); }
};

// ceil(percent % of clients) clients over the same users that read one
// message per 40 ms through a 4 KiB receive buffer (slow-clients).
class slow_clients {
 public:
  slow_clients(const server& srv, unsigned count, unsigned users);
  ~slow_clients();
  slow_clients(const slow_clients&) = delete;
  slow_clients& operator=(const slow_clients&) = delete;
  // Reads what is left at full speed for a second, then stops them and counts.
  [[nodiscard]] slow_tally finish();
  [[nodiscard]] static const char* description();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Connections that only stay open (and answer pings).
class idle_clients {
 public:
  idle_clients(const server& srv, unsigned count, unsigned users);
  ~idle_clients();
  idle_clients(const idle_clients&) = delete;
  idle_clients& operator=(const idle_clients&) = delete;
  [[nodiscard]] unsigned open() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ringcast-bridge's /metrics: ringcast_session_drops_total by reason.
[[nodiscard]] std::map<std::string, std::uint64_t> session_drops(unsigned short port);

}  // namespace ringcast::bench
