// The events around the trading: autopilot modes and rules, stats and
// performance, component health and status, gateway changes, logs at every
// level, signals from a global scanner. One of them per call, chosen at
// random; some for a user, some global (empty user id).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sim_context.hpp"
#include "sim_trader.hpp"

namespace ringcast::sim {

class sim_status {
 public:
  // Publishes one status event (a mode change or a gateway change also
  // logs it: two to four events). `users` may be empty: then only global ones.
  void emit_one(sim_context& cx, std::span<sim_trader> users);

 private:
  void gateway_change(sim_context& cx);

  // Gateways' current states, so that changes follow each other.
  std::array<std::uint8_t, 3> gateway_state_{};  // index into the status names; 0 = CONNECTED
  std::array<std::uint32_t, 3> reconnects_{};
};

}  // namespace ringcast::sim
