// The event schema: one trivially-copyable payload struct per event type.
// This file is the single source of truth: the JSON encoding (json_encode),
// the binary-compatibility test, and later the TypeScript types all walk
// these definitions through Boost.Describe.
//
// Conventions
//  - members are snake_case here and camelCase on the wire (unrealized_pnl ->
//    "unrealizedPnl"); enumerators are snake_case here and UPPER_CASE on the
//    wire (partially_filled -> "PARTIALLY_FILLED", a trailing _ dropped).
//  - prices, sizes and money are double; times are Unix milliseconds.
//  - booleans are `flag` (one byte, any non-zero is true): payload bytes come
//    from other processes, and a bool holding 2 would be undefined behaviour.
//  - variable-length parts (order-book levels, chain orders, log text) follow
//    the fixed struct in the payload; the struct holds their counts. Such
//    types set event_traits<T>::has_tail and are published through the
//    matching publisher overload, which fills the counts itself.
//  - every member has a default initializer, so designated initializers
//    may name only what they set (pnl_update{.total_pnl = 1}).
//  - changing a struct means bumping its event_traits<T>::version (and the
//    golden table in tests/unit/layout_compat_test.cpp).
#pragma once

#include <boost/describe.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "ringcast/shm/fixed_string.hpp"
#include "ringcast/shm/payloads.hpp"

namespace ringcast::shm {

// ---- event types: numbers are part of the shm layout, names of the wire ----
enum class event_type : std::uint16_t {
  // 0 is the ring's padding record (k_padding_type)
  position_update = 1,
  order_update = 2,
  trade_update = 3,
  balance_update = 4,
  futures_orderbook_update = 5,
  futures_mark_price_update = 6,
  futures_kline_update = 7,
  chain_update = 8,
  lifecycle_event = 9,
  ginie_status_update = 10,
  circuit_breaker_update = 11,
  pnl_update = 12,
  signal_update = 13,
  mode_status_update = 14,
  mode_safety_update = 15,
  mode_allocation_update = 16,
  autopilot_rules_update = 17,
  stats_update = 18,
  performance_update = 19,
  health_update = 20,
  system_status_update = 21,
  gateway_status_change = 22,
  system_log = 23,
};
inline constexpr std::uint16_t k_event_type_count = 24;  // one past the largest

// The names the dashboards already use (DESIGN.md's catalogue).
[[nodiscard]] std::string_view wire_name(event_type t) noexcept;  // "" if unknown
[[nodiscard]] std::optional<event_type> event_type_from_wire(std::string_view name) noexcept;
[[nodiscard]] constexpr bool is_known_event_type(std::uint16_t t) noexcept { return t >= 1 && t < k_event_type_count; }

// ---- traits: type number, version, tail ----
template <class T>
struct event_traits;

#define RINGCAST_EVENT(T, HAS_TAIL)                                   \
  template <>                                                         \
  struct event_traits<T> {                                            \
    static constexpr event_type type = event_type::T;                 \
    static constexpr std::uint8_t version = 1;                        \
    static constexpr bool has_tail = HAS_TAIL;                        \
  };
RINGCAST_EVENT(position_update, false)
RINGCAST_EVENT(order_update, false)
RINGCAST_EVENT(trade_update, false)
RINGCAST_EVENT(balance_update, false)
RINGCAST_EVENT(futures_orderbook_update, true)
RINGCAST_EVENT(futures_mark_price_update, false)
RINGCAST_EVENT(futures_kline_update, false)
RINGCAST_EVENT(chain_update, true)
RINGCAST_EVENT(lifecycle_event, false)
RINGCAST_EVENT(ginie_status_update, false)
RINGCAST_EVENT(circuit_breaker_update, false)
RINGCAST_EVENT(pnl_update, false)
RINGCAST_EVENT(signal_update, false)
RINGCAST_EVENT(mode_status_update, false)
RINGCAST_EVENT(mode_safety_update, false)
RINGCAST_EVENT(mode_allocation_update, false)
RINGCAST_EVENT(autopilot_rules_update, false)
RINGCAST_EVENT(stats_update, false)
RINGCAST_EVENT(performance_update, false)
RINGCAST_EVENT(health_update, false)
RINGCAST_EVENT(system_status_update, false)
RINGCAST_EVENT(gateway_status_change, true)
RINGCAST_EVENT(system_log, true)
#undef RINGCAST_EVENT

template <class T>
concept event_payload = requires { event_traits<T>::type; } && std::is_trivially_copyable_v<T> &&
                        std::is_standard_layout_v<T>;
template <class T>
concept fixed_event_payload = event_payload<T> && !event_traits<T>::has_tail;

// Calls f(std::type_identity<T>{}) for the payload type of `t`; returns
// false for an unknown type. The one switch over event types.
template <class F>
bool visit_event_type(event_type t, F&& f) {
  switch (t) {
#define RINGCAST_CASE(T) \
  case event_type::T: f(std::type_identity<T>{}); return true;
    RINGCAST_CASE(position_update)
    RINGCAST_CASE(order_update)
    RINGCAST_CASE(trade_update)
    RINGCAST_CASE(balance_update)
    RINGCAST_CASE(futures_orderbook_update)
    RINGCAST_CASE(futures_mark_price_update)
    RINGCAST_CASE(futures_kline_update)
    RINGCAST_CASE(chain_update)
    RINGCAST_CASE(lifecycle_event)
    RINGCAST_CASE(ginie_status_update)
    RINGCAST_CASE(circuit_breaker_update)
    RINGCAST_CASE(pnl_update)
    RINGCAST_CASE(signal_update)
    RINGCAST_CASE(mode_status_update)
    RINGCAST_CASE(mode_safety_update)
    RINGCAST_CASE(mode_allocation_update)
    RINGCAST_CASE(autopilot_rules_update)
    RINGCAST_CASE(stats_update)
    RINGCAST_CASE(performance_update)
    RINGCAST_CASE(health_update)
    RINGCAST_CASE(system_status_update)
    RINGCAST_CASE(gateway_status_change)
    RINGCAST_CASE(system_log)
#undef RINGCAST_CASE
  }
  return false;
}

}  // namespace ringcast::shm
